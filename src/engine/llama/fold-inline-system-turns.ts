import type { ConversationTurn, UserPart } from "../generation-request.js";

/**
 * The conversation without system turns, each folded into the adjacent user turn as text: for chat formats that
 * refuse a system message that is not first, or move it to the top (which would change the prompt before it).
 * A system turn joins the end of the user turn before it (after its tool results, so nothing comes between a
 * call and its result), else the start of the user turn after it, else it becomes a user turn of its own.
 */
export function foldInlineSystemTurns(turns: readonly ConversationTurn[]): ConversationTurn[] {
  const folded: ConversationTurn[] = [];
  let pending: UserPart[] = [];
  for (const turn of turns) {
    const previous = folded.at(-1);
    if (turn.role === "system") {
      const part: UserPart = { type: "text", text: turn.text };
      if (previous?.role === "user" && pending.length === 0) folded[folded.length - 1] = { role: "user", parts: [...previous.parts, part] };
      else pending.push(part);
      continue;
    }
    if (pending.length > 0) {
      folded.push(turn.role === "user" ? { role: "user", parts: [...pending, ...turn.parts] } : { role: "user", parts: pending });
      pending = [];
      if (turn.role === "user") continue;
    }
    folded.push(turn);
  }
  if (pending.length > 0) folded.push({ role: "user", parts: pending });
  return folded;
}
