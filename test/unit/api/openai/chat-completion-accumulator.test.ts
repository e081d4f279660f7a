import { describe, expect, it } from "vitest";
import { ChatCompletionAccumulator } from "../../../../src/api/translate/openai/chat-completion-accumulator.js";
import type { ChatCompletionChunk, ChatCompletionChunkDelta, CompletionUsage, FinishReason } from "../../../../src/api/wire/chat-completion-types.js";

const usage: CompletionUsage = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17, prompt_tokens_details: { cached_tokens: 4 } };
const chunk = (delta: ChatCompletionChunkDelta, finishReason: FinishReason | null = null): ChatCompletionChunk => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1_700_000_000,
  model: "m",
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
});
const usageChunk: ChatCompletionChunk = { ...chunk({}), choices: [], usage };

function fold(chunks: readonly ChatCompletionChunk[]) {
  const accumulator = new ChatCompletionAccumulator();
  for (const each of chunks) accumulator.add(each);
  return accumulator.result();
}

describe("ChatCompletionAccumulator", () => {
  it("folds text and reasoning into one completion with the first chunk's id, time and model", () => {
    const completion = fold([
      chunk({ role: "assistant", content: "" }),
      chunk({ reasoning_content: "Think" }),
      chunk({ reasoning_content: "ing." }),
      chunk({ content: "Hel" }),
      chunk({ content: "lo" }),
      { ...chunk({}, "stop"), id: "other", model: "other" },
      usageChunk,
    ]);
    expect(completion).toEqual({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello", refusal: null, reasoning_content: "Thinking." }, logprobs: null, finish_reason: "stop" }],
      usage,
    });
  });

  it("joins each call's argument pieces by index, leaves content null beside calls, and skips indices never sent", () => {
    const completion = fold([
      chunk({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "read", arguments: '{"pa' } }] }),
      chunk({ tool_calls: [{ index: 2, id: "call_b", type: "function", function: { name: "list", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'th":"a"}' } }] }),
      chunk({ tool_calls: [{ index: 2, function: { arguments: "{}" } }] }),
      chunk({}, "tool_calls"),
      usageChunk,
    ]);
    const message = completion.choices[0]?.message;
    expect(message?.content).toBeNull();
    expect(message?.tool_calls).toStrictEqual([
      { id: "call_a", type: "function", function: { name: "read", arguments: '{"path":"a"}' } },
      { id: "call_b", type: "function", function: { name: "list", arguments: "{}" } },
    ]);
    expect(message).not.toHaveProperty("reasoning_content");
  });

  it("names a call that arrived without id or name with empty strings", () => {
    const completion = fold([chunk({ tool_calls: [{ index: 0, function: { arguments: "{}" } }] }), chunk({}, "tool_calls"), usageChunk]);
    expect(completion.choices[0]?.message.tool_calls).toEqual([{ id: "", type: "function", function: { name: "", arguments: "{}" } }]);
  });

  it("answers an empty string when nothing was said and no call was made", () => {
    const message = fold([chunk({ role: "assistant", content: "" }), chunk({}, "length"), usageChunk]).choices[0]?.message;
    expect(message?.content).toBe("");
    expect(message).not.toHaveProperty("tool_calls");
  });

  it("keeps the finish reason and the usage once given, whatever chunks come after", () => {
    const completion = fold([chunk({ content: "a" }, "stop"), usageChunk, chunk({ content: "b" })]);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage).toEqual(usage);
  });

  it("refuses a result without chunks, without a finish reason, or without the usage chunk", () => {
    const message = "the chunks ended before the finish reason and usage";
    expect(() => fold([])).toThrow(message);
    expect(() => fold([chunk({ content: "a" }), usageChunk])).toThrow(message);
    expect(() => fold([chunk({ content: "a" }, "stop")])).toThrow(message);
  });
});
