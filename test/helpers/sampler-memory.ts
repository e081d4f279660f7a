import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** How anonymous resident memory moved (bytes) around evaluations that each make a sampler: see sampler-memory-child.ts. */
export interface SamplerMemory {
  /** node-llama-cpp's `llama.buildType` in that process: `localBuild` for `npm run build:engine`'s. */
  readonly buildType: string;
  /** What a candidate array of the whole vocabulary takes. */
  readonly candidateArrayBytes: number;
  /** Growth while a greedy evaluation runs, over before it. */
  readonly greedyWhileGenerating: number;
  /** Growth while a sampled evaluation (temperature 0.8) runs. */
  readonly sampledWhileGenerating: number;
  /** What is left of that growth once the sampled evaluation has ended. */
  readonly sampledAfter: number;
}

const childScript = fileURLToPath(new URL("./sampler-memory-child.ts", import.meta.url));

/** Measures `SamplerMemory` for a model in a fresh process, whose allocator hands freed arrays back at once. */
export async function samplerMemory(modelPath: string): Promise<SamplerMemory> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", childScript, modelPath], {
    env: { ...process.env, MALLOC_MMAP_THRESHOLD_: "131072" },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as SamplerMemory;
}
