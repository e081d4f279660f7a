import type { LlamaContextSequence, Token } from "node-llama-cpp";

/**
 * What a sequence evaluating a prompt will hold once its batch in flight is done: node-llama-cpp shows the
 * batch's tokens only after it, and a retry choosing a sequence must see the work that will be there.
 */
export interface HeldAfterBatch {
  readonly tokens: readonly Token[];
  /** How many of `tokens` the sequence will hold. */
  readonly length: number;
}

export interface PrefillOptions {
  readonly sequence: LlamaContextSequence;
  readonly tokens: Token[];
  /** How many of `tokens` the sequence already holds. */
  readonly sharedTokens: number;
  readonly stop: AbortSignal;
  /** The model's record of sequences mid-prompt, which the scheduler reads; this sequence's entry is kept current. */
  readonly heldAfterBatch: Map<LlamaContextSequence, HeldAfterBatch>;
  /** Called after each batch with the number of tokens it evaluated. */
  readonly onEvaluated: (tokens: number) => void;
  /** Evaluate every token, the last batch too: the request only fills the cache. Defaults to `false`. */
  readonly whole?: boolean;
}

/**
 * Evaluates a long prompt in batch-sized chunks, checking `stop` between them, until at most one batch is left.
 * LlamaChat would evaluate the whole prompt in one call that no abort can interrupt; done here, a client that
 * leaves frees its sequence within one batch, and the tokens already evaluated stay cached for its retry.
 * LlamaChat then finds them in the sequence and evaluates the rest, with the last token, in one batch. A prompt
 * that fits one batch is left to LlamaChat whole: evaluating it here would add a decode call (measured: +30 %
 * latency for a one-token reply).
 */
export async function prefillInBatches(options: PrefillOptions): Promise<void> {
  const { sequence, tokens, sharedTokens, stop, heldAfterBatch } = options;
  if (sequence.nextTokenIndex > sharedTokens) await sequence.eraseContextTokenRanges([{ start: sharedTokens, end: sequence.nextTokenIndex }]);
  const chunkSize = sequence.context.batchSize;
  const leftToChat = options.whole === true ? 0 : chunkSize;
  try {
    for (let start = sharedTokens; tokens.length - start > leftToChat && !stop.aborted; start += chunkSize) {
      const end = Math.min(start + chunkSize, tokens.length);
      heldAfterBatch.set(sequence, { tokens, length: end });
      await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(start, end));
      options.onEvaluated(end - start);
    }
  } finally {
    heldAfterBatch.delete(sequence);
  }
}
