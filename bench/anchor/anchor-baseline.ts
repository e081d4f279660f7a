/**
 * Ratios against llama-server in the regression baselines (`bench/baselines/regression-<vocabulary>.json`): an
 * optional `anchor` entry beside the regression figures, written by `npm run bench -- --anchor llama-server
 * --update-baseline` and checked by the same command with `--check`. A baseline without it stays valid, and
 * `npm run bench:check -- --update-baseline` keeps it when it rewrites the rest.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import type { Better } from "./anchor-figures.js";
import type { AnchorKernels } from "./llama-server-kernels.js";

/** How much worse a ratio may get before the check fails: 10 % of the baseline's ratio. */
export const defaultAnchorTolerance = 0.1;

export interface AnchorRatio {
  /** Pensieve / llama-server. */
  readonly ratio: number;
  readonly better: Better;
}

export interface AnchorBaseline {
  readonly against: "llama-server";
  readonly date: string;
  readonly llamaCppCommit: string;
  readonly model: { readonly shape: string; readonly type: string; readonly file: string };
  readonly threads: number;
  readonly decodeThreads: number;
  readonly runs: number;
  /**
   * Whose CPU kernels llama-server ran: node-llama-cpp's `prebuilt` ones (Pensieve's), its own `native` build's, or
   * those of a binary `given` with `--llama-server`. Absent in baselines written before 4 December: `native`.
   */
  readonly llamaServerKernels?: AnchorKernels;
  /** Figure id (`decode@2600`, `aggregate@4`, …) → its ratio. */
  readonly ratios: Readonly<Record<string, AnchorRatio>>;
}

/**
 * The figures whose ratio lost more than `tolerance` against the baseline, as lines to print; figures missing
 * on either side are not compared. Throughput must not fall, latency and memory must not grow, relative to
 * llama-server.
 */
export function compareAnchorRatios(
  current: Readonly<Record<string, AnchorRatio>>,
  baseline: Readonly<Record<string, AnchorRatio>>,
  tolerance = defaultAnchorTolerance,
): string[] {
  const failures: string[] = [];
  for (const [id, before] of Object.entries(baseline)) {
    const now = current[id];
    if (now === undefined) continue;
    const lost = before.better === "higher" ? now.ratio < before.ratio * (1 - tolerance) : now.ratio > before.ratio * (1 + tolerance);
    if (lost) {
      const change = ((now.ratio / before.ratio - 1) * 100).toFixed(1);
      failures.push(`${id}: ratio ${now.ratio.toFixed(3)} vs baseline ${before.ratio.toFixed(3)} (${change} %, ${before.better} is better, tolerance ${tolerance * 100} %)`);
    }
  }
  return failures;
}

/**
 * Why two anchor runs cannot be compared (another model, threads, llama.cpp or llama-server's CPU kernels), or
 * `null` when they can. A binary given with `--llama-server` is never compared: how it was built is not known.
 */
export function anchorMismatch(current: AnchorBaseline, baseline: AnchorBaseline): string | null {
  if (current.llamaServerKernels === "given" || baseline.llamaServerKernels === "given") {
    return `${current.llamaServerKernels === "given" ? "this run" : "the baseline"} ran a llama-server given with --llama-server, whose build is not known`;
  }
  // Kernels too: against the native build the ratios measured its kernels as much as the servers (4 December).
  const describe = (entry: AnchorBaseline) =>
    `${entry.model.shape} ${entry.model.type}, ${entry.threads} threads (${entry.decodeThreads} decode), llama.cpp ${entry.llamaCppCommit.slice(0, 8)}, llama-server on ${entry.llamaServerKernels ?? "native"} CPU kernels`;
  return describe(current) === describe(baseline) ? null : `the baseline's anchor ratios were measured with ${describe(baseline)}, this run with ${describe(current)}`;
}

/** The `anchor` entry of a baseline file, or `null` when the file or the entry is absent. */
export async function readAnchorBaseline(baselinePath: string): Promise<AnchorBaseline | null> {
  if (!existsSync(baselinePath)) return null;
  const content = JSON.parse(await readFile(baselinePath, "utf8")) as { anchor?: AnchorBaseline };
  return content.anchor ?? null;
}

/** Sets the `anchor` entry of an existing baseline file, keeping everything else in it. */
export async function writeAnchorBaseline(baselinePath: string, anchor: AnchorBaseline): Promise<void> {
  if (!existsSync(baselinePath)) {
    throw new Error(`${baselinePath} does not exist: write the regression baseline first (npm run bench:check -- --update-baseline)`);
  }
  const content = JSON.parse(await readFile(baselinePath, "utf8")) as Record<string, unknown>;
  await writeFile(baselinePath, `${JSON.stringify({ ...content, anchor }, null, 2)}\n`);
}

/** `record` with the `anchor` entry of the baseline file it replaces, so rewriting the regression figures keeps it. */
export async function keepAnchorBaseline<T extends object>(baselinePath: string, record: T): Promise<T & { anchor?: AnchorBaseline }> {
  const anchor = await readAnchorBaseline(baselinePath).catch(() => null);
  return anchor === null ? record : { ...record, anchor };
}
