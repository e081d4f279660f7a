import type { Token } from "node-llama-cpp";
import { commonPrefixLength } from "./common-prefix-length.js";
import type { NextTurnPlan } from "./next-turn-preparations.js";

/** How far the next turn may render the prompt differently and still be prepared: a forced call's lead (its tag). */
const promptSlackTokens = 16;

export interface NextTurnRenderings {
  /** The prompt the reply answered. */
  readonly promptTokens: readonly Token[];
  /** The conversation's next request, with the reply and two different answers from the client. */
  readonly withAnswers: readonly [readonly Token[], readonly Token[]];
  /** How many of `tokens` the sequence can keep (see `reusablePrefixLength`). */
  readonly kept: (tokens: readonly Token[]) => number;
  /** The most tokens a prompt may have. */
  readonly maxInputTokens: number;
}

/**
 * What to evaluate after a reply so that the sequence holds what the conversation's next request starts with,
 * whatever the client answers: the two renderings up to where they differ. `null` when there is nothing to do (the
 * sequence holds all of it), when it would not fit, or when the next turn renders the prompt itself differently
 * (a format that drops old thoughts once another turn follows): only the reply is prepared, and the next request,
 * which may never come, evaluates the rest.
 */
export function planNextTurn({ promptTokens, withAnswers: [first, second], kept: keptOf, maxInputTokens }: NextTurnRenderings): NextTurnPlan | null {
  const tokens = first.slice(0, commonPrefixLength(first, second));
  const kept = keptOf(tokens);
  if (kept >= tokens.length || tokens.length > maxInputTokens) return null;
  if (commonPrefixLength(promptTokens, tokens) < promptTokens.length - promptSlackTokens) return null;
  return { tokens, kept };
}
