import type { ChatWrapper, GbnfJsonSchema, LlamaContext, LlamaContextSequence, LlamaGrammar, LlamaModel, Token } from "node-llama-cpp";
import type { EngineMemoryUse, EngineStats, ModelDescription, SequenceState } from "../engine.js";
import { PromptTooLongError } from "../engine-errors.js";
import type { GenerationEvent } from "../generation-event.js";
import type { GenerationRequest, PromptRequest } from "../generation-request.js";
import { SequencePool } from "../sequence-pool.js";
import { ToolSchemaError } from "../tool-schema/tool-schema-error.js";
import { commonPrefixLength } from "./common-prefix-length.js";
import { ConversationStart } from "./conversation-start.js";
import { Generation } from "./generation.js";
import { GenerationCounters } from "./generation-counters.js";
import { kvCacheBytes } from "./kv-cache-bytes.js";
import type { LlamaEngineOptions } from "./llama-engine-options.js";
import type { RuntimeLease } from "./llama-runtime-pool.js";
import { inlineSystemPlacement, type InlineSystemPlacement } from "./inline-system-placement.js";
import { NextTurnPreparations, type NextTurnPlan } from "./next-turn-preparations.js";
import type { HeldAfterBatch } from "./prefill.js";
import type { PromptStateCache } from "./prompt-state-cache.js";
import { planNextTurn } from "./plan-next-turn.js";
import { PromptSizeGuard } from "./prompt-size-guard.js";
import { perArgumentCalls } from "../per-argument-calls/per-argument-calls-wrapper.js";
import { renderPrompt, type RenderedPrompt } from "./render-prompt.js";
import { ReplyTranscript } from "./reply-transcript.js";
import { releaseTokenizerArrays } from "./release-tokenizer-arrays.js";
import { reusablePrefixLength } from "./reusable-prefix-length.js";
import { StructuredReply } from "./structured-reply.js";
import { describeToolsFirst } from "./tools-first-wrapper.js";

/**
 * How long a sequence waits after its reply before it prepares the next turn: long enough for a client that sends
 * requests back to back to get its next one in first, short against a tool's run between two turns.
 */
const nextTurnDelayMs = 100;

/**
 * The batch size of a next-turn preparation (see `NextTurnPreparationsOptions.batchTokens`). Measured on the 0.5B
 * bench model (2 cores, a 4k context, 256-token replies): the server's peak RSS 657.7 MiB against 667 with the
 * context's own batch (512), and 216 tokens evaluated in 295 ms against 264 in one batch (360 in batches of 32).
 */
const nextTurnBatchTokens = 64;

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
  /** Sequences being brought in line with their conversation's next turn after a reply (`planNextTurn`). */
  private readonly preparations: NextTurnPreparations;
  private readonly chatWrapper: ChatWrapper;
  private readonly inlineSystem: InlineSystemPlacement;
  private readonly conversationStart: ConversationStart;

  constructor(private readonly parts: LoadedModelParts) {
    this.description = parts.description;
    this.chatWrapper = describeToolsFirst(perArgumentCalls(parts.chatWrapper));
    this.inlineSystem = inlineSystemPlacement(this.chatWrapper);
    this.conversationStart = new ConversationStart((request) => renderPrompt(request, this.chatWrapper, parts.model.tokenizer, this.inlineSystem).tokens);
    const { options, context } = parts;
    // Waiting for an abandoned sequence costs at most one batch: worth it when it saves more than a batch.
    this.pool = new SequencePool(parts.sequences, options.maxQueue ?? 16, options.maxQueueWaitMs, context.batchSize);
    this.promptSize = new PromptSizeGuard(parts.model, parts.description.maxInputTokens);
    this.kvBytes = kvCacheBytes(parts.model, context, parts.sequences.length);
    // The two lines above are the last to read the tokenizer's pieces (the guard) and their count (the estimate).
    releaseTokenizerArrays(parts.model.fileInfo);
    this.preparations = new NextTurnPreparations({
      delayMs: nextTurnDelayMs,
      batchTokens: nextTurnBatchTokens,
      heldAfterBatch: this.heldAfterBatch,
      generating: () => this.running.size > 0,
      log: options.log,
    });
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
      // A sequence preparing its next turn is marked closing too (a next turn may wait for it), but its client is there.
      abandonedSequences: this.pool.closingCount - this.preparations.count,
      queuedRequests: this.pool.queueDepth,
      promptTokensPending: [...this.running].reduce((sum, generation) => sum + generation.promptTokensPending, 0),
      // node-llama-cpp keeps each sequence's totals since it was created.
      draftTokensAccepted: this.parts.sequences.reduce((sum, sequence) => sum + sequence.tokenPredictions.validated, 0),
      draftTokensRejected: this.parts.sequences.reduce((sum, sequence) => sum + sequence.tokenPredictions.refuted, 0),
    };
  }

  /**
   * Renders the prompt once it is known not to exceed `limit` tokens (see `PromptSizeGuard`): the context's
   * maximum for a generation; more for counting, which may report a prompt that does not fit.
   */
  async renderPrompt(request: PromptRequest, limit = this.description.maxInputTokens): Promise<RenderedPrompt> {
    await this.promptSize.check(request, limit);
    return renderPrompt(request, this.chatWrapper, this.parts.model.tokenizer, this.inlineSystem);
  }

  /** Streams one generation on the sequence that reuses most of its prompt; `shutdown` ends it early. */
  async *generate(request: GenerationRequest, signal: AbortSignal, shutdown: AbortSignal): AsyncGenerator<GenerationEvent> {
    const prompt = await this.renderPrompt(request);
    const promptTokens = prompt.tokens.length;
    if (promptTokens > this.description.maxInputTokens) throw new PromptTooLongError(promptTokens, this.description.maxInputTokens);
    const grammar = await this.responseGrammar(prompt);

    this.preparations.requestArrived(prompt.tokens);
    const lease = await this.pool.acquire((sequence) => this.sequenceScore(sequence, prompt.tokens), signal);
    // Once the client has left, the sequence frees within a batch: a retry may wait for it (see SequencePool).
    const abandoned = (): void => lease.closing();
    signal.addEventListener("abort", abandoned);
    if (signal.aborted) abandoned();
    let reply: ReplyTranscript | null = null;
    try {
      const sequence = lease.sequence;
      this.lastSessions.set(sequence, request.session ?? null);
      await this.restoreFromDisk(sequence, prompt.tokens);
      const generation = new Generation({
        request,
        prompt,
        grammar,
        sequence,
        sharedTokens: reusablePrefixLength(sequence, prompt.tokens, prompt.tokens.length - 1),
        checkpointBoundaries: sequence.needsCheckpoints ? [this.conversationStart.length(request, prompt.tokens)] : [],
        contextSize: this.description.contextSize,
        signal,
        shutdown,
        heldAfterBatch: this.heldAfterBatch,
        counters: this.counters,
        options: this.parts.options,
      });
      const transcript = new ReplyTranscript();
      const structured = grammar !== undefined && request.responseSchema !== undefined ? new StructuredReply(request.responseSchema, this.parts.options.log) : null;
      this.running.add(generation);
      try {
        for await (const generated of generation.run()) {
          for (const event of structured?.take(generated) ?? [generated]) {
            transcript.add(event);
            yield event;
          }
        }
      } finally {
        this.running.delete(generation);
        this.preparations.generationEnded();
      }
      if (!signal.aborted) {
        await this.saveToDisk(sequence, prompt.tokens);
        if (!transcript.isEmpty) reply = transcript;
      }
    } finally {
      signal.removeEventListener("abort", abandoned);
      const finished = reply;
      if (finished === null) lease.release();
      else this.preparations.prepare(lease, () => this.planNextTurn(lease.sequence, request, prompt.tokens, finished));
    }
  }

  /** Refuses every request waiting for a sequence, for a shutdown. */
  rejectWaiting(error: unknown): void {
    this.pool.rejectWaiting(error);
  }

  async dispose(): Promise<void> {
    await this.preparations.dispose();
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
    const shared = held === undefined ? reusablePrefixLength(sequence, tokens) : commonPrefixLength(held.tokens, tokens, held.length);
    return shared - (heldLength - shared);
  }

  private async responseGrammar(prompt: RenderedPrompt): Promise<LlamaGrammar | undefined> {
    if (prompt.responseGrammar === undefined) return undefined;
    try {
      return await this.parts.model.llama.createGrammarForJsonSchema<GbnfJsonSchema>(prompt.responseGrammar);
    } catch (error) {
      throw new ToolSchemaError("output_config.format.schema", `cannot be compiled into a grammar: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * After a reply, in the background while the client reads it (and runs its tools), the sequence is made to hold
   * the prompt its conversation's next request starts with: the tokens LlamaChat sampled for the reply are not
   * always the ones the same text tokenizes into when the client sends it back (a tool call's JSON under a
   * grammar, or a word sampled in pieces), and every token after the first such difference would be evaluated
   * again on the next turn. This says what to evaluate; `NextTurnPreparations` decides when.
   */
  private planNextTurn(sequence: LlamaContextSequence, request: GenerationRequest, promptTokens: readonly Token[], reply: ReplyTranscript): NextTurnPlan | null {
    // The prompt and the reply already fit: these need no size check before they are rendered.
    const render = (answer: string) => renderPrompt(reply.nextRequest(request, answer), this.chatWrapper, this.parts.model.tokenizer, this.inlineSystem).tokens;
    return planNextTurn({
      promptTokens,
      withAnswers: [render("a"), render("b")],
      kept: (tokens) => reusablePrefixLength(sequence, tokens),
      maxInputTokens: this.description.maxInputTokens,
    });
  }

  /** Swaps in a saved state when it shares clearly more of the prompt than the sequence already holds. */
  private async restoreFromDisk(sequence: LlamaContextSequence, tokens: Token[]): Promise<void> {
    const cache = this.parts.promptCache;
    if (cache === null) return;
    // A state that cannot be trimmed is only worth restoring when the prompt continues all of it.
    const match = cache.bestMatch(tokens, sequence.needsCheckpoints ? tokens.length - 1 : undefined);
    if (match === null || match.sharedTokens <= reusablePrefixLength(sequence, tokens) + 64) return;
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
    const cache = this.parts.promptCache;
    const wholeWithin = sequence.needsCheckpoints ? tokens.length - 1 : undefined;
    if (cache === null || !cache.wouldSave(tokens, wholeWithin)) return;
    try {
      // A state that cannot be trimmed is saved as the prompt less its last token (back at the checkpoint the
      // prefill took there), which the same prompt after a restart continues; the next turn evaluates the reply again.
      if (sequence.needsCheckpoints && sequence.nextTokenIndex > tokens.length - 1) {
        await sequence.eraseContextTokenRanges([{ start: tokens.length - 1, end: sequence.nextTokenIndex }]);
      }
      await cache.saveIfNew(sequence, tokens, wholeWithin);
    } catch (error) {
      this.parts.options.log?.("warn", `could not save the prompt state: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

