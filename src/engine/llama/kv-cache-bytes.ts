import { GgmlType, type LlamaContext, type LlamaModel } from "node-llama-cpp";
import { estimateModelMemory } from "./estimate-model-memory.js";
import { memoryShapeFromGguf } from "./memory-shape-from-gguf.js";

const bytesPerElement: Readonly<Record<string, number>> = { F32: 4, F16: 2, BF16: 2, Q8_0: 34 / 32, Q4_0: 18 / 32 };

/**
 * The per-context state llama.cpp allocates: keys and values of the attention layers that own a KV cache
 * (window-sized for sliding-window layers) for every sequence, plus recurrent layers' state. Read from the
 * model's shape, the way `estimateModelMemory` works it out.
 */
export function kvCacheBytes(model: LlamaModel, context: LlamaContext, sequences: number): number {
  const keyBytes = bytesPerElement[GgmlType[context.kvCacheKeyType]] ?? 2;
  const valueBytes = bytesPerElement[GgmlType[context.kvCacheValueType]] ?? 2;
  const estimate = estimateModelMemory(memoryShapeFromGguf(model.fileInfo), {
    contextSize: context.contextSize,
    sequences,
    batchSize: context.batchSize,
    kvElementBytes: (keyBytes + valueBytes) / 2,
  });
  return Math.round(estimate.kvCacheBytes + estimate.recurrentStateBytes);
}
