import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { GenerationEvent } from "../../../src/engine/generation-event.js";
import { encodeServerSentEvent } from "../../../src/api/sse.js";
import { AnthropicEventTranslator, toAnthropicStopReason } from "../../../src/api/translate/anthropic-event-translator.js";
import { MessageAccumulator } from "../../../src/api/translate/message-accumulator.js";
import { toPromptRequest } from "../../../src/api/translate/to-generation-request.js";
import type { MessageStreamEvent } from "../../../src/api/wire/message-types.js";
import type { ContentBlockParam } from "../../../src/api/wire/messages-request.js";
import { textEvents } from "../../helpers/scripted-engine.js";
import { checkStreamGrammar } from "../../helpers/stream-grammar.js";

/** Ids as the golden transcripts have them: `toolu_golden1`, `toolu_golden2`, … */
function goldenIds(): (prefix: string) => string {
  let counter = 0;
  return (prefix) => `${prefix}_golden${++counter}`;
}

function translateAll(events: readonly GenerationEvent[]): MessageStreamEvent[] {
  const translator = new AnthropicEventTranslator("msg_golden", "claude-sonnet-5", goldenIds());
  return events.flatMap((event) => translator.translate(event));
}

const mixedEvents: readonly GenerationEvent[] = [
  { type: "start", usage: { inputTokens: 40, cachedInputTokens: 100 } },
  { type: "thinking-delta", text: "Let me " },
  { type: "thinking-delta", text: "think." },
  { type: "text-delta", text: "Checking the weather." },
  { type: "tool-call", index: 0, name: "get_weather", input: { city: "Paris" } },
  { type: "tool-call", index: 1, name: "get_time", input: {} },
  { type: "finish", stopReason: "tool-use", stopSequence: null, usage: { inputTokens: 40, cachedInputTokens: 100, outputTokens: 21 } },
];

/** A call streamed by whole values and completed, then a second cut short by max_tokens. */
const streamedEvents: readonly GenerationEvent[] = [
  { type: "start", usage: { inputTokens: 30, cachedInputTokens: 0 } },
  { type: "text-delta", text: "Writing it." },
  { type: "tool-call-start", index: 0, name: "Write" },
  { type: "tool-input-delta", index: 0, text: "{" },
  { type: "tool-input-delta", index: 0, text: '"file_path":"a.txt"' },
  { type: "tool-input-delta", index: 0, text: ',"content":"Hello"}' },
  { type: "tool-call", index: 0, name: "Write", input: { file_path: "a.txt", content: "Hello" } },
  { type: "tool-call-start", index: 1, name: "Write" },
  { type: "tool-input-delta", index: 1, text: '{"file_path":"b.txt"' },
  { type: "tool-input-delta", index: 1, text: "}" },
  { type: "finish", stopReason: "max-tokens", stopSequence: null, usage: { inputTokens: 30, cachedInputTokens: 0, outputTokens: 64 } },
];

describe("AnthropicEventTranslator", () => {
  it("encodes a text reply exactly as the golden SSE transcript", async () => {
    const sse = translateAll(textEvents).map(encodeServerSentEvent).join("");
    expect(sse).toBe(await readFile(new URL("../../fixtures/golden/text-reply.sse", import.meta.url), "utf8"));
  });

  it("encodes thinking, text and tool calls exactly as the golden SSE transcript", async () => {
    const sse = translateAll(mixedEvents).map(encodeServerSentEvent).join("");
    expect(sse).toBe(await readFile(new URL("../../fixtures/golden/thinking-text-tools.sse", import.meta.url), "utf8"));
  });

  it("keeps the stream grammar: one start, contiguous non-overlapping blocks, delta types matching blocks", () => {
    expect(checkStreamGrammar(translateAll(mixedEvents))).toEqual([]);
    expect(checkStreamGrammar(translateAll(textEvents))).toEqual([]);
  });

  it("opens no block for a reply with no content", () => {
    const events = translateAll([
      { type: "start", usage: { inputTokens: 5, cachedInputTokens: 0 } },
      { type: "finish", stopReason: "max-tokens", stopSequence: null, usage: { inputTokens: 5, cachedInputTokens: 0, outputTokens: 0 } },
    ]);
    expect(events.map((event) => event.type)).toEqual(["message_start", "message_delta", "message_stop"]);
  });

  it("folds into the same message a streaming client would assemble", () => {
    const accumulator = new MessageAccumulator();
    for (const event of translateAll(mixedEvents)) accumulator.add(event);
    const message = accumulator.result();
    expect(message.content).toEqual([
      { type: "thinking", thinking: "Let me think.", signature: expect.any(String) },
      { type: "text", text: "Checking the weather." },
      { type: "tool_use", id: "toolu_golden1", name: "get_weather", input: { city: "Paris" } },
      { type: "tool_use", id: "toolu_golden2", name: "get_time", input: {} },
    ]);
    expect(message.stop_reason).toBe("tool_use");
    expect(message.usage).toEqual({
      input_tokens: 40,
      output_tokens: 21,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 100,
      service_tier: "standard",
    });
  });

  it('thinking.display "omitted": the block carries no text, its signature carries the thought, and it reads back as that thought', () => {
    const translator = new AnthropicEventTranslator("msg_golden", "claude-sonnet-5", goldenIds(), true);
    const events = mixedEvents.flatMap((event) => translator.translate(event));
    expect(checkStreamGrammar(events)).toEqual([]);
    expect(events.some((event) => event.type === "content_block_delta" && event.delta.type === "thinking_delta")).toBe(false);
    const accumulator = new MessageAccumulator();
    for (const event of events) accumulator.add(event);
    const thinking = accumulator.result().content[0];
    expect(thinking).toEqual({ type: "thinking", thinking: "", signature: expect.stringMatching(/^pensieve-thought\./) });
    const echoed = toPromptRequest({
      model: "m",
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: [thinking as ContentBlockParam, { type: "text", text: "Sunny." } as ContentBlockParam] },
        { role: "user", content: "Thanks" },
      ],
    });
    expect(echoed.turns[1]).toEqual({ role: "assistant", parts: [{ type: "thinking", text: "Let me think." }, { type: "text", text: "Sunny." }] });
  });

  it("an empty thinking block with any other signature stays empty", () => {
    for (const signature of ["", "abc", "pensieve-thought.!!", 42]) {
      const echoed = toPromptRequest({
        model: "m",
        messages: [
          { role: "user", content: "a" },
          { role: "assistant", content: [{ type: "thinking", thinking: "", signature } as ContentBlockParam, { type: "text", text: "b" } as ContentBlockParam] },
        ],
      });
      expect(echoed.turns[1]).toEqual({ role: "assistant", parts: [{ type: "text", text: "b" }] });
    }
  });

  it("streams a tool call's input: its block starts with the name, each delta is an input_json_delta, its tool-call closes it", async () => {
    const events = translateAll(streamedEvents);
    expect(checkStreamGrammar(events)).toEqual([]);
    expect(events.map(encodeServerSentEvent).join("")).toBe(
      await readFile(new URL("../../fixtures/golden/streamed-tool-input.sse", import.meta.url), "utf8"),
    );
    // The block of the call cut short is closed before the message ends.
    expect(events.slice(-4).map((event) => event.type)).toEqual(["content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
  });

  it("folds a call cut short into a tool_use with the input that was complete, and the message's max_tokens", () => {
    const accumulator = new MessageAccumulator();
    for (const event of translateAll(streamedEvents)) accumulator.add(event);
    const message = accumulator.result();
    expect(message.content).toEqual([
      { type: "text", text: "Writing it." },
      { type: "tool_use", id: "toolu_golden1", name: "Write", input: { file_path: "a.txt", content: "Hello" } },
      { type: "tool_use", id: "toolu_golden2", name: "Write", input: { file_path: "b.txt" } },
    ]);
    expect(message.stop_reason).toBe("max_tokens");
  });

  it("closes a streaming tool block before text that follows it, and refuses input for a call that is not streaming", () => {
    const translator = new AnthropicEventTranslator("msg_x", "m", goldenIds());
    translator.translate({ type: "start", usage: { inputTokens: 1, cachedInputTokens: 0 } });
    translator.translate({ type: "tool-call-start", index: 0, name: "Write" });
    expect(translator.translate({ type: "text-delta", text: "hm" }).map((event) => event.type)).toEqual([
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
    ]);
    expect(() => translator.translate({ type: "tool-input-delta", index: 0, text: "{}" })).toThrow(/not streaming/);
  });

  it("maps every stop reason to Anthropic's", () => {
    expect(
      (["end-turn", "max-tokens", "stop-sequence", "tool-use", "context-window-exceeded"] as const).map(toAnthropicStopReason),
    ).toEqual(["end_turn", "max_tokens", "stop_sequence", "tool_use", "model_context_window_exceeded"]);
  });
});
