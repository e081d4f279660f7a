import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readGgufFileInfo } from "node-llama-cpp";
import { estimateModelMemory, type ModelMemoryEstimate } from "../../src/engine/llama/estimate-model-memory.js";
import { memoryShapeFromGguf } from "../../src/engine/llama/memory-shape-from-gguf.js";
import { cpuHasAmx } from "../../src/util/cpu-has-amx.js";
import { filledKvCacheBytes } from "./lazy-kv-cache.js";
import { repoRoot } from "./test-models.js";

const run = promisify(execFile);

export interface MemoryLoad {
  readonly modelPath: string;
  readonly contextSize: number;
  readonly sequences: number;
  readonly promptTokens: number;
}

/** What llama.cpp reported for one load (test/helpers/measure-llama-buffers.ts). */
export interface MeasuredLoad {
  readonly modelBytes: number;
  readonly kvCacheBytes: number;
  readonly recurrentStateBytes: number;
  readonly computeBytes: number;
  readonly outputBytes: number;
  readonly checkpointBytes: number;
  readonly needsCheckpoints: boolean;
  /** RSS growth over the load, a prompt and a checkpoint: clean only for the first load of a process. */
  readonly measuredBytes: number;
  /** Whether the KV cache takes memory as it fills (the patch, in a build from source) rather than when it is made. */
  readonly lazyKvCache: boolean;
}

export interface ComparedLoad {
  readonly estimate: ModelMemoryEstimate;
  readonly measured: MeasuredLoad;
  /**
   * The estimate's KV cache as far as the prompt has filled it (one sequence): all of it that is resident where the
   * cache takes its pages as it fills (`measured.lazyKvCache`); elsewhere llama.cpp writes the whole cache at once.
   */
  readonly filledKvCacheBytes: number;
}

/**
 * The memory estimate of each load beside what llama.cpp reports for it, measured one after another in one
 * process of their own (the runtime's start costs seconds, so loads share it).
 */
export async function compareMemoryEstimates(loads: readonly MemoryLoad[]): Promise<ComparedLoad[]> {
  const estimates = await Promise.all(
    loads.map(async (load) => {
      // The measuring process runs on the CPU, as the server does on this machine.
      const shape = memoryShapeFromGguf(await readGgufFileInfo(load.modelPath, { readTensorInfo: true }), { amxWeights: cpuHasAmx() });
      // The measuring process takes one checkpoint: estimate as many, so the total compares with its RSS.
      const estimate = estimateModelMemory(shape, { contextSize: load.contextSize, sequences: load.sequences, checkpointsPerSequence: 1 });
      const filled = filledKvCacheBytes(shape, load.promptTokens, Math.min(load.contextSize * load.sequences, 512));
      return { estimate, filledKvCacheBytes: Math.min(filled, estimate.kvCacheBytes) };
    }),
  );
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "test/helpers/measure-llama-buffers.ts", ...loads.flatMap((load) => [load.modelPath, load.contextSize, load.sequences, load.promptTokens].map(String))],
    { cwd: repoRoot, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 },
  );
  const measured = stdout
    .trim()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as MeasuredLoad);
  if (measured.length !== loads.length) throw new Error(`measured ${measured.length} of ${loads.length} loads:\n${stdout}`);
  return estimates.map((estimated, index) => ({ ...estimated, measured: measured[index] as MeasuredLoad }));
}
