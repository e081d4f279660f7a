import { Gauge, type Registry } from "prom-client";
import type { Engine, EngineStats } from "../../engine/engine.js";
import { registerTotalsCounter } from "./register-totals-counter.js";

type CountedStat =
  | "completedGenerations"
  | "abortedGenerations"
  | "promptTokensEvaluated"
  | "promptTokensCached"
  | "outputTokens"
  | "draftTokensAccepted"
  | "draftTokensRejected";
type GaugedStat = "sequences" | "busySequences" | "abandonedSequences" | "queuedRequests" | "promptTokensPending";

const counters: readonly { readonly name: string; readonly help: string; readonly stat: CountedStat }[] = [
  { name: "pensieve_generations_completed_total", help: "Generations that ran to their end.", stat: "completedGenerations" },
  { name: "pensieve_generations_aborted_total", help: "Generations ended early because their client went away.", stat: "abortedGenerations" },
  { name: "pensieve_prompt_tokens_evaluated_total", help: "Prompt tokens evaluated (prefill).", stat: "promptTokensEvaluated" },
  { name: "pensieve_prompt_tokens_cached_total", help: "Prompt tokens reused from a cached prefix instead of evaluated.", stat: "promptTokensCached" },
  { name: "pensieve_output_tokens_total", help: "Tokens generated.", stat: "outputTokens" },
  {
    name: "pensieve_speculative_draft_tokens_accepted_total",
    help: "Draft tokens of prompt-lookup speculative decoding that the model confirmed.",
    stat: "draftTokensAccepted",
  },
  {
    name: "pensieve_speculative_draft_tokens_rejected_total",
    help: "Draft tokens of prompt-lookup speculative decoding that the model refuted.",
    stat: "draftTokensRejected",
  },
];

const gauges: readonly { readonly name: string; readonly help: string; readonly stat: GaugedStat }[] = [
  { name: "pensieve_sequences", help: "Context sequences the engine decodes in parallel.", stat: "sequences" },
  { name: "pensieve_sequences_busy", help: "Sequences serving a generation now.", stat: "busySequences" },
  { name: "pensieve_sequences_abandoned", help: "Busy sequences whose client left, finishing their current batch.", stat: "abandonedSequences" },
  { name: "pensieve_queue_depth", help: "Requests waiting for a free sequence.", stat: "queuedRequests" },
  { name: "pensieve_prompt_tokens_pending", help: "Prompt tokens running generations have still to evaluate.", stat: "promptTokensPending" },
];

/**
 * The engine's counters and gauges, read from `engine.stats()` when Prometheus scrapes: nothing is pushed, so
 * inference pays nothing for metrics between scrapes.
 */
export function registerEngineMetrics(registry: Registry, engine: Engine): void {
  const registers = [registry];
  // One stats() call per scrape would need a shared cache; the call is documented as cheap, so each reads it.
  const read = (stat: keyof EngineStats): number => engine.stats()[stat];
  for (const { name, help, stat } of counters) registerTotalsCounter(registry, { name, help, totals: () => [[{}, read(stat)]] });
  for (const { name, help, stat } of gauges) {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(stat));
      },
    });
  }
  new Gauge({
    name: "pensieve_speculative_acceptance_ratio",
    help: "Share of speculative draft tokens the model confirmed, since start; 0 before any draft.",
    registers,
    collect() {
      const { draftTokensAccepted: accepted, draftTokensRejected: rejected } = engine.stats();
      this.set(accepted + rejected === 0 ? 0 : accepted / (accepted + rejected));
    },
  });
  new Gauge({
    name: "pensieve_model_ready",
    help: "1 when the model is loaded and serving, 0 while loading or after a failed load.",
    registers,
    collect() {
      this.set(engine.status.state === "ready" ? 1 : 0);
    },
  });
}
