import { randomInt } from "node:crypto";
import { LlamaChat, LlamaText, SpecialTokensText, type LlamaContextSequence, type LlamaGrammar, type Token, type TokenMeterState } from "node-llama-cpp";
import { AsyncChannel } from "../../util/async-channel.js";
import { definedProperties } from "../../util/defined-properties.js";
import type { SequenceActivity } from "../engine.js";
import type { GenerationEvent, PromptUsage } from "../generation-event.js";
import type { GenerationRequest } from "../generation-request.js";
import { GenerationWatch } from "../generation-watch.js";
import { StreamedToolCalls } from "../tool-input/streamed-tool-calls.js";
import { decideStopReason, type ChatEnding } from "./decide-stop-reason.js";
import { TextBeforeCalls } from "./text-before-calls.js";
import { generatePerArgumentCalls } from "./generate-per-argument-calls.js";
import type { GenerationCounters } from "./generation-counters.js";
import type { LlamaEngineOptions } from "./llama-engine-options.js";
import type { PerArgumentCallPlan } from "./per-argument-call-plan.js";
import { prefillWithCheckpoints, type HeldAfterBatch } from "./prefill.js";
import type { RenderedPrompt } from "./render-prompt.js";
import { samplingTemperature } from "./sampling-temperature.js";

export interface GenerationFields {
  readonly request: GenerationRequest;
  readonly prompt: RenderedPrompt;
  /** The grammar the reply's text is generated under (structured outputs). Defaults to none. */
  readonly grammar?: LlamaGrammar | undefined;
  /** The sequence leased for this generation; it is borrowed, not disposed. */
  readonly sequence: LlamaContextSequence;
  /**
   * How many prompt tokens the sequence already holds (see `reusablePrefixLength`): at most all but the last, which
   * is always evaluated again to get fresh logits and so never counts as cached.
   */
  readonly sharedTokens: number;
  /** Prompt lengths a later prompt is likely to share (the end of the tools and system prompt): checkpointed where needed. */
  readonly checkpointBoundaries: readonly number[];
  /** The model's context size: the prompt and the reply must fit in it. */
  readonly contextSize: number;
  /** The client's signal: aborted when it goes away. */
  readonly signal: AbortSignal;
  /** Aborted when a shutdown's grace period ends. */
  readonly shutdown: AbortSignal;
  /** The model's record of sequences mid-prompt, for the scheduler (see `prefillInBatches`). */
  readonly heldAfterBatch: Map<LlamaContextSequence, HeldAfterBatch>;
  /** The model's counters, which this generation adds to once it finishes. */
  readonly counters: GenerationCounters;
  readonly options: Pick<
    LlamaEngineOptions,
    "seed" | "maxGenerationMs" | "stallTimeoutMs" | "progressLogIntervalMs" | "watchIntervalMs" | "log"
  >;
}

interface RunningChat {
  /** Absent for a forced per-argument call, which is generated without LlamaChat. */
  readonly chat: LlamaChat | null;
  /** Settles once LlamaChat has returned and the generation has finished (or failed). */
  readonly done: Promise<void>;
}

/**
 * One call of `generate`, from its `start` event to its `finish`: the prompt evaluated in batches, then
 * LlamaChat streaming the reply. What it holds lives as long as the call (as node-llama-cpp's per-call
 * generation state beside its LlamaChat); the sequence and the counters are the model's, only borrowed.
 */
export class Generation {
  readonly promptUsage: PromptUsage;
  private readonly maxTokens: number;
  /** `max_tokens: 0` asks only to put the prompt in the cache (Anthropic's cache warming). */
  private readonly warmsCache: boolean;
  /** The context has less room than the request asked for. */
  private readonly clampedByContext: boolean;
  private readonly channel = new AsyncChannel<GenerationEvent>();
  private readonly meterBefore: TokenMeterState;
  /** Draft tokens (prompt lookup) evaluated without becoming part of the reply, before this generation. */
  private readonly wastedDraftsBefore: number;
  /** Prompt tokens of finished batches: node-llama-cpp's meter counts them when queued. */
  private promptTokensDone = 0;
  private watch: GenerationWatch | null = null;
  private readonly toolCalls: StreamedToolCalls;

  constructor(private readonly fields: GenerationFields) {
    const promptTokens = fields.prompt.tokens.length;
    this.promptUsage = { inputTokens: promptTokens - fields.sharedTokens, cachedInputTokens: fields.sharedTokens };
    // The prompt-size guard leaves room for at least one token.
    this.maxTokens = Math.min(fields.request.maxTokens, fields.contextSize - promptTokens - 1);
    this.clampedByContext = this.maxTokens < fields.request.maxTokens;
    this.warmsCache = fields.request.maxTokens === 0;
    this.meterBefore = fields.sequence.tokenMeter.getState();
    this.wastedDraftsBefore = wastedDrafts(fields.sequence);
    this.toolCalls = new StreamedToolCalls({ request: fields.request, push: (event) => this.channel.push(event), log: fields.options.log });
  }

  /** Prompt tokens this generation has still to evaluate. */
  get promptTokensPending(): number {
    return this.watch?.promptTokensPending ?? 0;
  }

  /** The sequence it runs on. */
  get sequence(): LlamaContextSequence {
    return this.fields.sequence;
  }

  /** What the generation is doing now, for the live page. */
  get activity(): SequenceActivity {
    const promptTokens = this.promptUsage.inputTokens;
    const outputTokens = this.outputTokens();
    if (outputTokens > 0) return { state: "generating", promptTokens, outputTokens };
    return { state: "prompt", evaluatedTokens: promptTokens - this.promptTokensPending, promptTokens };
  }

  async *run(): AsyncGenerator<GenerationEvent> {
    yield { type: "start", usage: this.promptUsage };
    const { options, sequence, prompt } = this.fields;
    const watch = new GenerationWatch({
      promptTokens: this.promptUsage.inputTokens,
      tokensProcessed: () => this.tokensProcessed(),
      stallMs: options.stallTimeoutMs,
      logIntervalMs: options.progressLogIntervalMs,
      log: options.log,
    }).start(options.watchIntervalMs ?? 1000);
    this.watch = watch;
    const deadline = AbortSignal.timeout(options.maxGenerationMs ?? 30 * 60_000);
    const stop = AbortSignal.any([this.fields.signal, deadline, this.fields.shutdown, watch.stalled]);
    let chat: RunningChat | null = null;
    try {
      await prefillWithCheckpoints({
        sequence,
        boundaries: this.fields.checkpointBoundaries,
        tokens: prompt.tokens,
        sharedTokens: this.fields.sharedTokens,
        stop,
        heldAfterBatch: this.fields.heldAfterBatch,
        onEvaluated: (tokens) => (this.promptTokensDone += tokens),
        whole: this.warmsCache,
      });
      // Ended while the prompt was evaluated: nothing to generate, and what was evaluated stays in the sequence.
      if (stop.aborted) this.finish({ stopReason: "abort" });
      else if (this.warmsCache) this.finish({ stopReason: "maxTokens" });
      else chat = this.startChat(stop);
      yield* this.channel;
    } finally {
      if (chat !== null) {
        await chat.done;
        // Made with `autoDisposeSequence: false`: the sequence stays, for the next request.
        chat.chat?.dispose();
      }
      watch.dispose();
    }
  }

  /** Tokens the sequence has processed for this generation: prompt tokens, then generated ones. */
  private tokensProcessed(): number {
    // LlamaChat evaluates the prompt's last batch itself: once it has produced a token, that batch is done.
    const outputTokens = this.outputTokens();
    return (outputTokens > 0 ? this.promptUsage.inputTokens : this.promptTokensDone) + outputTokens;
  }

  /** Tokens generated: the meter counts every evaluated draft token as output, the reply only those it kept. */
  private outputTokens(): number {
    const { sequence } = this.fields;
    return Math.max(0, sequence.tokenMeter.diff(this.meterBefore).usedOutputTokens - (wastedDrafts(sequence) - this.wastedDraftsBefore));
  }

  private startChat(stop: AbortSignal): RunningChat {
    const { sequence, prompt, request, options } = this.fields;
    const sampling = request.sampling;
    const seed = sampling.seed ?? options.seed ?? randomInt(2 ** 32);
    const perArgument = prompt.tools.perArgument;
    if (perArgument?.forced === true) {
      const pending = prompt.tokens.slice(sequence.nextTokenIndex);
      return { chat: null, done: this.settle(this.generateCalls(perArgument, pending, seed, stop), stop) };
    }
    // The tag's tokens, not its text: node-llama-cpp makes a stop trigger of a user-defined token (Qwen's and GLM's
    // `<tool_call>`) text, which would also match the tag written in pieces, whose first pieces are then held.
    const call = perArgument === undefined ? undefined : { plan: perArgument, tag: LlamaText(new SpecialTokensText(perArgument.syntax.callTag)).tokenize(sequence.model.tokenizer) };
    const text = new TextBeforeCalls((delta) => this.channel.push({ type: "text-delta", text: delta }), call !== undefined);
    const stopTriggers = call === undefined ? request.stopSequences : [...request.stopSequences, call.tag];
    const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: prompt.tools.chatWrapper, autoDisposeSequence: false });
    const done: Promise<ChatEnding> = chat
      .generateResponse(prompt.history, {
        maxTokens: this.maxTokens,
        signal: stop,
        stopOnAbortSignal: true,
        // The Messages API has no repetition penalty; node-llama-cpp's default one would also cost time per token.
        repeatPenalty: false,
        seed,
        customStopTriggers: stopTriggers,
        ...definedProperties({
          budgets: thoughtBudget(request.thinking),
          temperature: sampling.temperature === undefined ? undefined : samplingTemperature(sampling.temperature),
          topP: sampling.topP,
          topK: sampling.topK,
        }),
        // A grammar (structured outputs) and functions exclude each other; the prompt's plan never has both.
        ...(this.fields.grammar !== undefined
          ? { grammar: this.fields.grammar }
          : {
              ...definedProperties({ functions: prompt.tools.functions, maxParallelFunctionCalls: prompt.tools.maxParallelFunctionCalls }),
              // node-llama-cpp swallows what its callbacks throw: a failure here must end the stream, not lose a call.
              onFunctionCallParamsChunk: (chunk) => this.guarded(() => this.toolCalls.addParameters(chunk.functionName, chunk.paramsChunk)),
              onFunctionCall: (call) => this.guarded(() => this.toolCalls.complete(call.functionName, call.params)),
            }),
        onResponseChunk: (chunk) => {
          if (chunk.text === "") return;
          if (chunk.type === undefined) text.add(chunk.text);
          // With thinking disabled the budget of 0 closes a segment the format opens by itself; what little
          // it held is not reasoning the client asked for.
          else if (chunk.segmentType === "thought" && request.thinking.type !== "disabled") {
            text.flush();
            this.channel.push({ type: "thinking-delta", text: chunk.text });
          }
        },
      })
      .then(async (result) => {
        const ending = result.metadata;
        if (call !== undefined && ending.stopReason === "customStopTrigger" && sameTokens(ending.customStopTrigger, call.tag)) {
          text.drop();
          return this.generateCalls(call.plan, [], seed, stop);
        }
        text.flush();
        return ending;
      });
    return { chat, done: this.settle(done, stop) };
  }

  /** Ends the generation once `ending` is known. An abort while the prompt is evaluated rejects instead: it ends as any abort. */
  private settle(ending: Promise<ChatEnding>, stop: AbortSignal): Promise<void> {
    return ending.then(
      (result) => this.finish(result),
      (error: unknown) => (stop.aborted ? this.finish({ stopReason: "abort" }) : this.channel.fail(error)),
    );
  }

  private generateCalls(plan: PerArgumentCallPlan, pending: readonly Token[], seed: number, stop: AbortSignal): Promise<ChatEnding> {
    return generatePerArgumentCalls({
      sequence: this.fields.sequence,
      plan,
      pending,
      maxTokens: this.maxTokens - this.outputTokens(),
      sampling: this.fields.request.sampling,
      seed,
      stop,
      sink: {
        addParameters: (name, chunk) => this.guarded(() => this.toolCalls.addParameters(name, chunk)),
        complete: (name, input) => this.guarded(() => this.toolCalls.complete(name, input)),
      },
    });
  }

  private guarded(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.channel.fail(error);
    }
  }

  /** The one way a generation ends: its stop reason decided, its usage counted, its stream closed. */
  private finish(ending: ChatEnding): void {
    const clientLeft = this.fields.signal.aborted;
    const toolCallCut = this.toolCalls.inProgress;
    this.toolCalls.cut();
    const { stopReason, stopSequence } = decideStopReason(ending, { clampedByContext: this.clampedByContext, clientLeft, toolCallCut });
    const usage = { ...this.promptUsage, outputTokens: this.outputTokens() };
    this.fields.counters.countFinished(usage, stopReason === "end-turn" && clientLeft);
    this.channel.push({ type: "finish", stopReason, stopSequence, usage });
    this.channel.close();
  }
}

/** The reasoning budget LlamaChat is given: none by default, 0 when thinking is disabled. */
function thoughtBudget(thinking: GenerationRequest["thinking"]): { thoughtTokens: number } | undefined {
  if (thinking.type === "default") return undefined;
  return { thoughtTokens: thinking.type === "enabled" ? thinking.budgetTokens : 0 };
}

function wastedDrafts(sequence: LlamaContextSequence): number {
  const { refuted, unused } = sequence.tokenPredictions;
  return refuted + unused;
}

/** LlamaChat stopped on the call tag's tokens, not on one of the client's stop sequences (which are text). */
function sameTokens(trigger: readonly (string | Token)[], tokens: readonly Token[]): boolean {
  return trigger.length === tokens.length && trigger.every((part, index) => part === tokens[index]);
}
