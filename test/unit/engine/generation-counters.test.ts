import { describe, expect, it } from "vitest";
import { GenerationCounters } from "../../../src/engine/llama/generation-counters.js";

describe("GenerationCounters", () => {
  it("starts at zero", () => {
    expect(new GenerationCounters().current).toEqual({ completedGenerations: 0, abortedGenerations: 0, promptTokensEvaluated: 0, promptTokensCached: 0, outputTokens: 0 });
  });

  it("adds each finished generation: completed or aborted, and its tokens either way", () => {
    const counters = new GenerationCounters();
    counters.countFinished({ inputTokens: 10, cachedInputTokens: 90, outputTokens: 5 }, false);
    counters.countFinished({ inputTokens: 3, cachedInputTokens: 7, outputTokens: 2 }, true);
    counters.countFinished({ inputTokens: 1, cachedInputTokens: 0, outputTokens: 1 }, false);
    expect(counters.current).toEqual({ completedGenerations: 2, abortedGenerations: 1, promptTokensEvaluated: 14, promptTokensCached: 97, outputTokens: 8 });
  });

  it("hands out a copy: what a reader does with it leaves the counts alone", () => {
    const counters = new GenerationCounters();
    const read = counters.current as { outputTokens: number };
    read.outputTokens = 99;
    expect(counters.current.outputTokens).toBe(0);
  });
});
