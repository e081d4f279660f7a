import type { GgufValue } from "../../src/models/gguf/gguf-value.js";
import type { GgufHeaderEdit, MutatedTensorInfo } from "./mutated-gguf.js";

// Edits of the tiny test model (llama: 2 layers, embedding 64, 4 heads of 16, 2 key/value heads, feed-forward
// 128) into each layout whose tensor shapes inspectGguf checks. llama.cpp loads every one of them
// (test/integration/models-gguf-fuzz.test.ts), so the checks describe llama.cpp and refuse none of them.

const layers = [0, 1];
const f32 = (extent: bigint): MutatedTensorInfo => ({ dimensions: [extent], typeId: 0 });
const q8 = (width: bigint, height: bigint): MutatedTensorInfo => ({ dimensions: [width, height], typeId: 8 });
const uint32 = (value: number): GgufValue => ({ type: "uint32", value });
const perLayer = (make: (layer: number) => [string, MutatedTensorInfo | undefined][]): Map<string, MutatedTensorInfo | undefined> =>
  new Map(layers.flatMap(make));

/** Heads 32 wide (not embedding / heads), as Qwen3 and Mistral Nemo have. */
function wideHeads(architecture: string): GgufHeaderEdit {
  return {
    architecture,
    metadata: new Map([
      [`${architecture}.attention.key_length`, uint32(32)],
      [`${architecture}.attention.value_length`, uint32(32)],
      [`${architecture}.rope.dimension_count`, uint32(32)],
    ]),
    tensors: perLayer((layer) => [
      [`blk.${layer}.attn_q.weight`, q8(64n, 128n)],
      [`blk.${layer}.attn_k.weight`, q8(64n, 64n)],
      [`blk.${layer}.attn_v.weight`, q8(64n, 64n)],
      [`blk.${layer}.attn_output.weight`, q8(128n, 64n)],
      ...(architecture === "qwen3"
        ? ([
            [`blk.${layer}.attn_q_norm.weight`, f32(32n)],
            [`blk.${layer}.attn_k_norm.weight`, f32(32n)],
          ] as [string, MutatedTensorInfo][])
        : []),
    ]),
  };
}

const phi3FeedForward = (layer: number): [string, MutatedTensorInfo | undefined][] => [
  [`blk.${layer}.ffn_gate.weight`, undefined],
  [`blk.${layer}.ffn_up.weight`, q8(64n, 256n)],
];

export const wellFormedLayouts: readonly (readonly [string, GgufHeaderEdit])[] = [
  ["llama as generated", {}],
  ["llama with tied embeddings", { tensors: new Map([["output.weight", undefined]]) }],
  ["llama with rope frequency factors", { tensors: new Map([["rope_freqs.weight", f32(8n)]]) }],
  ["llama with wide heads", wideHeads("llama")],
  ["llama with per-layer arrays of one value", { metadata: new Map([["llama.attention.head_count", { type: "array", elementType: "int32", values: [4, 4] }]]) }],
  ["qwen2", { architecture: "qwen2" }],
  [
    "qwen2 with query, key and value biases",
    { architecture: "qwen2", tensors: perLayer((layer) => [[`blk.${layer}.attn_q.bias`, f32(64n)], [`blk.${layer}.attn_k.bias`, f32(32n)], [`blk.${layer}.attn_v.bias`, f32(32n)]]) },
  ],
  ["qwen3", { architecture: "qwen3", tensors: perLayer((layer) => [[`blk.${layer}.attn_q_norm.weight`, f32(16n)], [`blk.${layer}.attn_k_norm.weight`, f32(16n)]]) }],
  ["qwen3 with wide heads", wideHeads("qwen3")],
  ["phi3", { architecture: "phi3", tensors: perLayer(phi3FeedForward) }],
  ["phi3 with a sliding window", { architecture: "phi3", metadata: new Map([["phi3.attention.sliding_window", uint32(8)]]), tensors: perLayer(phi3FeedForward) }],
  [
    "phi3 with fused query, key and value",
    {
      architecture: "phi3",
      tensors: perLayer((layer) => [
        ...phi3FeedForward(layer),
        [`blk.${layer}.attn_q.weight`, undefined],
        [`blk.${layer}.attn_k.weight`, undefined],
        [`blk.${layer}.attn_v.weight`, undefined],
        [`blk.${layer}.attn_qkv.weight`, q8(64n, 128n)],
      ]),
    },
  ],
  ["llama with YaRN rope scaling", { metadata: new Map([["llama.rope.scaling.type", { type: "string", value: "yarn" }]]) }],
];
