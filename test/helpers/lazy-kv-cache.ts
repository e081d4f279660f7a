import type { Llama } from "node-llama-cpp";
import { estimateModelMemory } from "../../src/engine/llama/estimate-model-memory.js";
import type { ModelMemoryShape } from "../../src/models/model-memory-shape.js";

/**
 * Whether llama.cpp's KV cache takes memory as it fills rather than when it is made: the patch's change to llama.cpp,
 * in a build from source (`npm run build:engine`), on Linux (madvise).
 */
export function hasLazyKvCache(llama: Pick<Llama, "buildType">): boolean {
  return llama.buildType === "localBuild" && process.platform === "linux";
}

/** The estimate's KV cache for the cells the first `tokens` of one sequence reach: what of a lazy cache is resident. */
export function filledKvCacheBytes(shape: ModelMemoryShape, tokens: number, batchSize?: number): number {
  return estimateModelMemory(shape, { contextSize: tokens, sequences: 1, ...(batchSize === undefined ? {} : { batchSize }) }).kvCacheBytes;
}
