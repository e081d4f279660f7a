import { GlobPattern } from "../util/glob-pattern.js";
import type { EngineMemoryUse, EngineStats, EngineStatus, ModelDescription, SequenceState, ServingEngine, UpstreamStats } from "./engine.js";
import { EngineUnavailableError } from "./engine-errors.js";
import type { GenerationEvent } from "./generation-event.js";
import type { GenerationRequest, PromptRequest } from "./generation-request.js";

export interface ModelAlias {
  /** A model-name pattern such as `claude-*haiku*`. */
  readonly pattern: string;
  /** The model that serves names matching it, as the key `startEngine` is given. */
  readonly model: string;
}

export interface RoutedEngineOptions {
  /** The model for every name no alias matches. */
  readonly defaultModel: string;
  /** Tried in order; the first pattern that matches a request's model name wins. */
  readonly aliases: readonly ModelAlias[];
  readonly startEngine: (model: string) => ServingEngine;
}

/**
 * Serves several local models behind one API: each request goes to the model its `model` name is aliased to,
 * or to the default. Each distinct model is loaded once, one after another, so that each load's memory check
 * sees what the models before it took.
 */
export class RoutedEngine implements ServingEngine {
  private readonly engines = new Map<string, ServingEngine>();
  private readonly routes: readonly { readonly pattern: GlobPattern; readonly model: string }[];
  private readonly modelOrder: readonly string[];
  private readonly loaded: Promise<void>;
  private disposed = false;

  private constructor(private readonly options: RoutedEngineOptions) {
    this.routes = options.aliases.map((alias) => ({ pattern: new GlobPattern(alias.pattern), model: alias.model }));
    this.modelOrder = [...new Set([options.defaultModel, ...options.aliases.map((alias) => alias.model)])];
    this.loaded = this.loadInTurn();
  }

  static start(options: RoutedEngineOptions): RoutedEngine {
    return new RoutedEngine(options);
  }

  get status(): EngineStatus {
    const statuses = this.modelOrder.map((model) => ({ model, status: this.engines.get(model)?.status }));
    const defaultModel = statuses[0]?.status?.model ?? null;
    const failed = statuses.find((entry) => entry.status?.state === "failed");
    if (failed?.status?.state === "failed") {
      const reason = failed.model === this.options.defaultModel ? failed.status.reason : `${failed.model}: ${failed.status.reason}`;
      return { state: "failed", model: defaultModel, reason };
    }
    if (statuses.some((entry) => entry.status?.state !== "ready") || defaultModel === null) return { state: "loading", model: defaultModel };
    return { state: "ready", model: defaultModel };
  }

  async whenSettled(): Promise<EngineStatus> {
    await this.loaded;
    return this.status;
  }

  async *generate(request: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
    yield* this.engineFor(request.model).generate(request, signal);
  }

  countTokens(request: PromptRequest): Promise<number> {
    return this.engineFor(request.model).countTokens(request);
  }

  models(): readonly ModelDescription[] {
    return this.modelOrder.flatMap((model) => this.engines.get(model)?.models() ?? []);
  }

  modelFor(name: string): ModelDescription | null {
    return this.engines.get(this.modelNamed(name))?.modelFor(name) ?? null;
  }

  stats(): EngineStats {
    const all = [...this.engines.values()].map((engine) => engine.stats());
    const sum = (stat: keyof EngineStats): number => all.reduce((total, stats) => total + stats[stat], 0);
    return {
      sequences: sum("sequences"),
      busySequences: sum("busySequences"),
      abandonedSequences: sum("abandonedSequences"),
      queuedRequests: sum("queuedRequests"),
      completedGenerations: sum("completedGenerations"),
      abortedGenerations: sum("abortedGenerations"),
      promptTokensEvaluated: sum("promptTokensEvaluated"),
      promptTokensCached: sum("promptTokensCached"),
      outputTokens: sum("outputTokens"),
      promptTokensPending: sum("promptTokensPending"),
      draftTokensAccepted: sum("draftTokensAccepted"),
      draftTokensRejected: sum("draftTokensRejected"),
    };
  }

  /** Every model's sequences, or `null` when no model reports them. */
  sequenceStates(): readonly SequenceState[] | null {
    const reports = [...this.engines.values()].flatMap((engine) => engine.sequenceStates?.() ?? []);
    return reports.length === 0 ? null : reports;
  }

  /** Every upstream pool's endpoints. */
  upstreams(): readonly UpstreamStats[] {
    return [...this.engines.values()].flatMap((engine) => engine.upstreams?.() ?? []);
  }

  /** The models' sums, or `null` when no model reports them; the memory limit is the first model's, which the ones after it shared. */
  memoryUse(): EngineMemoryUse | null {
    const all = [...this.engines.values()].flatMap((engine) => engine.memoryUse?.() ?? []);
    if (all.length === 0) return null;
    const sum = (read: (use: EngineMemoryUse) => number | null): number | null => {
      const known = all.map(read).filter((value) => value !== null);
      return known.length === 0 ? null : known.reduce((total, value) => total + value, 0);
    };
    return {
      modelFileBytes: sum((use) => use.modelFileBytes) ?? 0,
      kvCacheBytes: sum((use) => use.kvCacheBytes) ?? 0,
      promptCacheDiskBytes: sum((use) => use.promptCacheDiskBytes),
      promptCacheLimitBytes: sum((use) => use.promptCacheLimitBytes),
      memoryLimitBytes: all[0]?.memoryLimitBytes ?? null,
    };
  }

  async drain(graceMs: number): Promise<void> {
    await Promise.all([...this.engines.values()].map((engine) => engine.drain(graceMs)));
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all([...this.engines.values()].map((engine) => engine.dispose()));
  }

  private async loadInTurn(): Promise<void> {
    for (const model of this.modelOrder) {
      if (this.disposed) return;
      const engine = this.options.startEngine(model);
      this.engines.set(model, engine);
      await engine.whenSettled();
    }
  }

  /** The model a request naming `name` goes to: an alias's, by id when it names a served model, or the default. */
  private modelNamed(name: string | undefined): string {
    if (name === undefined) return this.options.defaultModel;
    const route = this.routes.find((candidate) => candidate.pattern.matches(name));
    if (route !== undefined) return route.model;
    for (const [model, engine] of this.engines) if (engine.models().some((description) => description.id === name)) return model;
    return this.options.defaultModel;
  }

  private engineFor(name: string | undefined): ServingEngine {
    const model = this.modelNamed(name);
    const engine = this.engines.get(model);
    if (engine === undefined) throw new EngineUnavailableError(`the model for ${name ?? "this request"} is still loading`);
    return engine;
  }
}
