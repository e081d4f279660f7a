import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import { EngineOverloadedError, EngineUnavailableError, PromptTooLongError } from "../../../src/engine/engine-errors.js";
import { ScriptedEngine, sequentialIds, textEvents } from "../../helpers/scripted-engine.js";
import { checkStreamGrammar, oneBlockInTwoDeltas } from "../../helpers/stream-grammar.js";

const body = { model: "claude-sonnet-5", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] };

function appWith(engine: ScriptedEngine) {
  return createApp({ engine, generateId: sequentialIds() });
}

function parseSse(payload: string): { event: string; data: { type: string; [key: string]: unknown } }[] {
  return payload
    .split("\n\n")
    .filter((frame) => frame.trim() !== "")
    .map((frame) => {
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? "";
      const data = JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? "null") as { type: string };
      return { event, data };
    });
}

describe("POST /v1/messages (in process, scripted engine)", () => {
  it("answers a non-streaming request with an Anthropic message and a request-id", async () => {
    const response = await appWith(ScriptedEngine.replaying(textEvents)).inject({ method: "POST", url: "/v1/messages", payload: body });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    expect(response.headers["request-id"]).toBe("req_test0001");
    expect(response.json()).toEqual({
      id: "msg_test0002",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-5",
      content: [{ type: "text", text: "Hello, world" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 3, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: "standard" },
    });
  });

  it("streams named SSE events in the grammar clients expect, with a ping after message_start", async () => {
    const response = await appWith(ScriptedEngine.replaying(textEvents)).inject({
      method: "POST",
      url: "/v1/messages?beta=true",
      headers: { accept: "application/json" },
      payload: { ...body, stream: true },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(response.headers["request-id"]).toMatch(/^req_/);
    const frames = parseSse(response.payload);
    for (const frame of frames) expect(frame.event).toBe(frame.data.type);
    expect(frames.map((frame) => frame.event)).toEqual(oneBlockInTwoDeltas);
    expect(checkStreamGrammar(frames.map((frame) => frame.data))).toEqual([]);
  });

  it("accepts unknown top-level fields, betas, thinking, metadata and cache_control keys", async () => {
    const engine = ScriptedEngine.replaying(textEvents);
    const response = await appWith(engine).inject({
      method: "POST",
      url: "/v1/messages",
      headers: { "anthropic-beta": "context-management-2025-06-27,unknown-beta", "anthropic-version": "2026-10-21" },
      payload: {
        ...body,
        thinking: { type: "adaptive" },
        output_config: { effort: "high" },
        context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }] },
        metadata: { user_id: "{\"session_id\":\"x\"}" },
        brand_new_field: { anything: true },
        messages: [{ role: "user", content: [{ type: "text", text: "Hi", cache_control: { type: "ephemeral", ttl: "1h", scope: "x" } }] }],
      },
    });
    expect(response.statusCode).toBe(200);
    expect(engine.requests).toHaveLength(1);
  });

  it.each([
    [{ ...body, max_tokens: undefined }, "max_tokens: Field required"],
    [{ ...body, max_tokens: "ten" }, "max_tokens: Input should be a valid integer"],
    [{ ...body, temperature: 1.5 }, "temperature: Input should be less than or equal to 1"],
    [{ ...body, messages: [{ role: "tool", content: "x" }] }, "messages.0.role: Input should be 'user', 'assistant' or 'system'"],
    [{ ...body, messages: [{ role: "user", content: 5 }] }, "messages.0.content: Input should be a valid string or a valid list"],
    [{ ...body, messages: [] }, "messages: List should have at least 1 item(s)"],
    [{ ...body, stop_sequences: "END" }, "stop_sequences: Input should be a valid list"],
  ])("answers 400 invalid_request_error naming the field (%#)", async (payload, message) => {
    const response = await appWith(ScriptedEngine.replaying(textEvents)).inject({ method: "POST", url: "/v1/messages", payload });
    expect(response.statusCode).toBe(400);
    expect(response.headers["request-id"]).toMatch(/^req_/);
    expect(response.json()).toEqual({ type: "error", error: { type: "invalid_request_error", message }, request_id: expect.stringMatching(/^req_/) });
  });

  it("answers 400 for a body that is not JSON", async () => {
    const response = await appWith(ScriptedEngine.replaying(textEvents)).inject({
      method: "POST",
      url: "/v1/messages",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.type).toBe("invalid_request_error");
  });

  it("maps a too-long prompt to the exact text Claude Code parses", async () => {
    const engine = new ScriptedEngine(async function* () {
      throw new PromptTooLongError(9000, 4094);
    });
    const response = await appWith(engine).inject({ method: "POST", url: "/v1/messages", payload: { ...body, stream: true } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toEqual({ type: "invalid_request_error", message: "prompt is too long: 9000 tokens > 4094 maximum" });
  });

  it("maps an overloaded engine to 529 with retry-after", async () => {
    const engine = new ScriptedEngine(async function* () {
      throw new EngineOverloadedError("busy", 2);
    });
    const response = await appWith(engine).inject({ method: "POST", url: "/v1/messages", payload: body });
    expect(response.statusCode).toBe(529);
    expect(response.headers["retry-after"]).toBe("2");
    expect(response.json().error.type).toBe("overloaded_error");
  });

  it("maps a failed model to 503 and hides unexpected internals behind a generic 500", async () => {
    const failed = new ScriptedEngine(async function* () {
      throw new EngineUnavailableError("the model is not available: bad file");
    });
    expect((await appWith(failed).inject({ method: "POST", url: "/v1/messages", payload: body })).statusCode).toBe(503);
    const broken = new ScriptedEngine(async function* () {
      throw new Error("/secret/path/model.gguf exploded");
    });
    const response = await appWith(broken).inject({ method: "POST", url: "/v1/messages", payload: body });
    expect(response.statusCode).toBe(500);
    expect(response.json().error).toEqual({ type: "api_error", message: "Internal server error." });
  });

  it("reports a failure after the stream started as an SSE error event", async () => {
    const engine = new ScriptedEngine(async function* () {
      yield { type: "start", usage: { inputTokens: 1, cachedInputTokens: 0 } };
      yield { type: "text-delta", text: "par" };
      throw new Error("native crash");
    });
    const response = await appWith(engine).inject({ method: "POST", url: "/v1/messages", payload: { ...body, stream: true } });
    expect(response.statusCode).toBe(200);
    const frames = parseSse(response.payload);
    expect(frames.at(-1)).toEqual({ event: "error", data: { type: "error", error: { type: "api_error", message: "Internal server error." } } });
  });
});

describe("other routes (in process)", () => {
  it("counts tokens through the engine", async () => {
    const response = await appWith(ScriptedEngine.replaying(textEvents)).inject({
      method: "POST",
      url: "/v1/messages/count_tokens?beta=true",
      payload: { model: "claude-haiku-4-5", system: "abc", messages: [{ role: "user", content: "Hi" }] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ input_tokens: 4 });
  });

  it("lists the model and retrieves it by id or by any claude-* name, 404 otherwise", async () => {
    const app = appWith(ScriptedEngine.replaying(textEvents));
    const list = (await app.inject({ method: "GET", url: "/v1/models", headers: { "anthropic-version": "2023-06-01" } })).json();
    expect(list).toEqual({
      data: [
        {
          type: "model",
          id: "scripted-model",
          display_name: "scripted-model.gguf (local)",
          created_at: "2026-01-01T00:00:00.000Z",
          max_input_tokens: 4094,
          max_tokens: 4095,
        },
      ],
      has_more: false,
      first_id: "scripted-model",
      last_id: "scripted-model",
    });
    expect((await app.inject({ method: "GET", url: "/v1/models/claude-opus-4-8", headers: { "x-api-key": "any" } })).json().id).toBe("claude-opus-4-8");
    const missing = await app.inject({ method: "GET", url: "/v1/models/gpt-9", headers: { "anthropic-version": "2023-06-01" } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toEqual({ type: "not_found_error", message: "model: gpt-9" });
  });

  it("answers 404 not_found_error for an unknown route", async () => {
    const response = await appWith(ScriptedEngine.replaying(textEvents)).inject({ method: "POST", url: "/v1/complete" });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.type).toBe("not_found_error");
  });

  it("reports health: 200 when ready, 503 while loading or failed", async () => {
    const engine = ScriptedEngine.replaying(textEvents);
    const app = appWith(engine);
    expect((await app.inject({ method: "GET", url: "/health" })).json()).toEqual({ status: "ready", model: "scripted-model" });
    engine.status = { state: "loading", model: null };
    expect((await app.inject({ method: "GET", url: "/health" })).statusCode).toBe(503);
    engine.status = { state: "failed", model: null, reason: "bad magic" };
    const failed = await app.inject({ method: "GET", url: "/health" });
    expect(failed.statusCode).toBe(503);
    expect(failed.json()).toEqual({ status: "failed", model: null, reason: "bad magic" });
  });

  it("answers HEAD / at once, whatever the model's state", async () => {
    const engine = ScriptedEngine.replaying(textEvents);
    engine.status = { state: "loading", model: null };
    const response = await appWith(engine).inject({ method: "HEAD", url: "/" });
    expect(response.statusCode).toBe(200);
  });
});

describe("server tools (in process)", () => {
  const webSearchBody = {
    model: "claude-haiku-4-5",
    max_tokens: 100,
    tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 8, allowed_domains: null, blocked_domains: null }],
    messages: [{ role: "user", content: "Perform a web search for the query: pensieve" }],
  };

  it("answers a web_search-only request with an unavailable result, never a client tool_use", async () => {
    const engine = ScriptedEngine.replaying(textEvents);
    const response = await appWith(engine).inject({ method: "POST", url: "/v1/messages", payload: webSearchBody });
    expect(response.statusCode).toBe(200);
    const message = response.json();
    expect(message.content.map((block: { type: string }) => block.type)).toEqual(["server_tool_use", "web_search_tool_result", "text"]);
    expect(message.content[0]).toMatchObject({ name: "web_search", input: { query: "Perform a web search for the query: pensieve" } });
    expect(message.content[1]).toEqual({
      type: "web_search_tool_result",
      tool_use_id: message.content[0].id,
      content: { type: "web_search_tool_result_error", error_code: "unavailable" },
    });
    expect(message.content.some((block: { type: string }) => block.type === "tool_use")).toBe(false);
    expect(message.stop_reason).toBe("end_turn");
    expect(engine.requests).toHaveLength(0);
  });

  it("streams the same reply in the event grammar", async () => {
    const response = await appWith(ScriptedEngine.replaying(textEvents)).inject({
      method: "POST",
      url: "/v1/messages",
      payload: { ...webSearchBody, stream: true },
    });
    const frames = parseSse(response.payload);
    expect(frames.map((frame) => frame.event)).toContain("content_block_start");
    expect(checkStreamGrammar(frames.map((frame) => frame.data))).toEqual([]);
  });

  it("with client tools beside it, generates normally and keeps the server tool away from the model", async () => {
    const engine = ScriptedEngine.replaying(textEvents);
    const response = await appWith(engine).inject({
      method: "POST",
      url: "/v1/messages",
      payload: { ...webSearchBody, tools: [...webSearchBody.tools, { name: "Read", input_schema: { type: "object" } }] },
    });
    expect(response.statusCode).toBe(200);
    expect(engine.requests[0]?.tools.map((tool) => tool.name)).toEqual(["Read"]);
  });

  it('sends a thinking block without its text for thinking.display "omitted", and with it otherwise', async () => {
    const engine = ScriptedEngine.replaying([
      { type: "start", usage: { inputTokens: 5, cachedInputTokens: 0 } },
      { type: "thinking-delta", text: "Secret reasoning." },
      { type: "text-delta", text: "Answer." },
      { type: "finish", stopReason: "end-turn", stopSequence: null, usage: { inputTokens: 5, cachedInputTokens: 0, outputTokens: 4 } },
    ]);
    const thinkingOf = async (thinking: Record<string, unknown>) => {
      const response = await appWith(engine).inject({ method: "POST", url: "/v1/messages", payload: { ...body, max_tokens: 2048, thinking } });
      return (response.json() as { content: { type: string; thinking?: string }[] }).content.find((block) => block.type === "thinking")?.thinking;
    };
    expect(await thinkingOf({ type: "enabled", budget_tokens: 1024, display: "omitted" })).toBe("");
    expect(await thinkingOf({ type: "enabled", budget_tokens: 1024 })).toBe("Secret reasoning.");
    expect(await thinkingOf({ type: "enabled", budget_tokens: 1024, display: "summarized" })).toBe("Secret reasoning.");
  });
});

