import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import { EngineOverloadedError, PromptTooLongError } from "../../../src/engine/engine-errors.js";
import type { GenerationEvent } from "../../../src/engine/generation-event.js";
import { listenOnLoopback } from "../../helpers/servers/index.js";
import { ScriptedEngine, sequentialIds, textEvents } from "../../helpers/scripted-engine.js";

const body = { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] };

function appWith(engine: ScriptedEngine, apiKey?: string) {
  return createApp({ engine, generateId: sequentialIds(), ...(apiKey !== undefined ? { security: { apiKey } } : {}) });
}

/** The `data:` payloads of an OpenAI stream, in order, `[DONE]` as a string; comments are skipped as clients do. */
function dataFrames(payload: string): unknown[] {
  return payload
    .split("\n\n")
    .filter((frame) => frame.trim() !== "" && !frame.startsWith(":"))
    .map((frame) => {
      expect(frame).toMatch(/^data: /);
      const data = frame.slice("data: ".length);
      return data === "[DONE]" ? data : JSON.parse(data);
    });
}

const toolEvents: readonly GenerationEvent[] = [
  { type: "start", usage: { inputTokens: 20, cachedInputTokens: 100 } },
  { type: "thinking-delta", text: "Need the weather." },
  { type: "tool-call-start", index: 0, name: "get_weather" },
  { type: "tool-input-delta", index: 0, text: '{"city":"Paris"' },
  { type: "tool-input-delta", index: 0, text: "}" },
  { type: "tool-call", index: 0, name: "get_weather", input: { city: "Paris" } },
  // A call that arrives whole, as an engine that does not stream tool input sends it.
  { type: "tool-call", index: 1, name: "get_time", input: { zone: "UTC" } },
  { type: "finish", stopReason: "tool-use", stopSequence: null, usage: { inputTokens: 20, cachedInputTokens: 100, outputTokens: 9 } },
];

describe("POST /v1/chat/completions (in process, scripted engine)", () => {
  it("answers a non-streaming request with a chat.completion, usage counting cached tokens inside prompt_tokens", async () => {
    const response = await appWith(ScriptedEngine.replaying(textEvents)).inject({ method: "POST", url: "/v1/chat/completions", payload: body });
    expect(response.statusCode).toBe(200);
    expect(response.headers["request-id"]).toBe("req_test0001");
    const completion = response.json();
    expect(completion).toEqual({
      id: "chatcmpl_test0002",
      object: "chat.completion",
      created: expect.any(Number),
      model: "gpt-4o",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello, world", refusal: null }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, prompt_tokens_details: { cached_tokens: 0 } },
    });
    expect(Math.abs(completion.created - Date.now() / 1000)).toBeLessThan(60);
  });

  it("streams chunks: the role first, content deltas, the finish reason, usage only when asked for, then [DONE]", async () => {
    const inject = (streamOptions?: object) =>
      appWith(ScriptedEngine.replaying(textEvents)).inject({
        method: "POST",
        url: "/v1/chat/completions",
        payload: { ...body, stream: true, ...(streamOptions !== undefined ? { stream_options: streamOptions } : {}) },
      });
    const response = await inject();
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/event-stream/);
    const frames = dataFrames(response.payload);
    expect(frames.at(-1)).toBe("[DONE]");
    const chunks = frames.slice(0, -1) as { object: string; id: string; choices: { delta: unknown; finish_reason: unknown }[]; usage?: unknown }[];
    for (const chunk of chunks) expect(chunk).toMatchObject({ object: "chat.completion.chunk", id: "chatcmpl_test0002", model: "gpt-4o" });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta)).toEqual([{ role: "assistant", content: "" }, { content: "Hello" }, { content: ", world" }, {}]);
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual([null, null, null, "stop"]);
    expect(chunks.some((chunk) => "usage" in chunk)).toBe(false);

    const withUsage = dataFrames((await inject({ include_usage: true })).payload);
    expect(withUsage.at(-2)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 } });
  });

  it("streams reasoning as reasoning_content and tool calls with index, id, name and argument deltas", async () => {
    const response = await appWith(ScriptedEngine.replaying(toolEvents)).inject({
      method: "POST",
      url: "/v1/chat/completions",
      payload: { ...body, stream: true, stream_options: { include_usage: true } },
    });
    const chunks = dataFrames(response.payload).slice(0, -1) as { choices: { delta: unknown; finish_reason: unknown }[]; usage?: unknown }[];
    expect(chunks.map((chunk) => chunk.choices[0]?.delta)).toEqual([
      { role: "assistant", content: "" },
      { reasoning_content: "Need the weather." },
      { tool_calls: [{ index: 0, id: "call_test0003", type: "function", function: { name: "get_weather", arguments: "" } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris"' } }] },
      { tool_calls: [{ index: 0, function: { arguments: "}" } }] },
      { tool_calls: [{ index: 1, id: "call_test0004", type: "function", function: { name: "get_time", arguments: '{"zone":"UTC"}' } }] },
      {},
      undefined,
    ]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 120, completion_tokens: 9, total_tokens: 129, prompt_tokens_details: { cached_tokens: 100 } });
  });

  it("folds the same chunks into one message: reasoning_content, tool_calls with JSON arguments, content null", async () => {
    const response = await appWith(ScriptedEngine.replaying(toolEvents)).inject({ method: "POST", url: "/v1/chat/completions", payload: body });
    expect(response.json().choices).toEqual([
      {
        index: 0,
        message: {
          role: "assistant",
          content: null,
          refusal: null,
          reasoning_content: "Need the weather.",
          tool_calls: [
            { id: "call_test0003", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "call_test0004", type: "function", function: { name: "get_time", arguments: '{"zone":"UTC"}' } },
          ],
        },
        logprobs: null,
        finish_reason: "tool_calls",
      },
    ]);
  });

  it.each([
    ["end-turn", "stop"],
    ["stop-sequence", "stop"],
    ["max-tokens", "length"],
    ["context-window-exceeded", "length"],
  ] as const)("maps the engine's %s to finish_reason %s", async (stopReason, finishReason) => {
    const engine = ScriptedEngine.replaying([
      { type: "start", usage: { inputTokens: 1, cachedInputTokens: 0 } },
      { type: "finish", stopReason, stopSequence: null, usage: { inputTokens: 1, cachedInputTokens: 0, outputTokens: 0 } },
    ]);
    const completion = (await appWith(engine).inject({ method: "POST", url: "/v1/chat/completions", payload: body })).json();
    expect(completion.choices[0]).toMatchObject({ finish_reason: finishReason, message: { content: "" } });
  });

  it("hands the engine the translated request: prompt, tools, stop, sampling, seed, response schema", async () => {
    const engine = ScriptedEngine.replaying(textEvents);
    await appWith(engine).inject({
      method: "POST",
      url: "/v1/chat/completions",
      headers: { "x-claude-code-session-id": "session-1" },
      payload: {
        ...body,
        messages: [{ role: "system", content: "Be brief." }, ...body.messages],
        max_completion_tokens: 50,
        temperature: 0.5,
        top_p: 0.9,
        seed: -1,
        stop: "END",
        tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { a: { type: "string" } } } } }],
        tool_choice: "required",
        parallel_tool_calls: false,
      },
    });
    expect(engine.requests[0]).toEqual({
      model: "gpt-4o",
      system: "Be brief.",
      turns: [{ role: "user", parts: [{ type: "text", text: "Hi" }] }],
      tools: [{ name: "f", description: "", inputSchema: { type: "object", properties: { a: { type: "string" } } } }],
      toolChoice: { type: "any", disableParallelToolUse: true },
      thinking: { type: "default" },
      maxTokens: 50,
      sampling: { temperature: 0.5, topP: 0.9, seed: 2 ** 32 - 1 },
      stopSequences: ["END"],
      session: "session-1",
    });
  });

  it("answers bad input with OpenAI's error shape, naming the field in param", async () => {
    const app = appWith(ScriptedEngine.replaying(textEvents));
    const missing = await app.inject({ method: "POST", url: "/v1/chat/completions", payload: { model: "gpt-4o" } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ error: { message: "messages: Field required", type: "invalid_request_error", param: "messages", code: null } });
    const badArguments = await app.inject({
      method: "POST",
      url: "/v1/chat/completions",
      payload: { ...body, messages: [{ role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{" } }] }] },
    });
    expect(badArguments.json().error).toMatchObject({ param: "messages.0.tool_calls.0.function.arguments", message: "messages.0.tool_calls.0.function.arguments: not valid JSON" });
    const notJson = await app.inject({ method: "POST", url: "/v1/chat/completions", headers: { "content-type": "application/json" }, payload: "{" });
    expect(notJson.json()).toEqual({ error: { message: "The request body is not valid JSON.", type: "invalid_request_error", param: null, code: null } });
  });

  it("answers a wrong or missing key with 401 invalid_api_key, and takes the key as a Bearer token", async () => {
    const app = appWith(ScriptedEngine.replaying(textEvents), "secret");
    const wrong = await app.inject({ method: "POST", url: "/v1/chat/completions", headers: { authorization: "Bearer nope" }, payload: body });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ error: { message: "invalid x-api-key", type: "invalid_request_error", param: null, code: "invalid_api_key" } });
    expect((await app.inject({ method: "POST", url: "/v1/chat/completions", payload: body })).json().error.code).toBe("invalid_api_key");
    const right = await app.inject({ method: "POST", url: "/v1/chat/completions", headers: { authorization: "Bearer secret" }, payload: body });
    expect(right.statusCode).toBe(200);
  });

  it("keeps the Host check and the body format check, in OpenAI's shape", async () => {
    const app = appWith(ScriptedEngine.replaying(textEvents));
    const foreignHost = await app.inject({ method: "POST", url: "/v1/chat/completions", headers: { host: "evil.example" }, payload: body });
    expect(foreignHost.statusCode).toBe(403);
    expect(foreignHost.json().error).toMatchObject({ type: "invalid_request_error", code: "permission_denied" });
    const form = await app.inject({ method: "POST", url: "/v1/chat/completions", headers: { "content-type": "text/plain" }, payload: JSON.stringify(body) });
    expect(form.statusCode).toBe(415);
    expect(form.json().error.type).toBe("invalid_request_error");
  });

  it("maps a too-long prompt to context_length_exceeded and a full queue to 503 with retry-after", async () => {
    const tooLong = new ScriptedEngine(async function* () {
      throw new PromptTooLongError(9000, 4094);
    });
    const response = await appWith(tooLong).inject({ method: "POST", url: "/v1/chat/completions", payload: { ...body, stream: true } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toEqual({ message: "prompt is too long: 9000 tokens > 4094 maximum", type: "invalid_request_error", param: null, code: "context_length_exceeded" });
    const busy = new ScriptedEngine(async function* () {
      throw new EngineOverloadedError("busy", 2);
    });
    const overloaded = await appWith(busy).inject({ method: "POST", url: "/v1/chat/completions", payload: body });
    expect(overloaded.statusCode).toBe(503);
    expect(overloaded.headers["retry-after"]).toBe("2");
    expect(overloaded.json().error).toEqual({ message: "busy", type: "server_error", param: null, code: "overloaded" });
  });

  it("reports a failure after the stream started as a data frame with an error object, without [DONE]", async () => {
    const engine = new ScriptedEngine(async function* () {
      yield { type: "start", usage: { inputTokens: 1, cachedInputTokens: 0 } };
      yield { type: "text-delta", text: "par" };
      throw new Error("native crash");
    });
    const response = await appWith(engine).inject({ method: "POST", url: "/v1/chat/completions", payload: { ...body, stream: true } });
    const frames = dataFrames(response.payload);
    expect(frames).not.toContain("[DONE]");
    expect(frames.at(-1)).toEqual({ error: { message: "Internal server error.", type: "server_error", param: null, code: null } });
  });

  it("sends keep-alive comments while the engine is slow, and [DONE] once it is done (real socket)", async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const engine = new ScriptedEngine(async function* () {
      yield textEvents[0]!;
      await released;
      yield* textEvents.slice(1);
    });
    const listening = await listenOnLoopback(createApp({ engine, generateId: sequentialIds(), pingIntervalMs: 20 }));
    try {
      const response = await fetch(`${listening.baseUrl}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...body, stream: true }),
      });
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let received = "";
      // The pings are the clock: the engine is released once two have come.
      while ((received.match(/^: ping$/gm) ?? []).length < 2) received += (await reader.read()).value ?? "";
      release();
      for (let part = await reader.read(); part.done !== true; part = await reader.read()) received += part.value;
      expect(dataFrames(received).at(-1)).toBe("[DONE]");
      expect(dataFrames(received).filter((frame) => frame !== "[DONE]")).toHaveLength(4);
    } finally {
      release();
      await listening.close();
    }
  });
});

describe("GET /v1/models in both shapes", () => {
  it("answers OpenAI's list without Anthropic's headers, and Anthropic's with them", async () => {
    const app = appWith(ScriptedEngine.replaying(textEvents));
    const openAi = (await app.inject({ method: "GET", url: "/v1/models", headers: { authorization: "Bearer k" } })).json();
    expect(openAi).toEqual({
      object: "list",
      data: [{ id: "scripted-model", object: "model", created: Date.parse("2026-01-01T00:00:00Z") / 1000, owned_by: "pensieve", max_model_len: 4096 }],
    });
    const anthropic = (await app.inject({ method: "GET", url: "/v1/models", headers: { "anthropic-version": "2023-06-01" } })).json();
    expect(anthropic.data[0]).toMatchObject({ type: "model", id: "scripted-model", max_input_tokens: 4094 });
    expect((await app.inject({ method: "GET", url: "/v1/models/claude-x" })).json()).toMatchObject({ id: "claude-x", object: "model" });
    const missing = await app.inject({ method: "GET", url: "/v1/models/gpt-9" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { message: "model: gpt-9", type: "invalid_request_error", param: null, code: "not_found" } });
  });
});
