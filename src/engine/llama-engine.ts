import { randomInt } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import {
  LlamaChat,
  resolveChatWrapper,
  specializedChatWrapperTypeNames,
  type ChatHistoryItem,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import { inspectGguf } from "../models/inspect-gguf.js";
import { AsyncChannel } from "../util/async-channel.js";
import { createId } from "../util/create-id.js";
import { toChatHistory } from "./chat-history.js";
import type { EngineStats, EngineStatus, ModelDescription, ServingEngine } from "./engine.js";
import { EngineOverloadedError, EngineUnavailableError, PromptTooLongError } from "./engine-errors.js";
import type { GenerationEvent, PromptUsage, StopReason } from "./generation-event.js";
import type { GenerationRequest, PromptRequest } from "./generation-request.js";
import { useFewerDecodeThreads } from "./decode-threads.js";
import { acquireLlama, type RuntimeLease } from "./llama-runtime.js";
import { GenerationWatch } from "./generation-watch.js";
import { MemoryBudget } from "./memory-budget.js";
import { PromptStateCache } from "./prompt-state-cache.js";
import { SequencePool } from "./sequence-pool.js";
import { planToolCalls, type ToolCallPlan } from "./plan-tool-calls.js";
import { checkToolInput } from "./tool-schema/check-tool-input.js";
import { repairToolInput } from "./tool-schema/repair-tool-input.js";

export interface LlamaEngineOptions {
  readonly modelPath: string;
  /**
   * Context size in tokens for each sequence. Defaults to as much as memory allows, between 2048 and the
   * model's training context, capped at 32768 (a Claude Code turn alone is about 20k tokens).
   */
  readonly contextSize?: number;
  /** CPU threads. Pass the machine's parallelism: node-llama-cpp's own default oversubscribes small machines. */
  readonly threads: number;
  /**
   * Threads for a lone sequence's token-by-token decoding, at most `threads`; prompts and batched decoding
   * use `threads`. Defaults to one fewer (at least one), leaving a core to the event loop: see
   * `useFewerDecodeThreads`.
   */
  readonly decodeThreads?: number;
  /** Concurrent sequences in the one context. Defaults to `1`. */
  readonly parallel?: number;
  /** Requests allowed to wait for a sequence before new ones are refused. Defaults to `16`. */
  readonly maxQueue?: number;
  /** How long a request may wait for a free sequence. Defaults to 10 minutes. */
  readonly maxQueueWaitMs?: number;
  /** A generation running longer than this is ended cleanly with `max-tokens`. Defaults to 30 minutes. */
  readonly maxGenerationMs?: number;
  /**
   * A generation that finishes no prompt batch and generates no token for this long is ended cleanly with
   * `max-tokens` at its next batch or token; `0` turns the watchdog off. Defaults to 10 minutes: one prompt
   * batch of a large model on a slow CPU can take minutes.
   */
  readonly stallTimeoutMs?: number;
  /** How often a long prompt evaluation logs its progress. Defaults to 10 s. */
  readonly progressLogIntervalMs?: number;
  /** How often running generations are checked for progress. Defaults to 1 s. */
  readonly watchIntervalMs?: number;
  /**
   * Sampling seed for every generation, for reproducible output. When omitted each generation draws its own:
   * node-llama-cpp's default is the epoch second, which gives two same-second requests the same reply.
   */
  readonly seed?: number;
  /** `false` for CPU only, `"auto"` to use a GPU where one works. Defaults to `"auto"`. */
  readonly gpu?: false | "auto";
  readonly log?: (level: "info" | "warn" | "error", message: string) => void;
  /**
   * The chat format, when the one node-llama-cpp picks from the model's template is wrong: one of
   * node-llama-cpp's wrapper names (`qwen`, `llama3.1`, `chatML`, …) or `jinja` for the model's own template.
   * Defaults to `auto`.
   */
  readonly chatFormat?: string;
  /**
   * Refuse to load (or, with an automatic context size, shrink the context) when weights + KV cache + compute
   * buffers would exceed this many bytes. No check when omitted.
   */
  readonly memoryLimitBytes?: number;
  /** Map the model file instead of reading it. Defaults to `false` on the CPU (see `load`), llama.cpp's choice on a GPU. */
  readonly useMmap?: boolean;
  /** KV states of long prompts kept on disk across restarts; off when omitted. */
  readonly promptCache?: {
    readonly folder: string;
    /** Prompts shorter than this are not saved. Defaults to 1024 tokens. */
    readonly minTokens?: number;
    /** Disk budget in bytes. Defaults to 4 GiB. */
    readonly maxBytes?: number;
  };
}

const defaultContextSize = { min: 2048, max: 32768 } as const;

/** Loads a GGUF model once and keeps it, serving generations from a pool of context sequences. */
export class LlamaEngine implements ServingEngine {
  private currentStatus: EngineStatus = { state: "loading", model: null };
  private loadedModel: LoadedModel | null = null;
  /** Aborted when a shutdown's grace period ends: every running generation then finishes at once. */
  private readonly shutdown = new AbortController();
  private draining = false;
  /** One per running generation: prompt progress and the stall watchdog. */
  private readonly watches = new Set<GenerationWatch>();
  private readonly counters = {
    completedGenerations: 0,
    abortedGenerations: 0,
    promptTokensEvaluated: 0,
    promptTokensCached: 0,
    outputTokens: 0,
  };
  private readonly loaded: Promise<LoadedModel | null>;

  private constructor(private readonly options: LlamaEngineOptions) {
    this.loaded = this.load().catch((error: unknown) => {
      // Prefer a reason without the file's path (UnsafeModelFileError carries one): it reaches API error bodies.
      const reason =
        typeof (error as { reason?: unknown }).reason === "string"
          ? (error as { reason: string }).reason
          : error instanceof Error
            ? error.message
            : String(error);
      this.currentStatus = { state: "failed", model: null, reason };
      this.options.log?.("error", `model failed to load: ${reason}`);
      return null;
    });
  }

  /** Starts loading in the background; `status` says when it is ready. */
  static start(options: LlamaEngineOptions): LlamaEngine {
    return new LlamaEngine(options);
  }

  get status(): EngineStatus {
    return this.currentStatus;
  }

  /** Resolves once loading has finished, whether it succeeded or not. */
  async whenSettled(): Promise<EngineStatus> {
    await this.loaded;
    return this.currentStatus;
  }

  models(): readonly ModelDescription[] {
    return this.currentStatus.model === null ? [] : [this.currentStatus.model];
  }

  modelFor(): ModelDescription | null {
    return this.currentStatus.model;
  }

  stats(): EngineStats {
    const pool = this.loadedModel?.pool;
    const sequences = this.loadedModel?.sequenceCount ?? 0;
    return {
      ...this.counters,
      sequences,
      busySequences: pool === undefined ? 0 : sequences - pool.freeCount,
      abandonedSequences: pool?.closingCount ?? 0,
      queuedRequests: pool?.queueDepth ?? 0,
      promptTokensPending: [...this.watches].reduce((sum, watch) => sum + watch.promptTokensPending, 0),
    };
  }

  async countTokens(request: PromptRequest): Promise<number> {
    const model = await this.ready();
    return model.renderPrompt(request).tokens.length;
  }

  async *generate(request: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
    const model = await this.ready();
    if (this.draining) throw new EngineOverloadedError("the server is shutting down", 5);
    const prompt = model.renderPrompt(request);
    const promptTokens = prompt.tokens.length;
    if (promptTokens > model.description.maxInputTokens) {
      throw new PromptTooLongError(promptTokens, model.description.maxInputTokens);
    }

    const lease = await model.pool.acquire((sequence) => sequenceScore(sequence, prompt.tokens), signal);
    // Once the client has left, the sequence frees within a batch: a retry may wait for it (see SequencePool).
    const abandoned = (): void => lease.closing();
    signal.addEventListener("abort", abandoned, { once: true });
    if (signal.aborted) abandoned();
    try {
      const sequence = lease.sequence;
      await this.restoreFromDisk(model, sequence, prompt.tokens);
      // The last prompt token is always evaluated again to get fresh logits, so it never counts as cached.
      const sharedTokens = sharedPrefixLength(sequence, prompt.tokens);
      const cachedInputTokens = Math.min(sharedTokens, promptTokens - 1);
      const promptUsage = { inputTokens: promptTokens - cachedInputTokens, cachedInputTokens };
      yield { type: "start", usage: promptUsage };

      const roomLeft = model.description.contextSize - promptTokens - 1;
      const maxTokens = Math.min(request.maxTokens, roomLeft);
      const meterBefore = sequence.tokenMeter.getState();
      // Prompt tokens count once their batch is done; node-llama-cpp's meter counts them when queued.
      let promptTokensDone = 0;
      const watch = new GenerationWatch({
        promptTokens: promptUsage.inputTokens,
        tokensProcessed: () => {
          // LlamaChat evaluates the prompt's last batch itself: once it has produced a token, that batch is done.
          const outputTokens = sequence.tokenMeter.diff(meterBefore).usedOutputTokens;
          return (outputTokens > 0 ? promptUsage.inputTokens : promptTokensDone) + outputTokens;
        },
        stallMs: this.options.stallTimeoutMs ?? 600_000,
        logIntervalMs: this.options.progressLogIntervalMs ?? 10_000,
        ...(this.options.log !== undefined ? { log: this.options.log } : {}),
      }).start(this.options.watchIntervalMs ?? 1000);
      this.watches.add(watch);
      const deadline = AbortSignal.timeout(this.options.maxGenerationMs ?? 30 * 60_000);
      const stop = AbortSignal.any([signal, deadline, this.shutdown.signal, watch.stalled]);
      try {
        if (maxTokens <= 0) {
          this.countFinished(false, promptUsage, 0);
          yield { type: "finish", stopReason: "max-tokens", stopSequence: null, usage: { ...promptUsage, outputTokens: 0 } };
          return;
        }
        await evaluatePromptInChunks(sequence, prompt.tokens, sharedTokens, stop, (tokens) => (promptTokensDone += tokens));
        yield* this.runChat(sequence, prompt, request, maxTokens, maxTokens < request.maxTokens, promptUsage, signal, stop);
      } finally {
        watch.dispose();
        this.watches.delete(watch);
      }
      if (!signal.aborted) await this.saveToDisk(model, sequence, prompt.tokens);
    } finally {
      signal.removeEventListener("abort", abandoned);
      lease.release();
    }
  }

  /**
   * Stops taking work for a shutdown: queued requests are refused (529, so clients retry elsewhere or later),
   * running generations may finish within `graceMs`, and any still running then are ended cleanly.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    const model = this.loadedModel;
    if (model === null) return;
    model.pool.rejectWaiting(new EngineOverloadedError("the server is shutting down", 5));
    const graceEnds = Date.now() + graceMs;
    while (this.stats().busySequences > 0) {
      if (Date.now() >= graceEnds) this.shutdown.abort();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async dispose(): Promise<void> {
    const model = await this.loaded;
    if (model === null) return;
    this.currentStatus = { state: "failed", model: model.description, reason: "the engine was shut down" };
    await model.dispose();
  }

  private async *runChat(
    sequence: LlamaContextSequence,
    prompt: RenderedPrompt,
    request: GenerationRequest,
    maxTokens: number,
    clampedByContext: boolean,
    promptUsage: PromptUsage,
    signal: AbortSignal,
    stop: AbortSignal,
  ): AsyncGenerator<GenerationEvent> {
    const channel = new AsyncChannel<GenerationEvent>();
    const meterBefore = sequence.tokenMeter.getState();
    const sampling = request.sampling;
    // A client that left gets nothing more; a deadline, a stall or a shutdown ends the reply cleanly, as if cut short.
    const abortedStopReason = (): StopReason => (signal.aborted ? "end-turn" : "max-tokens");
    const finish = (stopReason: StopReason, stopSequence: string | null): void => {
      const outputTokens = sequence.tokenMeter.diff(meterBefore).usedOutputTokens;
      this.countFinished(stopReason === "end-turn" && signal.aborted, promptUsage, outputTokens);
      channel.push({ type: "finish", stopReason, stopSequence, usage: { ...promptUsage, outputTokens } });
      channel.close();
    };

    // Ended while the prompt was evaluated: nothing to generate, and what was evaluated stays in the sequence.
    if (stop.aborted) {
      finish(abortedStopReason(), null);
      yield* channel;
      return;
    }

    const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: prompt.tools.chatWrapper, autoDisposeSequence: false });
    const generation = chat
      .generateResponse(prompt.history, {
        maxTokens,
        signal: stop,
        stopOnAbortSignal: true,
        // The Messages API has no repetition penalty; node-llama-cpp's default one would also cost time per token.
        repeatPenalty: false,
        seed: this.options.seed ?? randomInt(2 ** 32),
        ...thoughtBudget(request.thinking),
        ...(sampling.temperature !== undefined ? { temperature: sampling.temperature } : {}),
        ...(sampling.topP !== undefined ? { topP: sampling.topP } : {}),
        ...(sampling.topK !== undefined ? { topK: sampling.topK } : {}),
        ...(request.stopSequences.length > 0 ? { customStopTriggers: request.stopSequences } : {}),
        ...(prompt.tools.functions !== undefined ? { functions: prompt.tools.functions } : {}),
        ...(prompt.tools.maxParallelFunctionCalls !== undefined ? { maxParallelFunctionCalls: prompt.tools.maxParallelFunctionCalls } : {}),
        onResponseChunk: (chunk) => {
          if (chunk.text === "") return;
          if (chunk.type === undefined) channel.push({ type: "text-delta", text: chunk.text });
          // With thinking disabled the budget of 0 closes a segment the format opens by itself; what little
          // it held is not reasoning the client asked for.
          else if (chunk.segmentType === "thought" && request.thinking.type !== "disabled") {
            channel.push({ type: "thinking-delta", text: chunk.text });
          }
        },
      })
      .then(
        (result) => {
          for (const call of result.functionCalls ?? []) {
            // The grammar cannot enforce numeric bounds or string lengths: bring the input in line with the
            // tool's own schema, so clients always get input that validates.
            const schema = request.tools.find((tool) => tool.name === call.functionName)?.inputSchema;
            const input = repairToolInput(schema, call.params);
            const problems = checkToolInput(schema, input);
            if (problems.length > 0) this.options.log?.("warn", `tool call ${call.functionName}: ${problems.join("; ")}`);
            channel.push({ type: "tool-call", id: createId("toolu"), name: call.functionName, input });
          }
          const metadata = result.metadata;
          if (metadata.stopReason === "abort") finish(abortedStopReason(), null);
          else if (metadata.stopReason === "customStopTrigger") finish("stop-sequence", joinTrigger(metadata.customStopTrigger));
          else finish(toStopReason(metadata.stopReason, clampedByContext), null);
        },
        // An abort while the prompt is still being evaluated rejects instead of returning: end it like any abort.
        (error: unknown) => (stop.aborted ? finish(abortedStopReason(), null) : channel.fail(error)),
      );

    try {
      yield* channel;
    } finally {
      await generation;
      chat.dispose({ disposeSequence: false });
    }
  }

  /** The context size to create: as requested, or automatic; checked against the memory limit when one is set. */
  private async planContext(llama: Llama, modelPath: string, parallel: number): Promise<number | typeof defaultContextSize> {
    const limit = this.options.memoryLimitBytes;
    if (limit === undefined) return this.options.contextSize ?? defaultContextSize;
    const budget = await MemoryBudget.forModel(llama, modelPath, limit);
    const maxContext = Math.min(budget.trainContextSize ?? defaultContextSize.max, defaultContextSize.max);
    const planned = await budget.plan({
      requested: this.options.contextSize ?? "auto",
      maxContext,
      minContext: Math.min(defaultContextSize.min, maxContext),
      sequences: parallel,
    });
    const mib = (bytes: number): number => Math.round(bytes / 1024 / 1024);
    this.options.log?.(
      "info",
      `memory plan: about ${mib(planned.estimate.totalBytes)} MiB (weights ${mib(planned.estimate.weightsBytes)} MiB, context ${planned.contextSize} × ${parallel}: ${mib(planned.estimate.contextBytes)} MiB) within a limit of ${mib(limit)} MiB`,
    );
    return planned.contextSize;
  }

  /** Swaps in a saved state when it shares clearly more of the prompt than the sequence already holds. */
  private async restoreFromDisk(model: LoadedModel, sequence: LlamaContextSequence, tokens: Token[]): Promise<void> {
    const cache = model.promptCache;
    if (cache === null) return;
    const match = cache.bestMatch(tokens);
    if (match === null || match.sharedTokens <= sharedPrefixLength(sequence, tokens) + 64) return;
    try {
      const started = performance.now();
      await cache.restore(sequence, match.entry);
      this.options.log?.("info", `restored ${match.sharedTokens} prompt tokens from disk in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      this.options.log?.("warn", `could not restore a saved prompt state: ${error instanceof Error ? error.message : String(error)}`);
      await sequence.clearHistory();
    }
  }

  private async saveToDisk(model: LoadedModel, sequence: LlamaContextSequence, tokens: Token[]): Promise<void> {
    try {
      await model.promptCache?.saveIfNew(sequence, tokens);
    } catch (error) {
      this.options.log?.("warn", `could not save the prompt state: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private countFinished(aborted: boolean, promptUsage: PromptUsage, outputTokens: number): void {
    if (aborted) this.counters.abortedGenerations += 1;
    else this.counters.completedGenerations += 1;
    this.counters.promptTokensEvaluated += promptUsage.inputTokens;
    this.counters.promptTokensCached += promptUsage.cachedInputTokens;
    this.counters.outputTokens += outputTokens;
  }

  private async ready(): Promise<LoadedModel> {
    const model = await this.loaded;
    if (model === null || this.currentStatus.state !== "ready") {
      throw new EngineUnavailableError(
        this.currentStatus.state === "failed" ? `the model is not available: ${this.currentStatus.reason}` : "the model is still loading",
      );
    }
    return model;
  }

  private async load(): Promise<LoadedModel> {
    const started = performance.now();
    const runtime = await acquireLlama(this.options.gpu ?? "auto", this.options.log);
    try {
      return await this.loadWith(runtime, started);
    } catch (error) {
      await runtime.release();
      throw error;
    }
  }

  private async loadWith(runtime: RuntimeLease, started: number): Promise<LoadedModel> {
    const { modelPath, threads } = this.options;
    const llama = runtime.llama;
    // Before the native loader sees the file: a damaged or hostile GGUF is refused here, with a reason.
    await inspectGguf(modelPath);
    const parallel = this.options.parallel ?? 1;
    const contextSize = await this.planContext(llama, modelPath, parallel);
    // On the CPU, llama.cpp repacks quantised weights into an anonymous buffer; with the file also mapped the
    // weights sit in memory twice (measured: 4.8 GB instead of 2.9 GB for a Phi-3-mini-size Q4_0), so read it.
    const useMmap = this.options.useMmap ?? (llama.gpu === false ? false : undefined);
    const llamaModel = await llama.loadModel({ modelPath, ...(useMmap !== undefined ? { useMmap } : {}) });
    const context = await llamaModel.createContext({ contextSize, sequences: parallel, threads });
    if (!useFewerDecodeThreads(context, this.options.decodeThreads)) {
      this.options.log?.("warn", "cannot give decoding fewer threads on this node-llama-cpp: every batch uses them all");
    }
    const sequences = Array.from({ length: parallel }, () => context.getSequence());
    const chatWrapper = resolveChatFormat(llamaModel, this.options.chatFormat ?? "auto");
    const file = await stat(modelPath);
    const description: ModelDescription = {
      id: modelIdFromPath(modelPath),
      displayName: `${path.basename(modelPath)} (local)`,
      createdAt: file.mtime,
      contextSize: context.contextSize,
      maxInputTokens: context.contextSize - 2,
      architecture: llamaModel.fileInfo.metadata.general.architecture ?? "unknown",
      chatWrapper: chatWrapper.wrapperName,
    };
    // Waiting for an abandoned sequence costs at most one batch: worth it when it saves more than a batch.
    const pool = new SequencePool(sequences, this.options.maxQueue ?? 16, this.options.maxQueueWaitMs, context.batchSize);
    const cacheOptions = this.options.promptCache;
    const promptCache =
      cacheOptions === undefined
        ? null
        : await PromptStateCache.open({
            folder: cacheOptions.folder,
            modelPath,
            contextSize: context.contextSize,
            minTokens: cacheOptions.minTokens ?? 1024,
            maxBytes: cacheOptions.maxBytes ?? 4 * 1024 ** 3,
            compatibilityKey: `${llama.llamaCppRelease.release}|${context.kvCacheKeyType}|${context.kvCacheValueType}`,
          });
    const loaded = new LoadedModel(runtime, llamaModel, context, chatWrapper, pool, sequences.length, description, promptCache);
    this.loadedModel = loaded;
    this.currentStatus = { state: "ready", model: description };
    this.options.log?.(
      "info",
      `model ${description.id} ready in ${Math.round(performance.now() - started)} ms: context ${context.contextSize} × ${parallel} sequence(s), ${threads} threads, chat format ${description.chatWrapper}`,
    );
    return loaded;
  }
}

interface RenderedPrompt {
  readonly history: ChatHistoryItem[];
  readonly tools: ToolCallPlan;
  readonly tokens: Token[];
}

class LoadedModel {
  constructor(
    private readonly runtime: RuntimeLease,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    readonly chatWrapper: ChatWrapper,
    readonly pool: SequencePool<LlamaContextSequence>,
    readonly sequenceCount: number,
    readonly description: ModelDescription,
    readonly promptCache: PromptStateCache | null,
  ) {}

  /** Renders the prompt exactly as LlamaChat will evaluate it: the history plus an open model response. */
  renderPrompt(request: PromptRequest): RenderedPrompt {
    const history = toChatHistory(request);
    const tools = planToolCalls(request, this.chatWrapper);
    const last = history.at(-1);
    const window: ChatHistoryItem[] = last?.type === "model" ? history : [...history, { type: "model", response: [] }];
    const { contextText } = tools.chatWrapper.generateContextState({
      chatHistory: window,
      ...(tools.functions !== undefined ? { availableFunctions: tools.functions } : {}),
    });
    return { history, tools, tokens: contextText.tokenize(this.model.tokenizer) };
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
    await this.runtime.release();
  }
}

function resolveChatFormat(model: LlamaModel, format: string): ChatWrapper {
  if (format === "auto") return resolveChatWrapper(model);
  // Qwen 3.5 opens a reasoning segment at the start of every reply; node-llama-cpp calls it a variation.
  if (format === "qwen3.5") return resolveChatWrapper(model, { type: "qwen", customWrapperSettings: { qwen: { variation: "3.5" } } });
  const type = format === "jinja" ? "jinjaTemplate" : format;
  if (!(specializedChatWrapperTypeNames as readonly string[]).includes(type) && type !== "jinjaTemplate") {
    throw new Error(`unknown chat format '${format}': use auto, jinja, qwen3.5 or one of ${specializedChatWrapperTypeNames.join(", ")}`);
  }
  const wrapper = resolveChatWrapper(model, { type: type as (typeof specializedChatWrapperTypeNames)[number] | "jinjaTemplate" });
  if (wrapper === null) throw new Error(`chat format '${format}' does not apply to this model`);
  return wrapper;
}

function thoughtBudget(thinking: GenerationRequest["thinking"]): { budgets?: { thoughtTokens: number } } {
  switch (thinking.type) {
    case "default":
      return {};
    case "disabled":
      return { budgets: { thoughtTokens: 0 } };
    case "enabled":
      return { budgets: { thoughtTokens: thinking.budgetTokens } };
  }
}

/**
 * Evaluates a long prompt in batch-sized chunks, checking `stop` between them, until at most one batch is left.
 * LlamaChat would evaluate the whole prompt in one call that no abort can interrupt; done here, a client that
 * leaves frees its sequence within one batch, and the tokens already evaluated stay cached for its retry.
 * LlamaChat then finds them in the sequence and evaluates the rest, with the last token, in one batch. A prompt
 * that fits one batch is left to LlamaChat whole: evaluating it here would add a decode call (measured: +30 %
 * latency for a one-token reply).
 */
async function evaluatePromptInChunks(
  sequence: LlamaContextSequence,
  tokens: Token[],
  /** How many of `tokens` the sequence already holds. */
  shared: number,
  stop: AbortSignal,
  onEvaluated: (tokens: number) => void,
): Promise<void> {
  if (sequence.nextTokenIndex > shared) await sequence.eraseContextTokenRanges([{ start: shared, end: sequence.nextTokenIndex }]);
  const chunkSize = sequence.context.batchSize;
  try {
    for (let start = shared; tokens.length - start > chunkSize && !stop.aborted; start += chunkSize) {
      const end = start + chunkSize;
      heldAfterCurrentBatch.set(sequence, { tokens, length: end });
      await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(start, end));
      onEvaluated(end - start);
    }
  } finally {
    heldAfterCurrentBatch.delete(sequence);
  }
}

/**
 * What a sequence evaluating a prompt will hold once its batch in flight is done: node-llama-cpp shows the
 * batch's tokens only after it, and a retry choosing a sequence must see the work that will be there.
 */
const heldAfterCurrentBatch = new WeakMap<LlamaContextSequence, { readonly tokens: readonly Token[]; readonly length: number }>();

/**
 * Tokens the prompt can reuse minus cached tokens it would throw away: a long shared prefix wins, and a short
 * background request (Claude Code's title and quota calls) takes an empty or nearly empty sequence rather
 * than evicting a long conversation's cached prefix.
 */
function sequenceScore(sequence: LlamaContextSequence, tokens: Token[]): number {
  const held = heldAfterCurrentBatch.get(sequence);
  const heldLength = held?.length ?? sequence.nextTokenIndex;
  const shared = held === undefined ? sharedPrefixLength(sequence, tokens) : commonPrefixLength(held.tokens, tokens, held.length);
  return shared - (heldLength - shared);
}

function commonPrefixLength(held: readonly Token[], tokens: readonly Token[], limit: number): number {
  let shared = 0;
  while (shared < limit && shared < tokens.length && held[shared] === tokens[shared]) shared += 1;
  return shared;
}

function sharedPrefixLength(sequence: LlamaContextSequence, tokens: Token[]): number {
  return sequence.compareContextTokens(tokens).firstDifferentIndex;
}

function toStopReason(reason: "eogToken" | "stopGenerationTrigger" | "functionCalls" | "maxTokens", clampedByContext: boolean): StopReason {
  switch (reason) {
    case "functionCalls":
      return "tool-use";
    case "maxTokens":
      return clampedByContext ? "context-window-exceeded" : "max-tokens";
    case "eogToken":
    case "stopGenerationTrigger":
      return "end-turn";
  }
}

function joinTrigger(trigger: readonly (string | Token)[]): string {
  return trigger.filter((part): part is string => typeof part === "string").join("");
}

/** `/models/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf` → `qwen2.5-0.5b-instruct-q4_k_m`. */
function modelIdFromPath(modelPath: string): string {
  return path.basename(modelPath).replace(/\.gguf$/i, "").toLowerCase();
}
