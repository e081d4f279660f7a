import { describe, expect, it } from "vitest";
import { MessageAccumulator } from "../../../src/api/translate/message-accumulator.js";
import type { ContentBlock, Message, MessageStreamEvent, Usage } from "../../../src/api/wire/message-types.js";

const usage = (outputTokens: number): Usage => ({ input_tokens: 7, output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 3 });
const started = (content: ContentBlock[] = []): MessageStreamEvent => ({
  type: "message_start",
  message: { id: "msg_1", type: "message", role: "assistant", model: "m", content, stop_reason: null, stop_sequence: null, usage: usage(1) },
});
const ended: MessageStreamEvent = { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: usage(9) };

function fold(events: readonly MessageStreamEvent[]): Message {
  const accumulator = new MessageAccumulator();
  for (const event of events) accumulator.add(event);
  return accumulator.result();
}

describe("MessageAccumulator", () => {
  it("folds every kind of block and the final delta into one message, as the SDK's stream does", () => {
    const message = fold([
      started(),
      { type: "ping" },
      { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Let me " } },
      { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "see." } },
      { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "sig" } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Hello" } },
      { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: ", world" } },
      { type: "content_block_stop", index: 1 },
      { type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "toolu_1", name: "read", input: {} } },
      { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"path":' } },
      { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '"a.txt"}' } },
      { type: "content_block_stop", index: 2 },
      { type: "content_block_start", index: 3, content_block: { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: {} } },
      { type: "content_block_delta", index: 3, delta: { type: "input_json_delta", partial_json: '{"query":"x"}' } },
      { type: "content_block_stop", index: 3 },
      ended,
      { type: "message_stop" },
    ]);
    expect(message).toEqual({
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "m",
      content: [
        { type: "thinking", thinking: "Let me see.", signature: "sig" },
        { type: "text", text: "Hello, world" },
        { type: "tool_use", id: "toolu_1", name: "read", input: { path: "a.txt" } },
        { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "x" } },
      ],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: usage(9),
    });
  });

  it("starts from no content whatever message_start carried, and ends with none when nothing was said", () => {
    expect(fold([started(), ended]).content).toEqual([]);
    expect(fold([started([{ type: "text", text: "stale" }]), ended]).content).toEqual([]);
  });

  it("keeps a tool call's start input when no JSON followed, and makes empty JSON an empty object", () => {
    const message = fold([
      started(),
      { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_1", name: "now", input: { kept: true } } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_2", name: "now", input: { replaced: true } } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "" } },
      { type: "content_block_stop", index: 1 },
      ended,
    ]);
    expect(message.content).toEqual([
      { type: "tool_use", id: "toolu_1", name: "now", input: { kept: true } },
      { type: "tool_use", id: "toolu_2", name: "now", input: {} },
    ]);
  });

  it.each([
    ["text_delta", { type: "thinking", thinking: "", signature: "" }, { type: "text_delta", text: "x" }],
    ["thinking_delta", { type: "text", text: "" }, { type: "thinking_delta", thinking: "x" }],
    ["signature_delta", { type: "text", text: "" }, { type: "signature_delta", signature: "x" }],
    ["input_json_delta", { type: "text", text: "" }, { type: "input_json_delta", partial_json: "{}" }],
  ] as const)("refuses a %s on a block of another kind", (kind, block, delta) => {
    const accumulator = new MessageAccumulator();
    accumulator.add(started());
    accumulator.add({ type: "content_block_start", index: 0, content_block: { ...block } });
    expect(() => accumulator.add({ type: "content_block_delta", index: 0, delta })).toThrow(`a ${kind} cannot apply to a ${block.type} block`);
  });

  it("refuses a stream out of order: an event before message_start, a delta before its block, a result before message_delta", () => {
    expect(() => new MessageAccumulator().add({ type: "content_block_stop", index: 0 })).toThrow("an event arrived before message_start");
    expect(() => new MessageAccumulator().result()).toThrow("an event arrived before message_start");
    const accumulator = new MessageAccumulator();
    accumulator.add(started());
    expect(() => accumulator.add({ type: "content_block_delta", index: 4, delta: { type: "text_delta", text: "x" } })).toThrow("content block 4 was never started");
    expect(() => accumulator.result()).toThrow("the stream ended before message_delta");
  });
});
