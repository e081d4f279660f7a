import type { FastifyRequest } from "fastify";
import { InvalidRequestError } from "../server-error.js";

/**
 * How deep a request body's arrays and objects may nest. JSON.parse copes with any depth, but the code after it
 * recurses (JSON.stringify of a tool call's input, schema conversion): past a few thousand levels that overflows
 * the stack and would answer 500. Tool schemas need 64 levels at most; real requests use far fewer than this.
 */
export const maxNestingDepth = 256;

/**
 * A `preValidation` hook that answers 400 for a body nested deeper than `maxNestingDepth`. Tool input schemas
 * are left to the engine, which checks them without recursion first and names the tool in its answer.
 */
export async function nestingDepthCheck(request: FastifyRequest): Promise<void> {
  if (nestingDepth(request.body, maxNestingDepth) > maxNestingDepth) {
    throw new InvalidRequestError(`The request body nests arrays and objects deeper than ${maxNestingDepth} levels.`);
  }
}

type Place = "body" | "tools" | "tool" | "other";

/** The depth of `value`, counted without recursion, and only until it passes `limit`. */
function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: [unknown, number, Place][] = [[value, 0, "body"]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth, place] = next;
    if (typeof item !== "object" || item === null) continue;
    const childDepth = depth + 1;
    if (childDepth > deepest) deepest = childDepth;
    if (deepest > limit) return deepest;
    for (const [key, child] of Object.entries(item)) {
      if (typeof child !== "object" || child === null) continue;
      if (place === "tool" && key === "input_schema") continue;
      pending.push([child, childDepth, place === "body" && key === "tools" ? "tools" : place === "tools" ? "tool" : "other"]);
    }
  }
  return deepest;
}
