import { Gauge, type Registry } from "prom-client";
import type { Engine, UpstreamStats } from "../../engine/engine.js";
import { registerTotalsCounter } from "./register-totals-counter.js";

type CountedStat = "requests" | "failures" | "failovers" | "affinityHits" | "promptTokens" | "cachedTokens" | "outputTokens";

const counters: readonly { readonly name: string; readonly help: string; readonly stat: CountedStat }[] = [
  { name: "pensieve_upstream_requests_total", help: "Generation attempts sent to each upstream endpoint.", stat: "requests" },
  { name: "pensieve_upstream_failures_total", help: "Attempts an upstream endpoint failed (unreachable, reset, 429, 5xx).", stat: "failures" },
  { name: "pensieve_upstream_failovers_total", help: "Requests an endpoint took over after another failed them before their first content.", stat: "failovers" },
  { name: "pensieve_upstream_affinity_hits_total", help: "Requests served by their conversation's own endpoint (first in its rendezvous order).", stat: "affinityHits" },
  { name: "pensieve_upstream_prompt_tokens_total", help: "Prompt tokens an upstream endpoint evaluated (its cached prefix not counted).", stat: "promptTokens" },
  { name: "pensieve_upstream_cached_tokens_total", help: "Prompt tokens an upstream endpoint reported as reused from its prefix cache.", stat: "cachedTokens" },
  { name: "pensieve_upstream_output_tokens_total", help: "Tokens an upstream endpoint generated.", stat: "outputTokens" },
];

/**
 * Each upstream endpoint's health, load and counters, labelled `upstream` (its URL) and `pool` (its model), read
 * from `engine.upstreams()` at each scrape. Nothing is registered with values when every model is local.
 */
export function registerUpstreamMetrics(registry: Registry, engine: Engine): void {
  const registers = [registry];
  const each = (set: (labels: { upstream: string; pool: string }, stats: UpstreamStats) => void): void => {
    for (const stats of engine.upstreams?.() ?? []) set({ upstream: stats.url, pool: stats.pool }, stats);
  };
  new Gauge({
    name: "pensieve_upstream_up",
    help: "1 while an upstream endpoint serves its model and its circuit breaker is closed.",
    labelNames: ["upstream", "pool"],
    registers,
    collect() {
      each((labels, stats) => this.set(labels, stats.up ? 1 : 0));
    },
  });
  new Gauge({
    name: "pensieve_upstream_in_flight",
    help: "Requests an upstream endpoint is serving now.",
    labelNames: ["upstream", "pool"],
    registers,
    collect() {
      each((labels, stats) => this.set(labels, stats.inFlight));
    },
  });
  const totalsOf = (stat: CountedStat) => (): Array<readonly [{ upstream: string; pool: string }, number]> =>
    (engine.upstreams?.() ?? []).map((stats) => [{ upstream: stats.url, pool: stats.pool }, stats[stat]]);
  for (const { name, help, stat } of counters) {
    registerTotalsCounter(registry, { name, help, labelNames: ["upstream", "pool"], totals: totalsOf(stat) });
  }
}
