import type Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { claudeCodeLikeRequest } from "../../bench/claude-code-like-request.js";
import { checkStreamGrammar } from "../helpers/stream-grammar.js";
import { strictTool } from "../helpers/strict-tool.js";
import { useTestServer } from "../helpers/servers/index.js";

const weatherTool = strictTool("get_weather", "Current weather for a city.", {
  // An enum, not a free string: a random-weight model rarely closes a free string within max_tokens.
  city: { type: "string", enum: ["Paris", "London", "Tokyo"], description: "City name" },
  days: { type: "integer", minimum: 1, maximum: 7 },
  unit: { type: "string", enum: ["celsius", "fahrenheit"] },
});
const timeTool: Anthropic.Tool = {
  name: "get_time",
  description: "Current time in a time zone.",
  input_schema: { type: "object", properties: { zone: { type: "string", enum: ["UTC", "CET"] } }, required: ["zone"] },
};

/** Checked by hand against the schema above, independently of the server's own schema code. */
function expectValidWeatherInput(input: unknown): void {
  const value = input as Record<string, unknown>;
  expect(Object.keys(value).sort()).toEqual(["city", "days", "unit"]);
  expect(["Paris", "London", "Tokyo"]).toContain(value["city"]);
  expect(Number.isInteger(value["days"])).toBe(true);
  expect(value["days"]).toBeGreaterThanOrEqual(1);
  expect(value["days"]).toBeLessThanOrEqual(7);
  expect(["celsius", "fahrenheit"]).toContain(value["unit"]);
}

const ask = [{ role: "user" as const, content: "What is the weather in Paris?" }];

describe("tools through the official SDK (random-weight model, ChatML format)", () => {
  const server = useTestServer("tiny", { contextSize: 8192 });

  it("tool_choice tool: a tool_use block for that tool, input valid against its schema, stop_reason tool_use", async () => {
    const message = await server.client.messages.create({
      model: "claude-sonnet-5",
      max_tokens: 300,
      tools: [weatherTool, timeTool],
      tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
      messages: ask,
    });
    const calls = message.content.filter((block) => block.type === "tool_use");
    expect(calls).toHaveLength(1);
    expect(calls[0]?.name).toBe("get_weather");
    expect(calls[0]?.id).toMatch(/^toolu_/);
    expectValidWeatherInput(calls[0]?.input);
    expect(message.stop_reason).toBe("tool_use");
  });

  it("tool_choice any, streamed: input arrives only through input_json_delta and parses at block stop", async () => {
    const stream = await server.client.messages.create({
      model: "claude-sonnet-5",
      max_tokens: 300,
      stream: true,
      tools: [weatherTool],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
      messages: ask,
    });
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(checkStreamGrammar(events as unknown as { type: string }[])).toEqual([]);
    const start = events.find((event) => event.type === "content_block_start" && event.content_block.type === "tool_use");
    if (start?.type !== "content_block_start") throw new Error("no tool_use block");
    expect(start.content_block).toMatchObject({ type: "tool_use", name: "get_weather", input: {} });
    const json = events
      .flatMap((event) => (event.type === "content_block_delta" && event.index === start.index && event.delta.type === "input_json_delta" ? [event.delta.partial_json] : []))
      .join("");
    expectValidWeatherInput(JSON.parse(json));
    const delta = events.find((event) => event.type === "message_delta");
    expect(delta?.type === "message_delta" && delta.delta.stop_reason).toBe("tool_use");
  });

  it("tool_choice naming web_search beside a client tool: the server tool's unavailable reply, never a client tool_use", async () => {
    const body = {
      model: "claude-sonnet-5",
      max_tokens: 300,
      tools: [weatherTool, { type: "web_search_20250305" as const, name: "web_search" as const, max_uses: 8 }],
      tool_choice: { type: "tool" as const, name: "web_search" },
      messages: ask,
    };
    const message = await server.client.messages.create(body);
    expect(message.content.map((block) => block.type)).toEqual(["server_tool_use", "web_search_tool_result", "text"]);
    expect(message.content[1]).toMatchObject({ content: { type: "web_search_tool_result_error", error_code: "unavailable" } });
    expect(message.stop_reason).toBe("end_turn");
    const { max_tokens: _maxTokens, ...countBody } = body;
    expect(message.usage.input_tokens).toBe((await server.client.messages.countTokens(countBody)).input_tokens);
    const streamed = await server.client.messages.stream(body).finalMessage();
    expect(streamed.content.map((block) => block.type)).toEqual(["server_tool_use", "web_search_tool_result", "text"]);
  });

  it("messages.stream().finalMessage() assembles the same tool call", async () => {
    const message = await server.client.messages
      .stream({ model: "claude-sonnet-5", max_tokens: 300, tools: [weatherTool], tool_choice: { type: "any" }, messages: ask })
      .finalMessage();
    const call = message.content.find((block) => block.type === "tool_use");
    expect(call?.type === "tool_use" && call.name).toBe("get_weather");
    if (call?.type === "tool_use") expectValidWeatherInput(call.input);
  });

  it("a full loop: tool_use → tool_result → next turn, and count_tokens agrees with the rendered history", async () => {
    const first = await server.client.messages.create({
      model: "claude-sonnet-5",
      max_tokens: 300,
      tools: [weatherTool],
      tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
      messages: ask,
    });
    const call = first.content.find((block) => block.type === "tool_use");
    if (call?.type !== "tool_use") throw new Error("no tool call");
    const history: Anthropic.MessageParam[] = [
      ...ask,
      { role: "assistant", content: first.content },
      { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "Sunny, 21°C" }] },
    ];
    const second = await server.client.messages.create({
      model: "claude-sonnet-5",
      max_tokens: 20,
      tools: [weatherTool],
      tool_choice: { type: "none" },
      messages: history,
    });
    expect(["end_turn", "max_tokens"]).toContain(second.stop_reason);
    expect(second.content.every((block) => block.type === "text")).toBe(true);
    const errorResult = await server.client.messages.create({
      model: "claude-sonnet-5",
      max_tokens: 5,
      tools: [weatherTool],
      messages: [...history.slice(0, 2), { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "denied", is_error: true }] }],
    });
    expect(errorResult.type).toBe("message");
    const counted = await server.client.messages.countTokens({ model: "claude-sonnet-5", tools: [weatherTool], tool_choice: { type: "none" }, messages: history });
    expect(second.usage.input_tokens + (second.usage.cache_read_input_tokens ?? 0)).toBe(counted.input_tokens);
  });

  it("accepts Claude Code's 24-tool request shape (2020-12 schemas, huge integer bounds, a 21k-character description)", async () => {
    const { model, system, tools, messages } = claudeCodeLikeRequest("Hello");
    const counted = await server.client.messages.countTokens({ model, messages, ...(system !== undefined ? { system } : {}), ...(tools !== undefined ? { tools } : {}) });
    expect(counted.input_tokens).toBeGreaterThan(5000);
  });

  it("answers a schema too deep to compile with a fast 400", async () => {
    // Built as text: the SDK's own JSON.stringify would overflow its stack on a 10,000-level object.
    const depth = 10_000;
    const schema = `${'{"type":"object","properties":{"nested":'.repeat(depth)}{"type":"string"}${"}}".repeat(depth)}`;
    const body = `{"model":"claude-sonnet-5","max_tokens":5,"messages":[{"role":"user","content":"Hi"}],"tools":[{"name":"deep","input_schema":${schema}}]}`;
    const started = performance.now();
    const response = await fetch(`${server.baseUrl}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(response.status).toBe(400);
    const error = (await response.json()) as { error: { type: string; message: string } };
    expect(error.error.type).toBe("invalid_request_error");
    expect(error.error.message).toMatch(/tools\.0\.input_schema: schema nesting exceeds/);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
