import type { LlamaContextSequence, Token } from "node-llama-cpp";

/**
 * How many of `tokens` a sequence can keep for a prompt, at most `limit` (the last prompt token is always
 * evaluated again, for fresh logits). A KV cache can be cut anywhere, so a plain transformer keeps the whole
 * shared prefix. A hybrid or recurrent model (Qwen3.5's Gated DeltaNet layers) or a sliding-window one without
 * a full cache (Gemma 4, gpt-oss) cannot trim its state: node-llama-cpp then goes back to the last checkpoint at
 * or before the cut and evaluates the rest again, or, with none, the whole prefix. Only what it gives back counts.
 */
export function reusablePrefixLength(sequence: LlamaContextSequence, tokens: readonly Token[], limit = tokens.length): number {
  const shared = Math.min(sequence.compareContextTokens(tokens as Token[]).firstDifferentIndex, limit);
  if (shared === 0 || shared >= sequence.nextTokenIndex) return shared;
  // Tokens evaluated again to hold only the first `shared`: 0 when the cut is possible where it is.
  const evaluatedAgain = sequence.getRestoreToPrefixIndexEvaluationSize(shared - 1);
  if (evaluatedAgain <= 0) return shared;
  const kept = shared - evaluatedAgain;
  // With no checkpoint node-llama-cpp starts over: nothing is kept.
  return kept <= 1 ? 0 : kept;
}
