import type { AssistantPart, ConversationTurn, UserPart } from "../../engine/generation-request.js";

/** Appends `turn` to a conversation; consecutive turns of one role are one turn, as the real APIs treat them. */
export function appendTurn(turns: ConversationTurn[], turn: ConversationTurn): void {
  const last = turns.at(-1);
  if (last === undefined || last.role !== turn.role) {
    turns.push(turn);
    return;
  }
  turns[turns.length - 1] = mergeTurns(last, turn);
}

function mergeTurns(first: ConversationTurn, second: ConversationTurn): ConversationTurn {
  if (first.role === "system" && second.role === "system") return { role: "system", text: `${first.text}\n\n${second.text}` };
  if (first.role === "user" && second.role === "user") return { role: "user", parts: [...first.parts, ...(second.parts as readonly UserPart[])] };
  if (first.role === "assistant" && second.role === "assistant") return { role: "assistant", parts: [...first.parts, ...(second.parts as readonly AssistantPart[])] };
  throw new Error("mergeTurns: turns of different roles");
}
