import {
  LlamaGrammarEvaluationState,
  LlamaText,
  SpecialTokensText,
  type LlamaContextSequence,
  type Token,
} from "node-llama-cpp";
import type { SamplingOptions } from "../generation-request.js";
import { PerArgumentCallParser, type PerArgumentCallSink } from "../per-argument-calls/per-argument-call-parser.js";
import { compilePerArgumentCallGrammar } from "./compile-per-argument-call-grammar.js";
import type { ChatEnding } from "./decide-stop-reason.js";
import type { PerArgumentCallPlan } from "./per-argument-call-plan.js";
import { samplingTemperature } from "./sampling-temperature.js";

export interface PerArgumentCallsOptions {
  readonly sequence: LlamaContextSequence;
  readonly plan: PerArgumentCallPlan;
  /** The prompt tokens the sequence has still to evaluate: the rest of a forced call's prompt, which ends with the tag. */
  readonly pending: readonly Token[];
  /** The most tokens to generate. */
  readonly maxTokens: number;
  readonly sampling: SamplingOptions;
  readonly seed: number;
  readonly stop: AbortSignal;
  readonly sink: PerArgumentCallSink;
}

/**
 * Generates tool calls in a per-argument syntax from the call's tag on, which the model has just written (LlamaChat
 * stopped on it) or the prompt ends with (a forced call): a grammar keeps each call to the syntax and to the tools'
 * schemas, and the parser hands each call on as it is generated. The sequence is only ever appended to, since a
 * hybrid model's state cannot be cut back: the tag is evaluated here unless the sequence already holds it.
 */
export async function generatePerArgumentCalls(options: PerArgumentCallsOptions): Promise<ChatEnding> {
  const { sequence, plan, stop } = options;
  if (options.maxTokens <= 0) return { stopReason: "maxTokens" };
  const model = sequence.model;
  const grammar = compilePerArgumentCallGrammar(model.llama, plan);
  const lead = await leadTokens(sequence, plan, options.pending);
  // Within the context too: LlamaChat may have written tokens of its own (a reasoning segment's opening) that the
  // reply's room did not count, and a hybrid model's context cannot be shifted to make room.
  const budget = Math.min(options.maxTokens, sequence.contextSize - sequence.nextTokenIndex - lead.length);
  if (budget <= 0) return { stopReason: "maxTokens" };
  const parser = new PerArgumentCallParser(plan.syntax, plan.tools, options.sink);
  const { temperature, topK, topP } = options.sampling;
  const tokens = sequence.evaluate(lead, {
    grammarEvaluationState: new LlamaGrammarEvaluationState({ model, grammar }),
    // Not LlamaChat's seed again, which would restart the same random stream.
    seed: (options.seed + 1) % 2 ** 32,
    ...(temperature !== undefined ? { temperature: samplingTemperature(temperature) } : {}),
    ...(topK !== undefined ? { topK } : {}),
    ...(topP !== undefined ? { topP } : {}),
  });
  let generated = 0;
  let undecoded: Token[] = [];
  let previous: Token[] = [];
  for await (const token of tokens) {
    generated += 1;
    undecoded.push(token);
    const text = model.detokenize(undecoded, true, previous);
    // A character split across tokens waits for its other half.
    if (!text.endsWith("\uFFFD") || undecoded.length >= 4) {
      parser.feed(text);
      previous = [...previous, ...undecoded].slice(-8);
      undecoded = [];
    }
    if (stop.aborted) return { stopReason: "abort" };
    // A single call is whole once it closes: the grammar allows only the end of the turn after it (as LlamaChat
    // returns a single JSON call once it closes, on the budget's last token too).
    if (!plan.parallel && parser.completedCalls > 0) return { stopReason: "functionCalls" };
    if (generated >= budget) return { stopReason: "maxTokens" };
  }
  return parser.inCall || parser.completedCalls === 0 ? { stopReason: "maxTokens" } : { stopReason: "functionCalls" };
}

/**
 * What to evaluate before the first sampled token: a forced call's prompt rest, else the tag LlamaChat stopped on,
 * less what of it the sequence holds. With nothing left, the last token is evaluated again for its logits.
 */
async function leadTokens(sequence: LlamaContextSequence, plan: PerArgumentCallPlan, pending: readonly Token[]): Promise<Token[]> {
  const held = sequence.contextTokens;
  let lead: Token[] = [...pending];
  if (!plan.forced) {
    const tag = LlamaText(new SpecialTokensText(plan.syntax.callTag)).tokenize(sequence.model.tokenizer);
    lead = tag.slice(heldLength(held, tag));
  }
  const last = held.at(-1);
  if (lead.length > 0 || last === undefined) return lead;
  await sequence.eraseContextTokenRanges([{ start: held.length - 1, end: held.length }]);
  return [last];
}

/** How many of `tag`'s first tokens `held` ends with. */
function heldLength(held: readonly Token[], tag: readonly Token[]): number {
  for (let length = tag.length; length > 0; length -= 1) {
    if (tag.slice(0, length).every((token, index) => held[held.length - length + index] === token)) return length;
  }
  return 0;
}
