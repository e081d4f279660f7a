import type { EngineMemoryUse, EngineStats, EngineStatus, ModelDescription, SequenceState, ServingEngine } from "../engine.js";
import { EngineOverloadedError, EngineUnavailableError } from "../engine-errors.js";
import type { GenerationEvent } from "../generation-event.js";
import type { GenerationRequest, PromptRequest } from "../generation-request.js";
import type { LlamaEngineOptions } from "./llama-engine-options.js";
import { loadModel } from "./load-model.js";
import type { LoadedModel } from "./loaded-model.js";

/** Stats before a model is loaded: nothing served yet. */
const noStats: EngineStats = Object.freeze({
  sequences: 0,
  busySequences: 0,
  abandonedSequences: 0,
  queuedRequests: 0,
  completedGenerations: 0,
  abortedGenerations: 0,
  promptTokensEvaluated: 0,
  promptTokensCached: 0,
  outputTokens: 0,
  promptTokensPending: 0,
  draftTokensAccepted: 0,
  draftTokensRejected: 0,
});

/** Loads a GGUF model once and keeps it, serving generations from a pool of context sequences. */
export class LlamaEngine implements ServingEngine {
  private currentStatus: EngineStatus = { state: "loading", model: null };
  private loadedModel: LoadedModel | null = null;
  /** Aborted when a shutdown's grace period ends: every running generation then finishes at once. */
  private readonly shutdown = new AbortController();
  private draining = false;
  private readonly loaded: Promise<LoadedModel | null>;

  private constructor(private readonly options: LlamaEngineOptions) {
    this.loaded = loadModel(options).then(
      (model) => {
        this.loadedModel = model;
        this.currentStatus = { state: "ready", model: model.description };
        return model;
      },
      (error: unknown) => {
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
      },
    );
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
    return this.loadedModel?.stats() ?? noStats;
  }

  sequenceStates(): readonly SequenceState[] | null {
    return this.loadedModel?.sequenceStates() ?? null;
  }

  memoryUse(): EngineMemoryUse | null {
    return this.loadedModel?.memoryUse() ?? null;
  }

  async countTokens(request: PromptRequest): Promise<number> {
    const model = await this.ready();
    // Up to four times the context is counted exactly (Claude Code asks how far over the window it is); past
    // that the prompt is refused before it is tokenized whole, as a generation's would be.
    return (await model.renderPrompt(request, 4 * model.description.maxInputTokens)).tokens.length;
  }

  async *generate(request: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
    const model = await this.ready();
    if (this.draining) throw new EngineOverloadedError("the server is shutting down", 5);
    yield* model.generate(request, signal, this.shutdown.signal);
  }

  /**
   * Stops taking work for a shutdown: queued requests are refused (529, so clients retry elsewhere or later),
   * running generations may finish within `graceMs`, and any still running then are ended cleanly.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    const model = this.loadedModel;
    if (model === null) return;
    model.rejectWaiting(new EngineOverloadedError("the server is shutting down", 5));
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

  private async ready(): Promise<LoadedModel> {
    const model = await this.loaded;
    if (model === null || this.currentStatus.state !== "ready") {
      throw new EngineUnavailableError(
        this.currentStatus.state === "failed" ? `the model is not available: ${this.currentStatus.reason}` : "the model is still loading",
      );
    }
    return model;
  }
}
