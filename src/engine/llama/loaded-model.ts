import type { ChatWrapper, LlamaContext, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import type { EngineMemoryUse, EngineStats, ModelDescription, SequenceState } from "../engine.js";
import { PromptTooLongError } from "../engine-errors.js";
import type { GenerationEvent } from "../generation-event.js";
import type { GenerationRequest, PromptRequest } from "../generation-request.js";
import { SequencePool } from "../sequence-pool.js";
import { commonPrefixLength } from "./common-prefix-length.js";
import { Generation } from "./generation.js";
import { GenerationCounters } from "./generation-counters.js";
import { kvCacheBytes } from "./kv-cache-bytes.js";
import type { LlamaEngineOptions } from "./llama-engine-options.js";
import type { RuntimeLease } from "./llama-runtime-pool.js";
import type { HeldAfterBatch } from "./prefill.js";
import type { PromptStateCache } from "./prompt-state-cache.js";
import { PromptSizeGuard } from "./prompt-size-guard.js";
import { renderPrompt, type RenderedPrompt } from "./render-prompt.js";

/** What loading made: the native objects a `LoadedModel` owns from then on. */
export interface LoadedModelParts {
  readonly runtime: RuntimeLease;
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  readonly sequences: readonly LlamaContextSequence[];
  readonly chatWrapper: ChatWrapper;
  readonly description: ModelDescription;
  /** KV states of long prompts on disk; `null` when the cache is off. */
  readonly promptCache: PromptStateCache | null;
  /** The model file's size in bytes. */
  readonly fileBytes: number;
  readonly options: LlamaEngineOptions;
}

/**
 * A model once loaded, and everything that lives as long as it: the context and its sequences, the pool that
 * hands them out, the prompt cache, what each sequence is evaluating, the counters, and the running
 * generations (each with its own watch). Each `generate` call is one `Generation` on a leased sequence.
 */
export class LoadedModel {
  readonly description: ModelDescription;
  private readonly pool: SequencePool<LlamaContextSequence>;
  private readonly counters = new GenerationCounters();
  private readonly running = new Set<Generation>();
  /** Sequences evaluating a prompt, and what each will hold once its batch in flight is done. */
  private readonly heldAfterBatch = new Map<LlamaContextSequence, HeldAfterBatch>();
  private readonly promptSize: PromptSizeGuard;
  /** The session each sequence last served, for the live page. */
  private readonly lastSessions = new Map<LlamaContextSequence, string | null>();
  private readonly kvBytes: number;

  constructor(private readonly parts: LoadedModelParts) {
    this.description = parts.description;
    const { options, context } = parts;
    // Waiting for an abandoned sequence costs at most one batch: worth it when it saves more than a batch.
    this.pool = new SequencePool(parts.sequences, options.maxQueue ?? 16, options.maxQueueWaitMs, context.batchSize);
    this.promptSize = new PromptSizeGuard(parts.model, parts.description.maxInputTokens);
    this.kvBytes = kvCacheBytes(parts.model, context, parts.sequences.length);
  }

  /** Each sequence's activity, cached tokens and last session: what the live page shows. */
  sequenceStates(): SequenceState[] {
    const busy = new Map([...this.running].map((generation) => [generation.sequence, generation]));
    return this.parts.sequences.map((sequence, index) => ({
      model: this.description.id,
      index,
      activity: busy.get(sequence)?.activity ?? { state: "idle" },
      cachedTokens: sequence.nextTokenIndex,
      lastSession: this.lastSessions.get(sequence) ?? null,
    }));
  }

  memoryUse(): EngineMemoryUse {
    const disk = this.parts.promptCache?.diskUse ?? null;
    return {
      modelFileBytes: this.parts.fileBytes,
      kvCacheBytes: this.kvBytes,
      promptCacheDiskBytes: disk?.bytes ?? null,
      promptCacheLimitBytes: disk?.limitBytes ?? null,
      memoryLimitBytes: this.parts.options.memoryLimitBytes ?? null,
    };
  }

  stats(): EngineStats {
    const sequences = this.parts.sequences.length;
    return {
      ...this.counters.current,
      sequences,
      busySequences: sequences - this.pool.freeCount,
      abandonedSequences: this.pool.closingCount,
      queuedRequests: this.pool.queueDepth,
      promptTokensPending: [...this.running].reduce((sum, generation) => sum + generation.promptTokensPending, 0),
    };
  }

  /**
   * Renders the prompt once it is known not to exceed `limit` tokens (see `PromptSizeGuard`): the context's
   * maximum for a generation; more for counting, which may report a prompt that does not fit.
   */
  async renderPrompt(request: PromptRequest, limit = this.description.maxInputTokens): Promise<RenderedPrompt> {
    await this.promptSize.check(request, limit);
    return renderPrompt(request, this.parts.chatWrapper, this.parts.model.tokenizer);
  }

  /** Streams one generation on the sequence that reuses most of its prompt; `shutdown` ends it early. */
  async *generate(request: GenerationRequest, signal: AbortSignal, shutdown: AbortSignal): AsyncGenerator<GenerationEvent> {
    const prompt = await this.renderPrompt(request);
    const promptTokens = prompt.tokens.length;
    if (promptTokens > this.description.maxInputTokens) throw new PromptTooLongError(promptTokens, this.description.maxInputTokens);

    const lease = await this.pool.acquire((sequence) => this.sequenceScore(sequence, prompt.tokens), signal);
    // Once the client has left, the sequence frees within a batch: a retry may wait for it (see SequencePool).
    const abandoned = (): void => lease.closing();
    signal.addEventListener("abort", abandoned, { once: true });
    if (signal.aborted) abandoned();
    try {
      const sequence = lease.sequence;
      this.lastSessions.set(sequence, request.session ?? null);
      await this.restoreFromDisk(sequence, prompt.tokens);
      const generation = new Generation({
        request,
        prompt,
        sequence,
        sharedTokens: sharedPrefixLength(sequence, prompt.tokens),
        contextSize: this.description.contextSize,
        signal,
        shutdown,
        heldAfterBatch: this.heldAfterBatch,
        counters: this.counters,
        options: this.parts.options,
      });
      this.running.add(generation);
      try {
        yield* generation.run();
      } finally {
        this.running.delete(generation);
      }
      if (generation.evaluatesPrompt && !signal.aborted) await this.saveToDisk(sequence, prompt.tokens);
    } finally {
      signal.removeEventListener("abort", abandoned);
      lease.release();
    }
  }

  /** Refuses every request waiting for a sequence, for a shutdown. */
  rejectWaiting(error: unknown): void {
    this.pool.rejectWaiting(error);
  }

  async dispose(): Promise<void> {
    await this.parts.context.dispose();
    await this.parts.model.dispose();
    await this.parts.runtime.release();
  }

  /**
   * Tokens the prompt can reuse minus cached tokens it would throw away: a long shared prefix wins, and a short
   * background request (Claude Code's title and quota calls) takes an empty or nearly empty sequence rather
   * than evicting a long conversation's cached prefix. A sequence mid-prompt counts what its batch will add.
   */
  private sequenceScore(sequence: LlamaContextSequence, tokens: Token[]): number {
    const held = this.heldAfterBatch.get(sequence);
    const heldLength = held?.length ?? sequence.nextTokenIndex;
    const shared = held === undefined ? sharedPrefixLength(sequence, tokens) : commonPrefixLength(held.tokens, tokens, held.length);
    return shared - (heldLength - shared);
  }

  /** Swaps in a saved state when it shares clearly more of the prompt than the sequence already holds. */
  private async restoreFromDisk(sequence: LlamaContextSequence, tokens: Token[]): Promise<void> {
    const cache = this.parts.promptCache;
    if (cache === null) return;
    const match = cache.bestMatch(tokens);
    if (match === null || match.sharedTokens <= sharedPrefixLength(sequence, tokens) + 64) return;
    const log = this.parts.options.log;
    try {
      const started = performance.now();
      await cache.restore(sequence, match.entry);
      log?.("info", `restored ${match.sharedTokens} prompt tokens from disk in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      log?.("warn", `could not restore a saved prompt state: ${error instanceof Error ? error.message : String(error)}`);
      await sequence.clearHistory();
    }
  }

  private async saveToDisk(sequence: LlamaContextSequence, tokens: Token[]): Promise<void> {
    try {
      await this.parts.promptCache?.saveIfNew(sequence, tokens);
    } catch (error) {
      this.parts.options.log?.("warn", `could not save the prompt state: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function sharedPrefixLength(sequence: LlamaContextSequence, tokens: Token[]): number {
  return sequence.compareContextTokens(tokens).firstDifferentIndex;
}
