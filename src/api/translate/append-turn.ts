import type { ConversationTurn } from "../../engine/generation-request.js";

/** Appends `turn` to a conversation; consecutive turns of one role are one turn, as the real APIs treat them. */
export function appendTurn(turns: ConversationTurn[], turn: ConversationTurn): void {
  const last = turns.at(-1);
  const lastIndex = turns.length - 1;
  if (last?.role === "system" && turn.role === "system") turns[lastIndex] = { role: "system", text: `${last.text}\n\n${turn.text}` };
  else if (last?.role === "user" && turn.role === "user") turns[lastIndex] = { role: "user", parts: [...last.parts, ...turn.parts] };
  else if (last?.role === "assistant" && turn.role === "assistant") turns[lastIndex] = { role: "assistant", parts: [...last.parts, ...turn.parts] };
  else turns.push(turn);
}
