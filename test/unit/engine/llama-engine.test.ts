import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { EngineStats, ModelDescription } from "../../../src/engine/engine.js";
import { EngineOverloadedError, EngineUnavailableError } from "../../../src/engine/engine-errors.js";
import type { GenerationEvent } from "../../../src/engine/generation-event.js";
import type { GenerationRequest, PromptRequest } from "../../../src/engine/generation-request.js";
import { LlamaEngine } from "../../../src/engine/llama/llama-engine.js";
import type { LlamaEngineOptions } from "../../../src/engine/llama/llama-engine-options.js";
import { loadModel } from "../../../src/engine/llama/load-model.js";
import type { LoadedModel } from "../../../src/engine/llama/loaded-model.js";

// The engine's own lifecycle, around a stand-in for the loaded model (the integration tier loads real ones).
vi.mock("../../../src/engine/llama/load-model.js", () => ({ loadModel: vi.fn() }));

const description = { id: "tiny", maxInputTokens: 100 } as unknown as ModelDescription;
const request = { turns: [] } as unknown as GenerationRequest;

/** A loaded model that records what the engine asks of it; `busy` is its number of busy sequences. */
function fakeModel() {
  const calls: string[] = [];
  const model = {
    busy: 0,
    shutdownSignal: undefined as AbortSignal | undefined,
    description,
    stats: () => ({ busySequences: model.busy, completedGenerations: 7 }) as unknown as EngineStats,
    sequenceStates: () => [{ index: 0 }],
    memoryUse: () => ({ modelBytes: 1 }),
    renderPrompt: async (_prompt: PromptRequest, limit: number) => {
      calls.push(`render limit ${limit}`);
      return { tokens: [1, 2, 3] };
    },
    async *generate(_request: GenerationRequest, _signal: AbortSignal, shutdown: AbortSignal): AsyncGenerator<GenerationEvent> {
      model.shutdownSignal = shutdown;
      yield { type: "text", text: "hi" } as unknown as GenerationEvent;
    },
    rejectWaiting: (error: Error) => calls.push(`reject waiting: ${error.message}`),
    dispose: async () => void calls.push("dispose"),
  };
  return { model, calls, loaded: model as unknown as LoadedModel };
}

const log = vi.fn();
const options = { modelPath: "/models/tiny.gguf", log } as unknown as LlamaEngineOptions;

async function collect(events: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const all: GenerationEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

describe("LlamaEngine", () => {
  beforeEach(() => {
    log.mockReset();
  });
  afterEach(() => {
    vi.mocked(loadModel).mockReset();
  });

  it("is loading, with no model and empty stats, until the model is loaded, then ready", async () => {
    const fake = fakeModel();
    let finish!: (model: LoadedModel) => void;
    vi.mocked(loadModel).mockReturnValue(new Promise((resolve) => (finish = resolve)));
    const engine = LlamaEngine.start(options);
    expect(loadModel).toHaveBeenCalledWith(options);
    expect(engine.status).toEqual({ state: "loading", model: null });
    expect(engine.models()).toEqual([]);
    expect(engine.modelFor()).toBeNull();
    expect(engine.stats()).toMatchObject({ sequences: 0, busySequences: 0, completedGenerations: 0, outputTokens: 0 });
    expect(Object.isFrozen(engine.stats())).toBe(true);
    expect(engine.sequenceStates()).toBeNull();
    expect(engine.memoryUse()).toBeNull();
    finish(fake.loaded);
    expect(await engine.whenSettled()).toEqual({ state: "ready", model: description });
    expect(engine.models()).toEqual([description]);
    expect(engine.modelFor()).toBe(description);
    expect(engine.stats()).toMatchObject({ completedGenerations: 7 });
    expect(engine.sequenceStates()).toEqual([{ index: 0 }]);
    expect(engine.memoryUse()).toEqual({ modelBytes: 1 });
  });

  it("fails with the error's reason, preferring one without the file's path, and logs it", async () => {
    vi.mocked(loadModel).mockRejectedValue(Object.assign(new Error("/models/tiny.gguf: bad tensor"), { reason: "bad tensor" }));
    const engine = LlamaEngine.start(options);
    expect(await engine.whenSettled()).toEqual({ state: "failed", model: null, reason: "bad tensor" });
    expect(log).toHaveBeenCalledWith("error", "model failed to load: bad tensor");
    await expect(engine.countTokens(request)).rejects.toThrow(new EngineUnavailableError("the model is not available: bad tensor"));
    await expect(collect(engine.generate(request, new AbortController().signal))).rejects.toBeInstanceOf(EngineUnavailableError);
    expect(engine.models()).toEqual([]);
    await engine.dispose();
    await engine.drain(0);
  });

  it("takes an Error's message, or anything else's text, when there is no reason", async () => {
    vi.mocked(loadModel).mockRejectedValueOnce(new Error("out of memory"));
    expect(await LlamaEngine.start(options).whenSettled()).toMatchObject({ reason: "out of memory" });
    vi.mocked(loadModel).mockRejectedValueOnce(Object.assign(new Error("with a number"), { reason: 42 }));
    expect(await LlamaEngine.start(options).whenSettled()).toMatchObject({ reason: "with a number" });
    vi.mocked(loadModel).mockRejectedValueOnce("disk gone");
    // Without a log to write to, too.
    const { log: _log, ...withoutLog } = options;
    expect(await LlamaEngine.start(withoutLog).whenSettled()).toMatchObject({ reason: "disk gone" });
  });

  it("counts tokens up to four times the context, exactly", async () => {
    const fake = fakeModel();
    vi.mocked(loadModel).mockResolvedValue(fake.loaded);
    const engine = LlamaEngine.start(options);
    expect(await engine.countTokens(request)).toBe(3);
    expect(fake.calls).toEqual(["render limit 400"]);
  });

  it("generates through the model with the engine's shutdown signal", async () => {
    const fake = fakeModel();
    vi.mocked(loadModel).mockResolvedValue(fake.loaded);
    const engine = LlamaEngine.start(options);
    expect(await collect(engine.generate(request, new AbortController().signal))).toEqual([{ type: "text", text: "hi" }]);
    expect(fake.model.shutdownSignal?.aborted).toBe(false);
  });

  it("drains: refuses queued and new work as overloaded, and waits for running generations within the grace period", async () => {
    const fake = fakeModel();
    vi.mocked(loadModel).mockResolvedValue(fake.loaded);
    const engine = LlamaEngine.start(options);
    await collect(engine.generate(request, new AbortController().signal));
    fake.model.busy = 1;
    vi.useFakeTimers();
    try {
      let done = false;
      const drained = engine.drain(60_000).then(() => (done = true));
      expect(fake.calls).toEqual(["reject waiting: the server is shutting down"]);
      // It polls the busy count every 50 ms: just short of the grace period it is still waiting.
      await vi.advanceTimersByTimeAsync(59_990);
      expect(done).toBe(false);
      fake.model.busy = 0;
      await vi.advanceTimersByTimeAsync(50);
      await drained;
    } finally {
      vi.useRealTimers();
    }
    expect(fake.model.shutdownSignal?.aborted).toBe(false);
    const refused = collect(engine.generate(request, new AbortController().signal));
    await expect(refused).rejects.toThrow(EngineOverloadedError);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 5, message: "the server is shutting down" });
  });

  it("ends the generations still running when the grace period is over", async () => {
    const fake = fakeModel();
    vi.mocked(loadModel).mockResolvedValue(fake.loaded);
    const engine = LlamaEngine.start(options);
    await collect(engine.generate(request, new AbortController().signal));
    fake.model.busy = 1;
    fake.model.shutdownSignal?.addEventListener("abort", () => (fake.model.busy = 0));
    vi.useFakeTimers();
    try {
      const drained = engine.drain(0);
      // At once: a grace period of 0 is over when the drain starts.
      expect(fake.model.shutdownSignal?.aborted).toBe(true);
      await vi.advanceTimersByTimeAsync(50);
      await drained;
    } finally {
      vi.useRealTimers();
    }
  });

  it("disposes the model once loaded, and then reports it shut down", async () => {
    const fake = fakeModel();
    vi.mocked(loadModel).mockResolvedValue(fake.loaded);
    const engine = LlamaEngine.start(options);
    await engine.dispose();
    expect(fake.calls).toEqual(["dispose"]);
    expect(engine.status).toEqual({ state: "failed", model: description, reason: "the engine was shut down" });
    await expect(engine.countTokens(request)).rejects.toThrow("the model is not available: the engine was shut down");
  });
});
