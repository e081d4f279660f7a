import type { ModelShape } from "../../src/models/generator/model-shapes.js";

/** llama.cpp's KV cache for a shape: F16 keys and values, for every layer and every token of every sequence. */
export function kvCacheBytes(shape: ModelShape, tokens: number): number {
  const { blockCount, embeddingLength, headCount, headCountKv } = shape;
  return blockCount * 2 * (embeddingLength / headCount) * headCountKv * 2 * tokens;
}
