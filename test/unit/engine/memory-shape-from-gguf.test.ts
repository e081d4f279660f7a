import type { GgufFileInfo } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { memoryShapeFromGguf } from "../../../src/engine/llama/memory-shape-from-gguf.js";

/** The parts of node-llama-cpp's parsed header that the reader looks at. */
function fileInfo(architecture: string, metadata: Record<string, unknown>, tensors: { name: string; ggmlType: number; dimensions: number[] }[] = []): GgufFileInfo {
  return {
    metadata: { general: { architecture }, tokenizer: { ggml: { tokens: Array.from({ length: 10 }, () => "t") } } },
    architectureMetadata: metadata,
    fullTensorInfo: tensors,
  } as unknown as GgufFileInfo;
}

const base = { block_count: 4, embedding_length: 64, feed_forward_length: 128, attention: { head_count: 2, head_count_kv: 1 } };

describe("memoryShapeFromGguf", () => {
  it("reads a plain transformer: every layer attention, head width from the embedding, vocabulary from the tokens", () => {
    const shape = memoryShapeFromGguf(fileInfo("llama", base, [{ name: "blk.0.attn_q.weight", ggmlType: 8, dimensions: [64, 64] }]));
    expect(shape.layers).toEqual(Array.from({ length: 4 }, () => ({ kind: "attention", keyWidth: 32, valueWidth: 32, slidingWindow: false })));
    expect(shape.vocabularySize).toBe(10);
    expect(shape.weightsBytes).toBe((64 * 64 * 34) / 32);
    expect(shape.experts).toBeUndefined();
    expect(shape.slidingWindow).toBeUndefined();
  });

  it("counts a tied embedding AMX can multiply by twice when the CPU holds weights in AMX buffers, and only then", () => {
    const q8Embedding = (rows: number, ggmlType = 8) => [{ name: "token_embd.weight", ggmlType, dimensions: [64, rows] }];
    const embeddingBytes = (64 * 64 * 34) / 32;
    const weights = (tensors: { name: string; ggmlType: number; dimensions: number[] }[], amxWeights?: boolean) =>
      memoryShapeFromGguf(fileInfo("llama", base, tensors), amxWeights === undefined ? {} : { amxWeights }).weightsBytes;
    expect(weights(q8Embedding(64), true)).toBe(2 * embeddingBytes);
    expect(weights(q8Embedding(64), false)).toBe(embeddingBytes);
    expect(weights(q8Embedding(64))).toBe(embeddingBytes);
    // An output projection of its own: nothing is tied.
    expect(weights([...q8Embedding(64), { name: "output.weight", ggmlType: 8, dimensions: [64, 64] }], true)).toBe(2 * embeddingBytes);
    // A type AMX has no kernel for (F32), a row length that is not a multiple of a Q4_K block, an output width AMX cannot tile.
    expect(weights(q8Embedding(64, 0), true)).toBe(64 * 64 * 4);
    expect(weights(q8Embedding(64, 12), true)).toBe((64 * 64 * 144) / 256);
    expect(weights(q8Embedding(48), true)).toBe((64 * 48 * 34) / 32);
  });

  it("marks Qwen3.5's Gated DeltaNet layers, leaves its MTP layers out, and sizes their state from ssm.*", () => {
    const metadata = { ...base, block_count: 9, nextn_predict_layers: 1, full_attention_interval: 4, ssm: { conv_kernel: 4, inner_size: 128, state_size: 32, group_count: 2 } };
    const shape = memoryShapeFromGguf(fileInfo("qwen35", metadata));
    expect(shape.layers.map((layer) => layer.kind)).toEqual(["recurrent", "recurrent", "recurrent", "attention", "recurrent", "recurrent", "recurrent", "attention"]);
    expect(shape.recurrent).toEqual({ stateWidth: 3 * (128 + 2 * 2 * 32) + 32 * 128, mixerWidth: 128 + 2 * 2 * 32 });
    const listed = memoryShapeFromGguf(fileInfo("qwen35moe", { ...metadata, attention: { ...base.attention, recurrent_layers: [true, false] }, expert_count: 8, expert_used_count: 2, expert_feed_forward_length: 32 }));
    expect(listed.layers.slice(0, 3).map((layer) => layer.kind)).toEqual(["recurrent", "attention", "attention"]);
    expect(listed.experts).toEqual({ feedForwardLength: 32, usedCount: 2 });
  });

  it("reads Gemma 4's window pattern, per-layer KV heads and head widths, shared KV layers, lazy and duplicated embeddings", () => {
    const metadata = {
      ...base,
      attention: { head_count: 2, head_count_kv: [2, 2, 1, 1], key_length: 64, value_length: 64, key_length_swa: 32, value_length_swa: 32, sliding_window: 128, sliding_window_pattern: [true, true, false, true], shared_kv_layers: 1 },
    };
    const tensors = [
      { name: "token_embd.weight", ggmlType: 0, dimensions: [64, 10] },
      { name: "per_layer_token_embd.weight", ggmlType: 0, dimensions: [64, 10] },
    ];
    const shape = memoryShapeFromGguf(fileInfo("gemma4", metadata, tensors));
    expect(shape.slidingWindow).toBe(128);
    expect(shape.layers).toEqual([
      { kind: "attention", keyWidth: 64, valueWidth: 64, slidingWindow: true },
      { kind: "attention", keyWidth: 64, valueWidth: 64, slidingWindow: true },
      { kind: "attention", keyWidth: 64, valueWidth: 64, slidingWindow: false },
      { kind: "shared" },
    ]);
    // The tied embedding twice (llama.cpp's Gemma 4 loader copies it), the lazily read per-layer one not at all.
    expect(shape.weightsBytes).toBe(2 * 64 * 10 * 4);
    const untied = memoryShapeFromGguf(fileInfo("gemma4", metadata, [...tensors, { name: "output.weight", ggmlType: 0, dimensions: [64, 10] }]));
    expect(untied.weightsBytes).toBe(2 * 64 * 10 * 4);
  });

  it("gives gpt-oss its default alternating window when the file has no pattern, and none without a window", () => {
    const shape = memoryShapeFromGguf(fileInfo("gpt-oss", { ...base, attention: { ...base.attention, sliding_window: 128 } }));
    expect(shape.layers.map((layer) => layer.kind === "attention" && layer.slidingWindow)).toEqual([true, false, true, false]);
    expect(memoryShapeFromGguf(fileInfo("gpt-oss", base)).slidingWindow).toBeUndefined();
    expect(memoryShapeFromGguf(fileInfo("mistral", { ...base, attention: { ...base.attention, sliding_window: 128 } })).slidingWindow).toBeUndefined();
  });
});
