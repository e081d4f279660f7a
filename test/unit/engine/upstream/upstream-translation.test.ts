import { describe, expect, it } from "vitest";
import type { GenerationRequest } from "../../../../src/engine/generation-request.js";
import { toChatCompletionBody } from "../../../../src/engine/upstream/chat-completion-body.js";
import { contextOverflowOf } from "../../../../src/engine/upstream/context-overflow.js";
import { rendezvousOrder } from "../../../../src/engine/upstream/rendezvous-order.js";
import { routingKeyOf } from "../../../../src/engine/upstream/routing-key.js";
import { StopSequenceScanner } from "../../../../src/engine/upstream/stop-sequence-scanner.js";

const request = (overrides: Partial<GenerationRequest> = {}): GenerationRequest => ({
  system: "Be brief.",
  turns: [{ role: "user", parts: [{ type: "text", text: "hi" }] }],
  tools: [
    { name: "read", description: "Read a file", inputSchema: { type: "object" } },
    { name: "write", description: "Write a file", inputSchema: { type: "object" } },
  ],
  toolChoice: { type: "auto", disableParallelToolUse: false },
  thinking: { type: "default" },
  maxTokens: 100,
  sampling: { temperature: 0.5, topK: 20 },
  stopSequences: ["END"],
  ...overrides,
});

describe("StopSequenceScanner", () => {
  it("holds back a possible start of a stop sequence, and lets it go when the next chunk settles it", () => {
    const scanner = new StopSequenceScanner(["</answer>"]);
    expect(scanner.push("one </an")).toEqual({ text: "one ", stopSequence: null });
    expect(scanner.push("other")).toEqual({ text: "</another", stopSequence: null });
    expect(scanner.push(" two </ans")).toEqual({ text: " two ", stopSequence: null });
    expect(scanner.push("wer> three")).toEqual({ text: "", stopSequence: "</answer>" });
    expect(scanner.push("more")).toEqual({ text: "", stopSequence: null });
  });

  it("stops at the earliest of several sequences, and flushes what it held when the stream ends", () => {
    expect(new StopSequenceScanner(["b c", "c"]).push("a b c")).toEqual({ text: "a ", stopSequence: "b c" });
    const scanner = new StopSequenceScanner(["xyz"]);
    expect(scanner.push("ends with xy")).toEqual({ text: "ends with ", stopSequence: null });
    expect(scanner.flush()).toBe("xy");
    expect(new StopSequenceScanner([]).push("free")).toEqual({ text: "free", stopSequence: null });
  });
});

describe("contextOverflowOf", () => {
  it("reads each engine's overflow in its own words", () => {
    expect(contextOverflowOf(JSON.stringify({ error: { type: "exceed_context_size_error", n_prompt_tokens: 5009, n_ctx: 4096 } }))).toEqual({ promptTokens: 5009, maxTokens: 4096 });
    expect(contextOverflowOf(JSON.stringify({ message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4900 in the messages, 100 in the completion)." }))).toEqual({ promptTokens: 4900, maxTokens: 4096 });
    expect(contextOverflowOf(JSON.stringify({ error: { message: "The input (7000 tokens) is longer than the model's context length (4096 tokens)." } }))).toEqual({ promptTokens: 7000, maxTokens: 4096 });
    expect(contextOverflowOf("This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.")).toEqual({ promptTokens: 130000, maxTokens: 128000 });
    expect(contextOverflowOf(JSON.stringify({ error: { message: "prompt is too long: 9000 tokens > 4095 maximum", code: "context_length_exceeded" } }))).toEqual({ promptTokens: 9000, maxTokens: 4095 });
    expect(contextOverflowOf(JSON.stringify({ error: { message: "model not found" } }))).toBeNull();
  });
});

describe("toChatCompletionBody", () => {
  it("renders turns as Chat Completions messages: tool calls, their results as tool messages, inline system turns as user text", () => {
    const body = toChatCompletionBody(
      request({
        turns: [
          { role: "user", parts: [{ type: "text", text: "read it" }] },
          { role: "assistant", parts: [{ type: "thinking", text: "hmm" }, { type: "tool-call", id: "toolu_1", name: "read", input: { path: "a" } }] },
          { role: "user", parts: [{ type: "tool-result", toolCallId: "toolu_1", content: "no such file", isError: true }, { type: "text", text: "and?" }] },
          { role: "system", text: "# Environment" },
          { role: "user", parts: [{ type: "text", text: "go on" }] },
        ],
      }),
      "m",
      "vllm",
    );
    expect(body["messages"]).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "read it" },
      { role: "assistant", content: null, reasoning_content: "hmm", tool_calls: [{ id: "toolu_1", type: "function", function: { name: "read", arguments: '{"path":"a"}' } }] },
      { role: "tool", tool_call_id: "toolu_1", content: "Error: no such file" },
      { role: "user", content: "and?\n\n# Environment\n\ngo on" },
    ]);
    expect(body).toMatchObject({ model: "m", stream: true, max_tokens: 100, temperature: 0.5, top_k: 20, stream_options: { include_usage: true, continuous_usage_stats: true } });
    expect(body["stop"]).toBeUndefined();
  });

  it("shapes forced tools and thinking per dialect", () => {
    const named = request({ toolChoice: { type: "tool", name: "write", disableParallelToolUse: true } });
    expect(toChatCompletionBody(named, "m", "vllm")).toMatchObject({ tool_choice: { type: "function", function: { name: "write" } }, parallel_tool_calls: false });
    const llamaServer = toChatCompletionBody(named, "m", "llama-server");
    expect(llamaServer["tool_choice"]).toBe("required");
    expect((llamaServer["tools"] as { function: { name: string } }[]).map((tool) => tool.function.name)).toEqual(["write"]);
    expect(toChatCompletionBody(request({ toolChoice: { type: "none" } }), "m", "sglang")["tool_choice"]).toBe("none");

    const thinking = request({ thinking: { type: "enabled", budgetTokens: 2048 } });
    expect(toChatCompletionBody(thinking, "m", "sglang")["chat_template_kwargs"]).toEqual({ enable_thinking: true });
    expect(toChatCompletionBody(thinking, "m", "llama-server")).toMatchObject({ chat_template_kwargs: { enable_thinking: true }, reasoning_format: "deepseek" });
    expect(toChatCompletionBody(request({ thinking: { type: "disabled" } }), "m", "ollama")["think"]).toBe(false);
    const openai = toChatCompletionBody(thinking, "m", "openai");
    expect(openai).toMatchObject({ reasoning_effort: "low", max_completion_tokens: 100 });
    expect(openai["top_k"]).toBeUndefined();
    expect(toChatCompletionBody(request({ responseSchema: { type: "object" } }), "m", "vllm")["response_format"]).toEqual({
      type: "json_schema",
      json_schema: { name: "reply", schema: { type: "object" }, strict: true },
    });
  });
});

describe("routing", () => {
  it("keys a request by its session, else by its model, system prompt and tool names", () => {
    expect(routingKeyOf({ ...request(), session: "abc" })).toBe("session:abc");
    const key = routingKeyOf(request());
    expect(routingKeyOf(request({ turns: [] }))).toBe(key);
    expect(routingKeyOf(request({ system: "Other." }))).not.toBe(key);
    expect(routingKeyOf(request({ tools: [] }))).not.toBe(key);
  });

  it("moves only the keys of an endpoint that is removed", () => {
    const endpoints = ["http://a", "http://b", "http://c", "http://d"];
    const keys = Array.from({ length: 400 }, (_, index) => `session:${index}`);
    const before = new Map(keys.map((key) => [key, rendezvousOrder(key, endpoints, (url) => url)[0]]));
    const remaining = endpoints.filter((url) => url !== "http://c");
    let moved = 0;
    for (const key of keys) {
      const now = rendezvousOrder(key, remaining, (url) => url)[0];
      if (before.get(key) === "http://c") moved += 1;
      else expect(now).toBe(before.get(key));
    }
    // About a quarter of the keys ranked c first; each endpoint gets some.
    expect(moved).toBeGreaterThan(60);
    expect(moved).toBeLessThan(140);
  });
});
