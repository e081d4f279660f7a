import { describe, expect, it } from "vitest";
import type { EngineStatus, ModelDescription, ServingEngine } from "../../../src/engine/engine.js";
import { EngineUnavailableError } from "../../../src/engine/engine-errors.js";
import type { GenerationEvent } from "../../../src/engine/generation-event.js";
import { RoutedEngine } from "../../../src/engine/routed-engine.js";
import { collectEvents, textRequest } from "../../helpers/generation-requests.js";
import { ScriptedEngine, scriptedModel } from "../../helpers/scripted-engine.js";

/** A scripted engine that loads when the test says so, and answers with its own name. */
class NamedEngine extends ScriptedEngine implements ServingEngine {
  drained = false;
  disposed = false;
  private settle!: () => void;
  private readonly settled = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(readonly name: string) {
    super(async function* (): AsyncGenerator<GenerationEvent> {
      yield { type: "text-delta", text: name };
    });
    this.status = { state: "loading", model: null };
  }

  finishLoading(status: EngineStatus = { state: "ready", model: modelNamed(this.name) }): void {
    this.status = status;
    this.settle();
  }

  async whenSettled(): Promise<EngineStatus> {
    await this.settled;
    return this.status;
  }

  async drain(): Promise<void> {
    this.drained = true;
  }

  override async dispose(): Promise<void> {
    this.disposed = true;
  }
}

function modelNamed(name: string): ModelDescription {
  return { ...scriptedModel, id: name };
}

function routed(aliases: { pattern: string; model: string }[]) {
  const started: NamedEngine[] = [];
  const engine = RoutedEngine.start({
    defaultModel: "big",
    aliases,
    startEngine: (model) => {
      const named = new NamedEngine(model);
      started.push(named);
      return named;
    },
  });
  return { engine, started };
}

async function answerTo(engine: RoutedEngine, model: string | undefined): Promise<string> {
  const request = { ...textRequest("hi", 4), ...(model !== undefined ? { model } : {}) };
  const events = await collectEvents(engine.generate(request, new AbortController().signal));
  return events.map((event) => (event.type === "text-delta" ? event.text : "")).join("");
}

async function loadAll(started: NamedEngine[], count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    await waitFor(() => started[index] !== undefined);
    started[index]?.finishLoading();
  }
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe("RoutedEngine", () => {
  it("loads each distinct model once, one after another, the default first", async () => {
    const { engine, started } = routed([
      { pattern: "claude-*haiku*", model: "small" },
      { pattern: "claude-3-*", model: "small" },
      { pattern: "claude-*", model: "big" },
    ]);
    expect(started.map((named) => named.name)).toEqual(["big"]);
    expect(engine.status.state).toBe("loading");
    started[0]?.finishLoading();
    await waitFor(() => started.length === 2);
    expect(started.map((named) => named.name)).toEqual(["big", "small"]);
    expect(engine.status).toEqual({ state: "loading", model: modelNamed("big") });
    started[1]?.finishLoading();
    expect(await engine.whenSettled()).toEqual({ state: "ready", model: modelNamed("big") });
    expect(engine.models().map((model) => model.id)).toEqual(["big", "small"]);
  });

  it("sends each request to the first alias that matches its model name, by id to a served model, else to the default", async () => {
    const { engine, started } = routed([
      { pattern: "claude-*haiku*", model: "small" },
      { pattern: "claude-*", model: "big" },
    ]);
    await loadAll(started, 2);
    expect(await answerTo(engine, "claude-haiku-4-5")).toBe("small");
    expect(await answerTo(engine, "claude-sonnet-4-5")).toBe("big");
    expect(await answerTo(engine, "small")).toBe("small");
    expect(await answerTo(engine, "gpt-4")).toBe("big");
    expect(await answerTo(engine, undefined)).toBe("big");
    expect(engine.modelFor("claude-3-5-haiku-latest")?.id).toBe("small");
    expect(await engine.countTokens({ ...textRequest("hi", 1), model: "claude-haiku-4-5" })).toBe(1);
    expect(started[1]?.requests).toHaveLength(2);
  });

  it("refuses a request for a model not started yet as unavailable", async () => {
    const { engine, started } = routed([{ pattern: "claude-*haiku*", model: "small" }]);
    await expect(answerTo(engine, "claude-haiku-4-5")).rejects.toBeInstanceOf(EngineUnavailableError);
    await loadAll(started, 2);
    expect(await answerTo(engine, "claude-haiku-4-5")).toBe("small");
  });

  it("is failed when any model failed, naming an alias's model", async () => {
    const { engine, started } = routed([{ pattern: "claude-*haiku*", model: "small" }]);
    started[0]?.finishLoading();
    await waitFor(() => started.length === 2);
    started[1]?.finishLoading({ state: "failed", model: null, reason: "not a GGUF file" });
    expect(await engine.whenSettled()).toEqual({ state: "failed", model: modelNamed("big"), reason: "small: not a GGUF file" });
  });

  it("adds up the engines' stats, and drains and disposes them all", async () => {
    const { engine, started } = routed([{ pattern: "claude-*haiku*", model: "small" }]);
    await loadAll(started, 2);
    await answerTo(engine, "claude-haiku-4-5");
    await answerTo(engine, "claude-opus-4");
    expect(engine.stats()).toMatchObject({ sequences: 2, completedGenerations: 2 });
    await engine.drain(0);
    await engine.dispose();
    expect(started.every((named) => named.drained && named.disposed)).toBe(true);
  });
});

describe("RoutedEngine for the live page", () => {
  const use = { modelFileBytes: 100, kvCacheBytes: 10, promptCacheDiskBytes: null, promptCacheLimitBytes: null, memoryLimitBytes: 1000 };

  it("reports nothing while no model reports its sequences or memory", async () => {
    const { engine, started } = routed([{ pattern: "claude-*haiku*", model: "small" }]);
    await loadAll(started, 2);
    expect(engine.sequenceStates()).toBeNull();
    expect(engine.memoryUse()).toBeNull();
  });

  it("lists every model's sequences and adds up their memory, with the first model's limit", async () => {
    const { engine, started } = routed([{ pattern: "claude-*haiku*", model: "small" }]);
    await loadAll(started, 2);
    const [big, small] = started;
    if (big === undefined || small === undefined) throw new Error("two engines expected");
    big.sequences = [{ model: "big", index: 0, activity: { state: "idle" }, cachedTokens: 5, lastSession: null }];
    small.sequences = [{ model: "small", index: 0, activity: { state: "generating", promptTokens: 3, outputTokens: 1 }, cachedTokens: 4, lastSession: "s" }];
    big.memory = { ...use, promptCacheDiskBytes: 7, promptCacheLimitBytes: 70 };
    small.memory = { ...use, memoryLimitBytes: 900 };
    expect(engine.sequenceStates()?.map((sequence) => sequence.model)).toEqual(["big", "small"]);
    expect(engine.memoryUse()).toEqual({ modelFileBytes: 200, kvCacheBytes: 20, promptCacheDiskBytes: 7, promptCacheLimitBytes: 70, memoryLimitBytes: 1000 });
  });
});
