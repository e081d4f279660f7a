import { describe, expect, it } from "vitest";
import { toChatHistory } from "../../../src/engine/llama/chat-history.js";
import type { ConversationTurn, PromptRequest } from "../../../src/engine/generation-request.js";

function request(turns: ConversationTurn[], system = ""): PromptRequest {
  return { system, turns, tools: [], toolChoice: { type: "auto", disableParallelToolUse: false }, thinking: { type: "default" } };
}

describe("toChatHistory", () => {
  it("puts the system prompt first, and leaves it out when empty", () => {
    const turns: ConversationTurn[] = [{ role: "user", parts: [{ type: "text", text: "Hi" }] }];
    expect(toChatHistory(request(turns, "Be brief."))).toEqual([
      { type: "system", text: "Be brief." },
      { type: "user", text: "Hi" },
    ]);
    expect(toChatHistory(request(turns))).toEqual([{ type: "user", text: "Hi" }]);
  });

  it("joins a user turn's texts with blank lines", () => {
    const turns: ConversationTurn[] = [
      {
        role: "user",
        parts: [
          { type: "text", text: "One" },
          { type: "text", text: "Two" },
        ],
      },
    ];
    expect(toChatHistory(request(turns))).toEqual([{ type: "user", text: "One\n\nTwo" }]);
  });

  it("keeps thinking as an ended thought segment and text as text", () => {
    const turns: ConversationTurn[] = [
      { role: "user", parts: [{ type: "text", text: "Q" }] },
      {
        role: "assistant",
        parts: [
          { type: "thinking", text: "Let me think." },
          { type: "text", text: "A" },
        ],
      },
    ];
    expect(toChatHistory(request(turns))[1]).toEqual({
      type: "model",
      response: [{ type: "segment", segmentType: "thought", text: "Let me think.", ended: true }, "A"],
    });
  });

  it("attaches tool results to their calls and continues the same model response after a results-only turn", () => {
    const turns: ConversationTurn[] = [
      { role: "user", parts: [{ type: "text", text: "Weather in Oslo and Rome?" }] },
      {
        role: "assistant",
        parts: [
          { type: "tool-call", id: "toolu_1", name: "weather", input: { city: "Oslo" } },
          { type: "tool-call", id: "toolu_2", name: "weather", input: { city: "Rome" } },
          { type: "tool-call", id: "toolu_3", name: "weather", input: { city: "Nowhere" } },
        ],
      },
      {
        role: "user",
        parts: [
          { type: "tool-result", toolCallId: "toolu_1", content: "4 °C", isError: false },
          { type: "tool-result", toolCallId: "toolu_2", content: "unknown city", isError: true },
        ],
      },
      { role: "assistant", parts: [{ type: "text", text: "Oslo is cold." }] },
    ];
    expect(toChatHistory(request(turns))).toEqual([
      { type: "user", text: "Weather in Oslo and Rome?" },
      {
        type: "model",
        response: [
          { type: "functionCall", name: "weather", params: { city: "Oslo" }, result: "4 °C" },
          { type: "functionCall", name: "weather", params: { city: "Rome" }, result: { error: "unknown city" } },
          { type: "functionCall", name: "weather", params: { city: "Nowhere" }, result: null },
          "Oslo is cold.",
        ],
      },
    ]);
  });

  it("starts a new model response after a user turn with text", () => {
    const turns: ConversationTurn[] = [
      { role: "assistant", parts: [{ type: "text", text: "Hello." }] },
      { role: "user", parts: [{ type: "text", text: "Hi" }] },
      { role: "assistant", parts: [{ type: "text", text: "How can I help?" }] },
    ];
    expect(toChatHistory(request(turns))).toEqual([
      { type: "model", response: ["Hello."] },
      { type: "user", text: "Hi" },
      { type: "model", response: ["How can I help?"] },
    ]);
  });
});
