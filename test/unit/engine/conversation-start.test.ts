import type { Token } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import type { PromptRequest } from "../../../src/engine/generation-request.js";
import { ConversationStart } from "../../../src/engine/llama/conversation-start.js";
import { textRequest } from "../../helpers/generation-requests.js";

/** A "tokenizer" that renders the system prompt as one token per character, then one per turn. */
function countingRender(): { render: (request: PromptRequest) => Token[]; calls: () => number } {
  let calls = 0;
  const render = (request: PromptRequest): Token[] => {
    calls += 1;
    return [...[...request.system].map((character) => character.charCodeAt(0)), ...request.turns.map(() => 0)] as Token[];
  };
  return { render, calls: () => calls };
}

describe("ConversationStart", () => {
  it("is the length of the prompt before its turns, rendered once for every turn of a conversation", () => {
    const { render, calls } = countingRender();
    const start = new ConversationStart(render);
    const first = { ...textRequest("hi", 8), system: "tools" };
    const second = { ...first, turns: [...first.turns, ...first.turns], session: "s1" };
    expect(start.length(first, render(first))).toBe(5);
    expect(start.length(second, render(second))).toBe(5);
    expect(calls()).toBe(3); // the two prompts, and the start once
  });

  it("renders again when the tools or system prompt change, and is 0 when the start cannot be rendered", () => {
    const { render, calls } = countingRender();
    const start = new ConversationStart(render);
    const first = { ...textRequest("hi", 8), system: "tools" };
    const other = { ...first, system: "toolbox" };
    start.length(first, render(first));
    expect(start.length(other, render(other))).toBe(7);
    expect(calls()).toBe(4);
    const failing = new ConversationStart(() => {
      throw new Error("template refused");
    });
    expect(failing.length(first, render(first))).toBe(0);
  });
});
