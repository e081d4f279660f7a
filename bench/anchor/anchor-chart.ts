import { readFile } from "node:fs/promises";
import type { FigureResult } from "./anchor-figures.js";
import { benchChart } from "./bench-chart.js";

/** What the chart reads from an anchor run's results JSON (`bench/results/anchor-llama-server-<time>.json`). */
export interface AnchorChartSource {
  readonly date: string;
  readonly machine: { readonly cpuModel: string };
  readonly llamaCpp: { readonly commit: string; readonly release: string };
  readonly model: { readonly shape: string; readonly type: string };
  readonly settings: { readonly threads: number; readonly decodeThreads: number; readonly runs: number };
  readonly figures: readonly FigureResult[];
}

/** The chart of one anchor run, titled with its model, threads, llama.cpp build, runs, date and CPU. */
export function anchorChart(result: AnchorChartSource): string {
  const { model, settings, llamaCpp } = result;
  return benchChart({
    title: "Pensieve vs llama-server, same GGUF",
    subtitle:
      `${model.shape} ${model.type}, ${settings.threads} threads (${settings.decodeThreads} decode), llama.cpp ${llamaCpp.release} ` +
      `${llamaCpp.commit.slice(0, 8)}, median of ${settings.runs}, ${result.date.slice(0, 10)}, ${result.machine.cpuModel}`,
    figures: result.figures,
  });
}

/** Reads a saved results JSON, refusing one that is not an anchor run's. */
export async function readAnchorResults(file: string): Promise<AnchorChartSource> {
  const result = JSON.parse(await readFile(file, "utf8")) as Partial<AnchorChartSource> & { against?: unknown };
  if (result.against !== "llama-server" || !Array.isArray(result.figures) || result.settings === undefined || result.llamaCpp === undefined) {
    throw new Error(`${file}: not the results of an anchor run (npm run bench -- --anchor llama-server)`);
  }
  return result as AnchorChartSource;
}
