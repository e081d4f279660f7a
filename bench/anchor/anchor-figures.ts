/** Which way a figure improves: throughput up, latency and memory down. */
export type Better = "higher" | "lower";

export interface FigureSpec {
  /** Stable key, also used by the baseline's anchor ratios: `decode@2600`, `aggregate@4`, … */
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  readonly better: Better;
}

/** One run's value of a figure, with the token counts behind it. */
export interface Sample {
  readonly value: number;
  readonly promptTokens?: number;
  readonly cachedTokens?: number;
  readonly outputTokens?: number;
}

export interface FigureResult extends FigureSpec {
  /** Median over the runs. */
  readonly pensieve: number;
  readonly llamaServer: number;
  /** Pensieve / llama-server. At least 1 is as good or better for `higher`, at most 1 for `lower`. */
  readonly ratio: number;
  /**
   * Each run's own ratio (Pensieve's run i against llama-server's run i, measured one after the other): their
   * lowest, median and highest. The machine's speed drifts between runs, and these show how far; `null` with fewer
   * than two pairs.
   */
  readonly pairedRatios: { readonly lowest: number; readonly median: number; readonly highest: number } | null;
  readonly runs: { readonly pensieve: readonly Sample[]; readonly llamaServer: readonly Sample[] };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function figureResult(spec: FigureSpec, pensieve: readonly Sample[], llamaServer: readonly Sample[]): FigureResult {
  const pensieveMedian = median(pensieve.map((sample) => sample.value));
  const llamaServerMedian = median(llamaServer.map((sample) => sample.value));
  return {
    ...spec,
    pensieve: pensieveMedian,
    llamaServer: llamaServerMedian,
    ratio: pensieveMedian / llamaServerMedian,
    pairedRatios: pairedRatios(pensieve, llamaServer),
    runs: { pensieve, llamaServer },
  };
}

function pairedRatios(pensieve: readonly Sample[], llamaServer: readonly Sample[]): FigureResult["pairedRatios"] {
  const ratios = pensieve.flatMap((sample, run) => {
    const other = llamaServer[run];
    return other === undefined ? [] : [sample.value / other.value];
  });
  if (ratios.length < 2) return null;
  return { lowest: Math.min(...ratios), median: median(ratios), highest: Math.max(...ratios) };
}

/** "Pensieve at 93 % of llama-server's speed" / "Pensieve uses 12 % more": the ratio in words, with its direction. */
export function describeRatio(figure: Pick<FigureResult, "ratio" | "better">): string {
  const percent = Math.round(Math.abs(figure.ratio - 1) * 100);
  if (!Number.isFinite(figure.ratio)) return "no ratio";
  if (percent === 0) return "even";
  const ahead = figure.better === "higher" ? figure.ratio > 1 : figure.ratio < 1;
  return `Pensieve ${percent} % ${ahead ? "better" : "worse"}`;
}
