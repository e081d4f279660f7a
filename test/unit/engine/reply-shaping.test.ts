import { describe, expect, it } from "vitest";
import type { GenerationEvent } from "../../../src/engine/generation-event.js";
import type { PromptRequest } from "../../../src/engine/generation-request.js";
import { ReplyTranscript } from "../../../src/engine/llama/reply-transcript.js";
import { StructuredReply } from "../../../src/engine/llama/structured-reply.js";

const finish: GenerationEvent = { type: "finish", stopReason: "end-turn", stopSequence: null, usage: { inputTokens: 5, cachedInputTokens: 0, outputTokens: 9 } };
const schema = {
  type: "object",
  properties: { count: { type: "integer", minimum: 0, maximum: 10 }, note: { type: "string" } },
  required: ["count"],
  additionalProperties: false,
};

describe("StructuredReply", () => {
  it("holds the text back and passes it on whole before finish, unchanged when it validates", () => {
    const reply = new StructuredReply(schema, undefined);
    expect(reply.take({ type: "text-delta", text: '{"count": ' })).toEqual([]);
    expect(reply.take({ type: "text-delta", text: "3}" })).toEqual([]);
    expect(reply.take({ type: "thinking-delta", text: "hmm" })).toEqual([{ type: "thinking-delta", text: "hmm" }]);
    expect(reply.take(finish)).toEqual([{ type: "text-delta", text: '{"count": 3}' }, finish]);
  });

  it("repairs what the grammar cannot enforce: an optional property written as null, a fraction, a bound", () => {
    const warnings: string[] = [];
    const reply = new StructuredReply(schema, (_level, message) => warnings.push(message));
    reply.take({ type: "text-delta", text: '{"count": 12.6, "note": null}' });
    expect(reply.take(finish)).toEqual([{ type: "text-delta", text: '{"count":10}' }, finish]);
    expect(warnings).toEqual([]);
  });

  it("passes text cut short (not JSON) on as generated, and a reply without text as it is", () => {
    const cut = new StructuredReply(schema, undefined);
    cut.take({ type: "text-delta", text: '{"count": 1, "note": "unfinis' });
    expect(cut.take(finish)[0]).toEqual({ type: "text-delta", text: '{"count": 1, "note": "unfinis' });
    expect(new StructuredReply(schema, undefined).take(finish)).toEqual([finish]);
  });

  it("logs what still does not validate after the repair", () => {
    const warnings: string[] = [];
    const reply = new StructuredReply({ type: "object", properties: { id: { type: "string", pattern: "^a+$" } } }, (_level, message) => warnings.push(message));
    reply.take({ type: "text-delta", text: '{"id": "b"}' });
    reply.take(finish);
    expect(warnings).toEqual(["structured reply: input.id: must match pattern ^a+$"]);
  });
});

describe("ReplyTranscript", () => {
  const request: PromptRequest = {
    system: "",
    turns: [{ role: "user", parts: [{ type: "text", text: "Hi" }] }],
    tools: [],
    toolChoice: { type: "auto", disableParallelToolUse: false },
    thinking: { type: "default" },
  };

  it("is the assistant turn the client echoes: text and thinking in blocks, then the calls, answered by the next turn", () => {
    const transcript = new ReplyTranscript();
    expect(transcript.isEmpty).toBe(true);
    for (const event of [
      { type: "start", usage: { inputTokens: 1, cachedInputTokens: 0 } },
      { type: "thinking-delta", text: "Let me " },
      { type: "thinking-delta", text: "see." },
      { type: "text-delta", text: "Looking" },
      { type: "tool-call", index: 0, name: "Read", input: { path: "a" } },
      { type: "tool-call", index: 1, name: "Read", input: { path: "b" } },
      finish,
    ] satisfies GenerationEvent[]) {
      transcript.add(event);
    }
    expect(transcript.nextRequest(request, "x").turns).toEqual([
      request.turns[0],
      {
        role: "assistant",
        parts: [
          { type: "thinking", text: "Let me see." },
          { type: "text", text: "Looking" },
          { type: "tool-call", id: "pensieve-reply-call-2", name: "Read", input: { path: "a" } },
          { type: "tool-call", id: "pensieve-reply-call-3", name: "Read", input: { path: "b" } },
        ],
      },
      {
        role: "user",
        parts: [
          { type: "tool-result", toolCallId: "pensieve-reply-call-2", content: "x", isError: false },
          { type: "tool-result", toolCallId: "pensieve-reply-call-3", content: "x", isError: false },
        ],
      },
    ]);
  });

  it("continues a prefilled assistant turn, and answers a text reply with text", () => {
    const transcript = new ReplyTranscript();
    transcript.add({ type: "text-delta", text: " world" });
    const prefilled: PromptRequest = { ...request, turns: [...request.turns, { role: "assistant", parts: [{ type: "text", text: "Hello" }] }] };
    expect(transcript.nextRequest(prefilled, "y").turns.slice(1)).toEqual([
      { role: "assistant", parts: [{ type: "text", text: "Hello" }, { type: "text", text: " world" }] },
      { role: "user", parts: [{ type: "text", text: "y" }] },
    ]);
  });
});
