import { describeRatio, median, type FigureResult, type Sample } from "./anchor-figures.js";

/**
 * The figures as a table on stdout: both medians, the ratio and its direction, then each run's own ratio (the spread
 * that drift between runs leaves), then the token counts behind them.
 */
export function printAnchorTable(modelFile: string, threads: number, decodeThreads: number, runs: number, figures: readonly FigureResult[]): void {
  const labelWidth = Math.max(20, ...figures.map((figure) => figure.label.length + figure.unit.length + 3));
  console.log(`\n${modelFile}, ${threads} threads (${decodeThreads} decode), median of ${runs} run(s); ratio = Pensieve / llama-server`);
  console.log(`${"".padEnd(labelWidth)} ${"Pensieve".padStart(10)} ${"llama-server".padStart(12)} ${"ratio".padStart(7)}`);
  for (const figure of figures) {
    const better = figure.better === "higher" ? "higher is better" : "lower is better";
    console.log(
      `${`${figure.label} (${figure.unit})`.padEnd(labelWidth)} ${format(figure.pensieve, figure.unit).padStart(10)} ${format(figure.llamaServer, figure.unit).padStart(12)} ${figure.ratio.toFixed(3).padStart(7)}  ${better}: ${describeRatio(figure)}`,
    );
  }
  const pairedLines = figures.flatMap(({ id, pairedRatios: ratios }) =>
    ratios === null ? [] : [`  ${id.padEnd(26)} ${[ratios.lowest, ratios.median, ratios.highest].map((ratio) => ratio.toFixed(3)).join("  ")}`],
  );
  if (pairedLines.length > 0) {
    console.log("\neach run's own ratio (Pensieve's run against the llama-server run beside it): lowest, median, highest");
    for (const line of pairedLines) console.log(line);
  }
  const withTokens = figures.filter((figure) => figure.runs.pensieve.some((sample) => sample.promptTokens !== undefined));
  if (withTokens.length > 0) {
    console.log("\ntokens per run (median), Pensieve / llama-server: prompt, of it cached, output");
    for (const figure of withTokens) {
      const pair = (field: keyof Omit<Sample, "value">) => `${count(figure.runs.pensieve, field)}/${count(figure.runs.llamaServer, field)}`;
      console.log(`  ${figure.id.padEnd(26)} prompt ${pair("promptTokens")}, cached ${pair("cachedTokens")}, output ${pair("outputTokens")}`);
    }
  }
}

function count(samples: readonly Sample[], field: keyof Omit<Sample, "value">): string {
  const values = samples.map((sample) => sample[field]).filter((value): value is number => value !== undefined);
  return values.length === 0 ? "–" : String(Math.round(median(values)));
}

function format(value: number, unit: string): string {
  return Math.abs(value) >= 100 || unit === "MB" ? value.toFixed(0) : value.toFixed(2);
}
