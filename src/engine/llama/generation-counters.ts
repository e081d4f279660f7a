import type { EngineStats } from "../engine.js";
import type { GenerationUsage } from "../generation-event.js";

type Counts = Pick<
  EngineStats,
  "completedGenerations" | "abortedGenerations" | "promptTokensEvaluated" | "promptTokensCached" | "outputTokens"
>;

/** What a model's finished generations add up to, for `/metrics` and tests. */
export class GenerationCounters {
  private readonly counts = {
    completedGenerations: 0,
    abortedGenerations: 0,
    promptTokensEvaluated: 0,
    promptTokensCached: 0,
    outputTokens: 0,
  };

  get current(): Counts {
    return { ...this.counts };
  }

  /** Counts one finished generation; `aborted` when its client went away. */
  countFinished(usage: GenerationUsage, aborted: boolean): void {
    if (aborted) this.counts.abortedGenerations += 1;
    else this.counts.completedGenerations += 1;
    this.counts.promptTokensEvaluated += usage.inputTokens;
    this.counts.promptTokensCached += usage.cachedInputTokens;
    this.counts.outputTokens += usage.outputTokens;
  }
}
