import type { Engine, EngineStats, SequenceState, UpstreamStats } from "../../engine/engine.js";
import type { PerformanceReadings } from "../metrics/process-metrics.js";
import type { RecentRequests, RequestSummary } from "./recent-requests.js";
import type { TokensPerSecond, TokenTotals } from "./token-rate.js";

/** What the live page shows, sent as one `state` event a second. Fields the server cannot tell are `null`. */
export interface LiveState {
  readonly time: string;
  readonly status: "loading" | "ready" | "failed";
  readonly reason: string | null;
  readonly models: readonly LiveModel[];
  readonly memory: LiveMemory;
  readonly sequences: LiveSequences;
  readonly queue_depth: number;
  readonly tokens: LiveTokens;
  readonly generations: { readonly completed: number; readonly aborted: number };
  /** Generation requests of the last minutes, newest first. */
  readonly requests: readonly LiveRequest[];
  /** The upstream endpoints that pools send generations to; `null` when every model is served here. */
  readonly upstreams: readonly LiveUpstream[] | null;
}

export interface LiveModel {
  readonly id: string;
  readonly display_name: string;
  readonly chat_format: string;
  readonly context_size: number;
  readonly max_input_tokens: number;
}

export interface LiveMemory {
  readonly rss_bytes: number | null;
  readonly anonymous_bytes: number | null;
  readonly heap_used_bytes: number | null;
  readonly gpu_bytes: number | null;
  readonly cpu_percent: number | null;
  readonly model_file_bytes: number | null;
  readonly kv_cache_bytes: number | null;
  readonly prompt_cache_disk_bytes: number | null;
  readonly prompt_cache_limit_bytes: number | null;
  readonly limit_bytes: number | null;
}

export interface LiveSequences {
  readonly total: number;
  readonly busy: number;
  readonly abandoned: number;
  /** Each sequence, when the engine reports them. */
  readonly details: readonly LiveSequence[] | null;
}

export interface LiveSequence {
  readonly model: string;
  readonly index: number;
  readonly state: "idle" | "prompt" | "generating";
  readonly evaluated_tokens: number | null;
  readonly prompt_tokens: number | null;
  readonly output_tokens: number | null;
  readonly cached_tokens: number;
  readonly last_session: string | null;
}

export interface LiveUpstream {
  readonly pool: string;
  readonly url: string;
  readonly dialect: string;
  readonly up: boolean;
  readonly in_flight: number;
  readonly max_concurrent: number;
  readonly requests: number;
  readonly failures: number;
  readonly failovers: number;
  readonly affinity_hits: number;
  readonly prompt_tokens: number;
  readonly cached_tokens: number;
  readonly output_tokens: number;
}

export interface LiveTokens {
  /** Prompt tokens evaluated since the start, running generations included when the engine reports them. */
  readonly input_total: number;
  readonly cached_total: number;
  readonly output_total: number;
  /** Prompt tokens running generations have still to evaluate. */
  readonly pending_prompt: number;
  readonly input_per_second: number | null;
  readonly output_per_second: number | null;
}

export interface LiveRequest {
  readonly ended_at: string;
  readonly model: string | null;
  readonly session: string | null;
  readonly status: number;
  readonly duration_ms: number;
  readonly input_tokens: number | null;
  readonly cached_input_tokens: number | null;
  readonly output_tokens: number | null;
  readonly first_token_ms: number | null;
  readonly stop_reason: string | null;
}

/** Where a live state is read from. */
export interface LiveStateSources {
  readonly engine: Engine;
  /** A started performance monitor, for the process's memory and CPU. Defaults to none. */
  readonly monitor?: PerformanceReadings | undefined;
  readonly recentRequests: RecentRequests;
}

/** One reading of everything, with the engine read once. */
export interface LiveReading {
  readonly stats: EngineStats;
  readonly sequences: readonly SequenceState[] | null;
  /** Tokens so far, running generations included when the engine reports them: what token rates are taken from. */
  readonly totals: TokenTotals;
}

export function readLive(sources: LiveStateSources): LiveReading {
  const stats = sources.engine.stats();
  const sequences = sources.engine.sequenceStates?.() ?? null;
  let input = stats.promptTokensEvaluated;
  let output = stats.outputTokens;
  for (const sequence of sequences ?? []) {
    const activity = sequence.activity;
    if (activity.state === "prompt") input += activity.evaluatedTokens;
    if (activity.state === "generating") {
      input += activity.promptTokens;
      output += activity.outputTokens;
    }
  }
  return { stats, sequences, totals: { input, output } };
}

export function buildLiveState(sources: LiveStateSources, reading: LiveReading, rate: TokensPerSecond | null, time: Date): LiveState {
  const { engine, monitor } = sources;
  const { stats } = reading;
  const status = engine.status;
  return {
    time: time.toISOString(),
    status: status.state,
    reason: status.state === "failed" ? status.reason : null,
    models: engine.models().map((model) => ({
      id: model.id,
      display_name: model.displayName,
      chat_format: model.chatWrapper,
      context_size: model.contextSize,
      max_input_tokens: model.maxInputTokens,
    })),
    memory: liveMemory(engine, monitor),
    sequences: {
      total: stats.sequences,
      busy: stats.busySequences,
      abandoned: stats.abandonedSequences,
      details: reading.sequences?.map(liveSequence) ?? null,
    },
    queue_depth: stats.queuedRequests,
    tokens: {
      input_total: reading.totals.input,
      cached_total: stats.promptTokensCached,
      output_total: reading.totals.output,
      pending_prompt: stats.promptTokensPending,
      input_per_second: rate?.input ?? null,
      output_per_second: rate?.output ?? null,
    },
    generations: { completed: stats.completedGenerations, aborted: stats.abortedGenerations },
    requests: sources.recentRequests.recent().map(liveRequest),
    upstreams: liveUpstreams(engine.upstreams?.() ?? []),
  };
}

function liveUpstreams(endpoints: readonly UpstreamStats[]): readonly LiveUpstream[] | null {
  if (endpoints.length === 0) return null;
  return endpoints.map((endpoint) => ({
    pool: endpoint.pool,
    url: endpoint.url,
    dialect: endpoint.dialect,
    up: endpoint.up,
    in_flight: endpoint.inFlight,
    max_concurrent: endpoint.maxConcurrent,
    requests: endpoint.requests,
    failures: endpoint.failures,
    failovers: endpoint.failovers,
    affinity_hits: endpoint.affinityHits,
    prompt_tokens: endpoint.promptTokens,
    cached_tokens: endpoint.cachedTokens,
    output_tokens: endpoint.outputTokens,
  }));
}

function liveMemory(engine: Engine, monitor: PerformanceReadings | undefined): LiveMemory {
  const sample = monitor?.latest() ?? null;
  const use = engine.memoryUse?.() ?? null;
  return {
    rss_bytes: sample?.rssBytes ?? null,
    anonymous_bytes: sample?.rssAnonBytes ?? null,
    heap_used_bytes: sample?.heapUsedBytes ?? null,
    gpu_bytes: sample?.vramBytes ?? null,
    cpu_percent: sample === null ? null : Math.round(sample.cpuPercent),
    model_file_bytes: use?.modelFileBytes ?? null,
    kv_cache_bytes: use?.kvCacheBytes ?? null,
    prompt_cache_disk_bytes: use?.promptCacheDiskBytes ?? null,
    prompt_cache_limit_bytes: use?.promptCacheLimitBytes ?? null,
    limit_bytes: use?.memoryLimitBytes ?? null,
  };
}

function liveSequence(sequence: SequenceState): LiveSequence {
  const activity = sequence.activity;
  return {
    model: sequence.model,
    index: sequence.index,
    state: activity.state,
    evaluated_tokens: activity.state === "prompt" ? activity.evaluatedTokens : null,
    prompt_tokens: activity.state === "idle" ? null : activity.promptTokens,
    output_tokens: activity.state === "generating" ? activity.outputTokens : null,
    cached_tokens: sequence.cachedTokens,
    last_session: sequence.lastSession,
  };
}

function liveRequest(summary: RequestSummary): LiveRequest {
  return {
    ended_at: new Date(summary.endedAt).toISOString(),
    model: summary.model,
    session: summary.session,
    status: summary.status,
    duration_ms: summary.durationMs,
    input_tokens: summary.inputTokens,
    cached_input_tokens: summary.cachedInputTokens,
    output_tokens: summary.outputTokens,
    first_token_ms: summary.firstTokenMs,
    stop_reason: summary.stopReason,
  };
}
