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
 * Evaluates the prompt in batches (see `prefillInBatches`), and on a sequence that cannot trim its state (a hybrid,
 * recurrent or sliding-window model: `needsCheckpoints`) takes a checkpoint where a later prompt will want to cut:
 * after all but the prompt's last token, which an identical prompt (a retry, a restart) evaluates again, and at each
 * of `boundaries` (the end of the tools and system prompt, which a new session shares). LlamaChat itself checkpoints
 * the end of the prompt, where the conversation's next turn continues. Such a sequence evaluates all but the last
 * token here, not leaving the last batch to LlamaChat: one more decode call, which the checkpoint pays for.
 */
export async function prefillWithCheckpoints(options: PrefillOptions & { readonly boundaries?: readonly number[] }): Promise<void> {
  const { sequence, tokens } = options;
  if (!sequence.needsCheckpoints) return prefillInBatches(options);
  const ends = [...new Set([...(options.boundaries ?? []), tokens.length - 1])].filter((end) => end > 0 && end < tokens.length).sort((a, b) => a - b);
  // The sequence holds the first `held` prompt tokens (and maybe more after them, which the first cut drops).
  let held = options.sharedTokens;
  for (const end of ends) {
    if (held >= end) continue;
    await prefillInBatches({ ...options, tokens: tokens.slice(0, end), sharedTokens: held, whole: true });
    if (options.stop.aborted) return;
    held = end;
    await sequence.takeCheckpoint();
  }
  if (sequence.nextTokenIndex > held) await sequence.eraseContextTokenRanges([{ start: held, end: sequence.nextTokenIndex }]);
  // Held already (restored from disk, which brings no checkpoints): taken now, a no-op when there is one.
  if (sequence.nextTokenIndex === tokens.length - 1) await sequence.takeCheckpoint();
  if (options.whole === true) await prefillInBatches({ ...options, sharedTokens: held });
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
