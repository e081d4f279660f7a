import { GgmlType, type LlamaContext, type LlamaModel } from "node-llama-cpp";

const bytesPerElement: Readonly<Record<string, number>> = { F32: 4, F16: 2, BF16: 2, Q8_0: 34 / 32, Q4_0: 18 / 32 };

/**
 * The KV cache llama.cpp allocates for a context: keys and values of every layer for every cell of every
 * sequence. Read from the model's attention shape; hybrid and sliding-window models hold less, so it is an upper bound.
 */
export function kvCacheBytes(model: LlamaModel, context: LlamaContext, sequences: number): number {
  const metadata = model.fileInfo.architectureMetadata as Record<string, unknown> & { attention?: Record<string, unknown> };
  const number = (value: unknown, fallback: number): number => (typeof value === "number" && value > 0 ? value : fallback);
  const embedding = number(metadata["embedding_length"], 0);
  const heads = number(metadata.attention?.["head_count"], 1);
  const kvHeads = number(metadata.attention?.["head_count_kv"], heads);
  const keyWidth = number(metadata.attention?.["key_length"], embedding / heads) * kvHeads;
  const valueWidth = number(metadata.attention?.["value_length"], embedding / heads) * kvHeads;
  const layers = number(metadata["block_count"], 0);
  const cells = context.contextSize * sequences;
  const keyBytes = bytesPerElement[GgmlType[context.kvCacheKeyType]] ?? 2;
  const valueBytes = bytesPerElement[GgmlType[context.kvCacheValueType]] ?? 2;
  return Math.round(layers * cells * (keyWidth * keyBytes + valueWidth * valueBytes));
}
