import { describe, expect, it } from "vitest";
import { GenerationWatch } from "../../../src/engine/generation-watch.js";

function watched(options: { promptTokens: number; stallMs: number; logIntervalMs?: number }) {
  const state = { now: 0, processed: 0 };
  const lines: { level: string; message: string }[] = [];
  const watch = new GenerationWatch({
    promptTokens: options.promptTokens,
    tokensProcessed: () => state.processed,
    stallMs: options.stallMs,
    logIntervalMs: options.logIntervalMs ?? 10_000,
    log: (level, message) => lines.push({ level, message }),
    now: () => state.now,
  });
  return { watch, state, lines };
}

describe("GenerationWatch", () => {
  it("reports the prompt tokens still to evaluate, never below zero", () => {
    const { watch, state } = watched({ promptTokens: 2000, stallMs: 0 });
    expect(watch.promptTokensPending).toBe(2000);
    state.processed = 512;
    expect(watch.promptTokensPending).toBe(1488);
    state.processed = 2050;
    expect(watch.promptTokensPending).toBe(0);
  });

  it("logs a long prompt evaluation's progress once per interval, and nothing once it is done", () => {
    const { watch, state, lines } = watched({ promptTokens: 2000, stallMs: 0, logIntervalMs: 10_000 });
    state.now = 5_000;
    state.processed = 512;
    watch.check();
    expect(lines).toEqual([]);
    state.now = 10_000;
    state.processed = 1024;
    watch.check();
    expect(lines).toEqual([{ level: "info", message: "evaluating the prompt: 1024 of 2000 tokens (51 %), 102 tokens/s" }]);
    state.now = 15_000;
    watch.check();
    expect(lines).toHaveLength(1);
    state.now = 30_000;
    state.processed = 2000;
    watch.check();
    expect(lines).toHaveLength(1);
  });

  it("ends a generation that makes no progress for the stall time, once, and not one that keeps going", () => {
    const { watch, state, lines } = watched({ promptTokens: 10, stallMs: 1000 });
    for (let step = 1; step <= 10; step += 1) {
      state.now = step * 900;
      state.processed = step;
      watch.check();
    }
    expect(watch.stalled.aborted).toBe(false);
    state.now += 999;
    watch.check();
    expect(watch.stalled.aborted).toBe(false);
    state.now += 1;
    watch.check();
    expect(watch.stalled.aborted).toBe(true);
    state.now += 5000;
    watch.check();
    expect(lines.filter((line) => line.level === "warn")).toEqual([{ level: "warn", message: "generation stalled: no token for 1 s, ending it" }]);
  });

  it("ends a stalled generation after 10 minutes and logs progress every 10 s unless told otherwise", () => {
    const state = { now: 0, processed: 0 };
    const lines: string[] = [];
    const watch = new GenerationWatch({ promptTokens: 10, tokensProcessed: () => state.processed, log: (_level, message) => lines.push(message), now: () => state.now });
    state.now = 9_999;
    watch.check();
    expect(lines).toEqual([]);
    state.now = 10_000;
    watch.check();
    expect(lines).toEqual(["evaluating the prompt: 0 of 10 tokens (0 %), 0 tokens/s"]);
    state.now = 599_999;
    watch.check();
    expect(watch.stalled.aborted).toBe(false);
    state.now = 600_000;
    watch.check();
    expect(watch.stalled.aborted).toBe(true);
  });

  it("never ends a generation with a stall time of 0", () => {
    const { watch, state } = watched({ promptTokens: 10, stallMs: 0 });
    state.now = 1e9;
    watch.check();
    expect(watch.stalled.aborted).toBe(false);
  });

  it("checks on its own timer once started, until disposed", async () => {
    const realClock = new GenerationWatch({ promptTokens: 10, tokensProcessed: () => 0, stallMs: 20, logIntervalMs: 1e9 }).start(5);
    try {
      await new Promise<void>((resolve) => realClock.stalled.addEventListener("abort", () => resolve()));
      expect(realClock.stalled.aborted).toBe(true);
    } finally {
      realClock.dispose();
    }
  });
});
