import type { Engine, EngineMemoryUse, EngineStats, EngineStatus, ModelDescription, SequenceState, UpstreamStats } from "../../src/engine/engine.js";
import type { GenerationEvent } from "../../src/engine/generation-event.js";
import type { GenerationRequest, PromptRequest } from "../../src/engine/generation-request.js";

export const scriptedModel: ModelDescription = {
  id: "scripted-model",
  displayName: "scripted-model.gguf (local)",
  createdAt: new Date("2026-01-01T00:00:00Z"),
  contextSize: 4096,
  maxInputTokens: 4094,
  chatWrapper: "ChatML",
};

/**
 * A fake engine for tests of the HTTP layer alone: it replays the events it is given and records the
 * requests it received. Inference itself is covered by the integration tests against the real engine.
 */
export class ScriptedEngine implements Engine {
  readonly requests: GenerationRequest[] = [];
  status: EngineStatus = { state: "ready", model: scriptedModel };
  /** What `sequenceStates()` reports: set by tests of the live page. */
  sequences: readonly SequenceState[] | null = null;
  /** What `memoryUse()` reports: set by tests of the live page. */
  memory: EngineMemoryUse | null = null;
  /** What `upstreams()` reports: set by tests of the live page. */
  upstreamEndpoints: readonly UpstreamStats[] = [];
  /** Added to what `stats()` reports. */
  statsOverride: Partial<EngineStats> = {};

  constructor(private readonly script: (request: GenerationRequest, signal: AbortSignal) => AsyncIterable<GenerationEvent>) {}

  static replaying(events: readonly GenerationEvent[]): ScriptedEngine {
    return new ScriptedEngine(async function* () {
      yield* events;
    });
  }

  generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent> {
    this.requests.push(request);
    return this.script(request, signal);
  }

  async countTokens(request: PromptRequest): Promise<number> {
    return request.system.length + request.turns.length;
  }

  models(): readonly ModelDescription[] {
    return this.status.model === null ? [] : [this.status.model];
  }

  modelFor(): ModelDescription | null {
    return this.status.model;
  }

  stats(): EngineStats {
    return {
      sequences: 1,
      busySequences: 0,
      abandonedSequences: 0,
      queuedRequests: 0,
      promptTokensPending: 0,
      draftTokensAccepted: 0,
      draftTokensRejected: 0,
      completedGenerations: this.requests.length,
      abortedGenerations: 0,
      promptTokensEvaluated: 0,
      promptTokensCached: 0,
      outputTokens: 0,
      ...this.statsOverride,
    };
  }

  sequenceStates(): readonly SequenceState[] | null {
    return this.sequences;
  }

  memoryUse(): EngineMemoryUse | null {
    return this.memory;
  }

  upstreams(): readonly UpstreamStats[] {
    return this.upstreamEndpoints;
  }

  async dispose(): Promise<void> {}
}

export const textEvents: readonly GenerationEvent[] = [
  { type: "start", usage: { inputTokens: 12, cachedInputTokens: 0 } },
  { type: "text-delta", text: "Hello" },
  { type: "text-delta", text: ", world" },
  { type: "finish", stopReason: "end-turn", stopSequence: null, usage: { inputTokens: 12, cachedInputTokens: 0, outputTokens: 3 } },
];

export function sequentialIds(): (prefix: string) => string {
  let counter = 0;
  return (prefix) => `${prefix}_test${String(++counter).padStart(4, "0")}`;
}
