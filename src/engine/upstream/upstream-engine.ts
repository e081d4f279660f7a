import type { EngineStats, EngineStatus, ModelDescription, ServingEngine, UpstreamStats } from "../engine.js";
import { EngineOverloadedError, EngineUnavailableError } from "../engine-errors.js";
import type { GenerationEvent } from "../generation-event.js";
import type { GenerationRequest, PromptRequest } from "../generation-request.js";
import { EndpointScheduler } from "./endpoint-scheduler.js";
import { probeEndpoint } from "./probe-endpoint.js";
import { routingKeyOf } from "./routing-key.js";
import { UpstreamEndpoint } from "./upstream-endpoint.js";
import type { UpstreamPoolOptions } from "./upstream-options.js";
import { RetryableUpstreamError } from "./retryable-upstream-error.js";
import { upstreamReply } from "./upstream-reply.js";
import { countUpstreamTokens } from "./upstream-token-count.js";

/**
 * Serves one model from a pool of OpenAI-compatible endpoints (vLLM, SGLang, llama-server, Ollama, OpenAI)
 * instead of a local GGUF. Each generation is routed by its conversation's key (see `EndpointScheduler`),
 * translated into the endpoint's Chat Completions dialect, and its stream translated back into the engine's
 * events. An endpoint that fails before the reply's first content is left for the next one in the key's order
 * (failover); once content was sent, the failure ends the stream as an error. Endpoints are probed every few
 * seconds; failures count against a circuit breaker between probes.
 */
export class UpstreamEngine implements ServingEngine {
  private readonly endpoints: readonly UpstreamEndpoint[];
  private readonly scheduler: EndpointScheduler;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private model: string | undefined;
  private description: ModelDescription | null = null;
  private probing = false;
  private lastProblem = "not probed yet";
  private readonly timer: NodeJS.Timeout;
  private readonly firstProbe: Promise<void>;
  private readonly shutdown = new AbortController();
  private draining = false;
  private readonly counts = { completed: 0, aborted: 0, promptTokens: 0, cachedTokens: 0, outputTokens: 0 };

  private constructor(private readonly options: UpstreamPoolOptions) {
    this.now = options.now ?? Date.now;
    this.fetch = options.fetch ?? fetch;
    this.model = options.model;
    this.endpoints = options.endpoints.map((endpoint) => new UpstreamEndpoint(endpoint, options.failureThreshold ?? 3, this.now));
    this.scheduler = new EndpointScheduler(this.endpoints, options.maxQueue ?? 16, options.maxQueueWaitMs ?? 10 * 60_000);
    this.firstProbe = this.probe();
    this.timer = setInterval(() => void this.probe(), options.probeIntervalMs ?? 5_000);
    this.timer.unref();
  }

  /** Starts probing the endpoints; `status` is ready once one of them serves the model. */
  static start(options: UpstreamPoolOptions): UpstreamEngine {
    return new UpstreamEngine(options);
  }

  get status(): EngineStatus {
    if (this.description === null) return { state: "loading", model: null };
    if (this.endpoints.some((endpoint) => endpoint.up)) return { state: "ready", model: this.description };
    return { state: "failed", model: this.description, reason: `no upstream endpoint of ${this.description.id} is up: ${this.lastProblem}` };
  }

  async whenSettled(): Promise<EngineStatus> {
    await this.firstProbe;
    if (this.description === null) return { state: "failed", model: null, reason: `no upstream endpoint answered: ${this.lastProblem}` };
    return this.status;
  }

  models(): readonly ModelDescription[] {
    return this.description === null ? [] : [this.description];
  }

  modelFor(): ModelDescription | null {
    return this.description;
  }

  async countTokens(request: PromptRequest): Promise<number> {
    const model = this.ready().id;
    const endpoint = this.scheduler.orderFor(routingKeyOf(request))[0] ?? null;
    const count = await countUpstreamTokens(endpoint, model, request, this.fetch);
    if (!count.exact) this.options.log?.("warn", `count_tokens for ${model} is an estimate (${count.tokens}): ${endpoint?.url ?? "no endpoint is up"} cannot tokenize`);
    return count.tokens;
  }

  async *generate(request: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
    const model = this.ready().id;
    if (this.draining) throw new EngineOverloadedError("the server is shutting down", 5);
    const both = AbortSignal.any([signal, this.shutdown.signal]);
    const key = routingKeyOf(request);
    const headers: Record<string, string> =
      this.options.affinity === "forward" ? { "x-session-id": key, "x-smg-routing-key": key, "x-user-id": key } : {};
    const failed = new Set<UpstreamEndpoint>();
    let lastFailure: RetryableUpstreamError | null = null;
    for (;;) {
      const lease = await this.scheduler.acquire(key, failed, both).catch((error: unknown) => {
        if (lastFailure === null || both.aborted) throw error;
        if (lastFailure.overloaded) throw new EngineOverloadedError(lastFailure.message, 1);
        throw new EngineUnavailableError(`every upstream endpoint failed this request; the last: ${lastFailure.message}`);
      });
      const endpoint = lease.endpoint;
      endpoint.counts.requests += 1;
      if (failed.size > 0) endpoint.counts.failovers += 1;
      if (lease.affinityHit) endpoint.counts.affinityHits += 1;
      let started = false;
      try {
        const replyOptions = { endpoint, model, request, headers, fetch: this.fetch, signal: both };
        for await (const event of upstreamReply({ ...replyOptions, ...(this.options.log !== undefined ? { log: this.options.log } : {}) })) {
          if (!started) {
            started = true;
            yield { type: "start", usage: { inputTokens: 0, cachedInputTokens: 0 }, upstream: endpoint.url };
          }
          if (event.type === "finish") this.account(endpoint, event.usage);
          yield event;
        }
        endpoint.succeeded();
        return;
      } catch (error) {
        if (both.aborted) {
          this.counts.aborted += 1;
          if (!started) yield { type: "start", usage: { inputTokens: 0, cachedInputTokens: 0 }, upstream: endpoint.url };
          yield { type: "finish", stopReason: "end-turn", stopSequence: null, usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 } };
          return;
        }
        if (!(error instanceof RetryableUpstreamError)) throw error;
        endpoint.failed(error.unreachable);
        if (started) throw error;
        this.options.log?.("warn", `${error.message}; failing over`);
        failed.add(endpoint);
        lastFailure = error;
      } finally {
        lease.release();
      }
    }
  }

  stats(): EngineStats {
    return {
      sequences: this.endpoints.reduce((sum, endpoint) => sum + endpoint.maxConcurrent, 0),
      busySequences: this.endpoints.reduce((sum, endpoint) => sum + endpoint.inFlight, 0),
      abandonedSequences: 0,
      queuedRequests: this.scheduler.queueDepth,
      completedGenerations: this.counts.completed,
      abortedGenerations: this.counts.aborted,
      promptTokensEvaluated: this.counts.promptTokens,
      promptTokensCached: this.counts.cachedTokens,
      outputTokens: this.counts.outputTokens,
      promptTokensPending: 0,
      // Speculative drafts happen inside the upstream engine, if at all: nothing of them is seen here.
      draftTokensAccepted: 0,
      draftTokensRejected: 0,
    };
  }

  upstreams(): readonly UpstreamStats[] {
    return this.endpoints.map((endpoint) => endpoint.stats(this.model ?? "unknown"));
  }

  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    this.scheduler.rejectWaiting(new EngineOverloadedError("the server is shutting down", 5));
    const graceEnds = this.now() + graceMs;
    while (this.stats().busySequences > 0) {
      if (this.now() >= graceEnds) this.shutdown.abort();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async dispose(): Promise<void> {
    clearInterval(this.timer);
    this.draining = true;
    this.scheduler.rejectWaiting(new EngineUnavailableError("the engine was shut down"));
    this.shutdown.abort();
    await this.firstProbe;
  }

  private account(endpoint: UpstreamEndpoint, usage: { inputTokens: number; cachedInputTokens: number; outputTokens: number }): void {
    this.counts.completed += 1;
    this.counts.promptTokens += usage.inputTokens;
    this.counts.cachedTokens += usage.cachedInputTokens;
    this.counts.outputTokens += usage.outputTokens;
    endpoint.counts.promptTokens += usage.inputTokens;
    endpoint.counts.cachedTokens += usage.cachedInputTokens;
    endpoint.counts.outputTokens += usage.outputTokens;
  }

  /** Probes every endpoint due for one, at most one round at a time, and hands capacity that came back to the queue. */
  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      await Promise.all(
        this.endpoints.map(async (endpoint) => {
          if (!endpoint.probeDue) return;
          const wasUp = endpoint.up;
          const result = await probeEndpoint(endpoint, this.model, this.fetch);
          if (this.model === undefined && result.ready) this.model = result.models[0];
          endpoint.probed(result.ready, result.unreachable === true);
          if (result.problem !== null) this.lastProblem = `${endpoint.url}: ${result.problem}`;
          if (wasUp !== endpoint.up) this.options.log?.(endpoint.up ? "info" : "warn", `upstream ${endpoint.url} is ${endpoint.up ? "up" : `down: ${result.problem ?? "breaker open"}`}`);
        }),
      );
      if (this.model !== undefined) this.description = this.describe(this.model);
      this.scheduler.dispatch();
    } finally {
      this.probing = false;
    }
  }

  private describe(model: string): ModelDescription {
    const known = this.endpoints.flatMap((endpoint) => (endpoint.contextSize === null ? [] : [endpoint.contextSize]));
    const contextSize = known.length > 0 ? Math.min(...known) : (this.options.contextSize ?? 32_768);
    const dialect = this.endpoints[0]?.dialect ?? "openai";
    const createdAt = this.description?.createdAt ?? new Date(this.now());
    return { id: model, displayName: model, createdAt, contextSize, maxInputTokens: contextSize - 1, chatWrapper: `upstream (${dialect})` };
  }

  private ready(): ModelDescription {
    const status = this.status;
    if (status.state !== "ready") throw new EngineUnavailableError(status.state === "failed" ? status.reason : "the upstream endpoints are still being probed");
    return status.model;
  }
}
