import type { GenerationEvent } from "./generation-event.js";
import type { GenerationRequest, PromptRequest } from "./generation-request.js";

/** What the HTTP layer needs from inference, and nothing about how it is done. */
export interface Engine {
  readonly status: EngineStatus;
  /**
   * Streams one generation. The first event is always `start` and the last `finish`; aborting the signal
   * ends the stream early with a `finish` (an abort is not an error).
   */
  generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent>;
  /** Exactly the number of prompt tokens `generate` would report for the same prompt on a cold cache. */
  countTokens(request: PromptRequest): Promise<number>;
  /** Every model served, once loaded: the default one first. */
  models(): readonly ModelDescription[];
  /** The loaded model that serves requests naming `name` (a model id or an alias), or `null` while loading. */
  modelFor(name: string): ModelDescription | null;
  /** Counters and gauges for metrics and tests; cheap to call. */
  stats(): EngineStats;
  /** What each context sequence is doing now, for the live page; cheap to call. `null` (or absent) when it cannot tell. */
  sequenceStates?(): readonly SequenceState[] | null;
  /** Memory and disk the served models take, for the live page; cheap to call. `null` (or absent) when it cannot tell. */
  memoryUse?(): EngineMemoryUse | null;
  /** Each upstream endpoint generations are sent to, for `/metrics`; cheap to call. Absent (or empty) when all is local. */
  upstreams?(): readonly UpstreamStats[];
  dispose(): Promise<void>;
}

/** An engine the CLI runs: it can be awaited while loading and drained for a shutdown. */
export interface ServingEngine extends Engine {
  /** Resolves once loading has finished, whether it succeeded or not. */
  whenSettled(): Promise<EngineStatus>;
  /** Stops taking work; running generations may finish within `graceMs`. */
  drain(graceMs: number): Promise<void>;
}

export type EngineStatus =
  | { readonly state: "loading"; readonly model: ModelDescription | null }
  | { readonly state: "ready"; readonly model: ModelDescription }
  | { readonly state: "failed"; readonly model: ModelDescription | null; readonly reason: string };

export interface ModelDescription {
  /** Stable id the API lists, derived from the model file's name. */
  readonly id: string;
  readonly displayName: string;
  readonly createdAt: Date;
  readonly contextSize: number;
  /** The longest prompt accepted: the context minus room for at least one generated token. */
  readonly maxInputTokens: number;
  readonly chatWrapper: string;
}

export interface EngineStats {
  readonly sequences: number;
  readonly busySequences: number;
  /** Busy sequences whose client has left: each is finishing its current batch. */
  readonly abandonedSequences: number;
  readonly queuedRequests: number;
  readonly completedGenerations: number;
  /** Generations ended early because their client went away. */
  readonly abortedGenerations: number;
  readonly promptTokensEvaluated: number;
  readonly promptTokensCached: number;
  readonly outputTokens: number;
  /** Prompt tokens that running generations have still to evaluate: what a long prefill has left. */
  readonly promptTokensPending: number;
  /** Draft tokens of speculative decoding (prompt lookup) that the model confirmed. */
  readonly draftTokensAccepted: number;
  /** Draft tokens of speculative decoding that the model refuted: evaluated for nothing. */
  readonly draftTokensRejected: number;
}

/** One context sequence: what it is doing, and what its KV cache holds for the next request. */
export interface SequenceState {
  /** The id of the model whose context the sequence belongs to. */
  readonly model: string;
  /** Its place in that model's pool, from 0. */
  readonly index: number;
  readonly activity: SequenceActivity;
  /** Tokens in the sequence's KV cache: the prefix that a next request starting the same way reuses. */
  readonly cachedTokens: number;
  /** The session of the last request it served (Claude Code's session id), or `null` when it had none. */
  readonly lastSession: string | null;
}

/**
 * `promptTokens` are the tokens the current request's prompt must evaluate, its reused prefix not counted (its
 * `inputTokens`): the page adds running generations' tokens to `stats()`' totals, which count them when they end.
 */
export type SequenceActivity =
  | { readonly state: "idle" }
  | { readonly state: "prompt"; readonly evaluatedTokens: number; readonly promptTokens: number }
  | { readonly state: "generating"; readonly promptTokens: number; readonly outputTokens: number };

/** Bytes the served models take: `null` where there is none of that kind (no prompt cache, no memory limit). */
export interface EngineMemoryUse {
  /** The model files' sizes: their weights are mapped into memory. */
  readonly modelFileBytes: number;
  /** The KV cache of every sequence, allocated when the model loaded. */
  readonly kvCacheBytes: number;
  /** What the prompt cache keeps on disk now, and its limit. */
  readonly promptCacheDiskBytes: number | null;
  readonly promptCacheLimitBytes: number | null;
  /** The memory limit the models were loaded within (`--memory-limit`). */
  readonly memoryLimitBytes: number | null;
}

/** One upstream endpoint (an OpenAI-compatible server a pool sends generations to): counters since start, gauges now. */
export interface UpstreamStats {
  /** The model its pool serves. */
  readonly pool: string;
  readonly url: string;
  readonly dialect: string;
  /** The last probe found its model served and its circuit breaker is closed. */
  readonly up: boolean;
  readonly inFlight: number;
  readonly maxConcurrent: number;
  readonly requests: number;
  readonly failures: number;
  /** Requests that came here after another endpoint failed them before their first content. */
  readonly failovers: number;
  /** Requests served by the first endpoint of their routing key's order: their conversation's own. */
  readonly affinityHits: number;
  readonly promptTokens: number;
  /** Prompt tokens the endpoint reported as reused from its prefix cache. */
  readonly cachedTokens: number;
  readonly outputTokens: number;
}
