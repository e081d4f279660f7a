import { describe, expect, it } from "vitest";
import { appendTurn } from "../../../src/api/translate/append-turn.js";
import type { ConversationTurn } from "../../../src/engine/generation-request.js";

const system = (text: string): ConversationTurn => ({ role: "system", text });
const user = (text: string): ConversationTurn => ({ role: "user", parts: [{ type: "text", text }] });
const assistant = (text: string): ConversationTurn => ({ role: "assistant", parts: [{ type: "text", text }] });

function conversation(...turns: ConversationTurn[]): ConversationTurn[] {
  const result: ConversationTurn[] = [];
  for (const turn of turns) appendTurn(result, turn);
  return result;
}

describe("appendTurn", () => {
  it("merges consecutive turns of one role, as the real APIs treat them", () => {
    expect(conversation(system("a"), system("b"), user("c"), user("d"), assistant("e"), assistant("f"))).toEqual([
      { role: "system", text: "a\n\nb" },
      { role: "user", parts: [{ type: "text", text: "c" }, { type: "text", text: "d" }] },
      { role: "assistant", parts: [{ type: "text", text: "e" }, { type: "text", text: "f" }] },
    ]);
  });

  it("keeps turns of different roles apart, in every order", () => {
    const turns = [system("s"), user("u"), system("t"), assistant("a"), user("v"), assistant("b"), system("w"), assistant("c"), system("x")];
    expect(conversation(...turns)).toEqual(turns);
  });
});
