import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { registerEngineMetrics } from "../../../../src/api/metrics/engine-metrics.js";
import type { EngineStats } from "../../../../src/engine/engine.js";
import { parsePrometheusText, sampleValue } from "../../../helpers/prometheus-text.js";
import { ScriptedEngine } from "../../../helpers/scripted-engine.js";

/** A scripted engine whose stats the test sets. */
class StatsEngine extends ScriptedEngine {
  current: EngineStats = {
    sequences: 2,
    busySequences: 1,
    abandonedSequences: 1,
    queuedRequests: 3,
    completedGenerations: 10,
    abortedGenerations: 2,
    promptTokensEvaluated: 1_000,
    promptTokensCached: 4_000,
    outputTokens: 250,
    promptTokensPending: 1_500,
    draftTokensAccepted: 30,
    draftTokensRejected: 10,
  };

  constructor() {
    super(async function* () {});
  }

  override stats(): EngineStats {
    return this.current;
  }
}

async function scrape(registry: Registry) {
  return parsePrometheusText(await registry.metrics());
}

describe("registerEngineMetrics", () => {
  it("reads engine.stats() at scrape time into counters and gauges", async () => {
    const registry = new Registry();
    const engine = new StatsEngine();
    registerEngineMetrics(registry, engine);
    const samples = await scrape(registry);
    expect(sampleValue(samples, "pensieve_prompt_tokens_evaluated_total")).toBe(1_000);
    expect(sampleValue(samples, "pensieve_prompt_tokens_cached_total")).toBe(4_000);
    expect(sampleValue(samples, "pensieve_output_tokens_total")).toBe(250);
    expect(sampleValue(samples, "pensieve_generations_completed_total")).toBe(10);
    expect(sampleValue(samples, "pensieve_generations_aborted_total")).toBe(2);
    expect(sampleValue(samples, "pensieve_sequences")).toBe(2);
    expect(sampleValue(samples, "pensieve_sequences_busy")).toBe(1);
    expect(sampleValue(samples, "pensieve_sequences_abandoned")).toBe(1);
    expect(sampleValue(samples, "pensieve_queue_depth")).toBe(3);
    expect(sampleValue(samples, "pensieve_prompt_tokens_pending")).toBe(1_500);
    expect(sampleValue(samples, "pensieve_model_ready")).toBe(1);
    expect(sampleValue(samples, "pensieve_speculative_draft_tokens_accepted_total")).toBe(30);
    expect(sampleValue(samples, "pensieve_speculative_draft_tokens_rejected_total")).toBe(10);
    expect(sampleValue(samples, "pensieve_speculative_acceptance_ratio")).toBe(0.75);
  });

  it("says an acceptance ratio of 0, not NaN, before any draft", async () => {
    const registry = new Registry();
    const engine = new StatsEngine();
    engine.current = { ...engine.current, draftTokensAccepted: 0, draftTokensRejected: 0 };
    registerEngineMetrics(registry, engine);
    expect(sampleValue(await scrape(registry), "pensieve_speculative_acceptance_ratio")).toBe(0);
  });

  it("reports the engine's running totals on every scrape rather than adding them up", async () => {
    const registry = new Registry();
    const engine = new StatsEngine();
    registerEngineMetrics(registry, engine);
    await scrape(registry);
    engine.current = { ...engine.current, outputTokens: 300, busySequences: 0 };
    const samples = await scrape(registry);
    expect(sampleValue(samples, "pensieve_output_tokens_total")).toBe(300);
    expect(sampleValue(samples, "pensieve_sequences_busy")).toBe(0);
  });

  it("types counters as counters, so rate() works on them", async () => {
    const registry = new Registry();
    registerEngineMetrics(registry, new StatsEngine());
    const text = await registry.metrics();
    expect(text).toContain("# TYPE pensieve_output_tokens_total counter");
    expect(text).toContain("# TYPE pensieve_queue_depth gauge");
  });

  it("says 0 for model_ready while loading or after a failed load", async () => {
    const registry = new Registry();
    const engine = new StatsEngine();
    registerEngineMetrics(registry, engine);
    engine.status = { state: "loading", model: null };
    expect(sampleValue(await scrape(registry), "pensieve_model_ready")).toBe(0);
    engine.status = { state: "failed", model: null, reason: "bad file" };
    expect(sampleValue(await scrape(registry), "pensieve_model_ready")).toBe(0);
  });
});
