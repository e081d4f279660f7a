import type { GgufValue } from "../../gguf/gguf-value.js";
import type { ExpertShape, FamilyShapeBase } from "./family-shape.js";

/** One tensor of a family model: its name, ggml dimensions (ne0 first), and what it holds. */
export interface FamilyTensorSlot {
  readonly name: string;
  readonly dimensions: readonly number[];
  /**
   * `matrix`: random weights of the model's type; `output-projection`: the same, in the type llama.cpp's quantizer
   * gives the output (or the tied embedding); `vector`: small random F32 values (biases, sinks, a convolution);
   * `constant`: F32, every element `value` (norm weights of 1, a recurrent decay).
   */
  readonly role: "matrix" | "output-projection" | "vector" | "constant";
  /** For `constant`: the value of every element. */
  readonly value?: number;
}

/** What a family model is made of: its architecture's metadata (keys without the architecture prefix) and tensors. */
export interface FamilyLayout {
  readonly architecture: string;
  readonly metadata: ReadonlyArray<readonly [string, GgufValue]>;
  readonly tensors: readonly FamilyTensorSlot[];
}

export const uint32Value = (value: number): GgufValue => ({ type: "uint32", value });
export const float32Value = (value: number): GgufValue => ({ type: "float32", value });

/** A norm weight: F32 ones. */
export function normSlot(name: string, length: number): FamilyTensorSlot {
  return { name, dimensions: [length], role: "constant", value: 1 };
}

/** A block's query, key, value and output projections, in the order every family's layout lists them. */
export function attentionProjections(prefix: string, embedding: number, queryWidth: number, keyValueWidth: number): FamilyTensorSlot[] {
  return [
    { name: `${prefix}.attn_q.weight`, dimensions: [embedding, queryWidth], role: "matrix" },
    { name: `${prefix}.attn_k.weight`, dimensions: [embedding, keyValueWidth], role: "matrix" },
    { name: `${prefix}.attn_v.weight`, dimensions: [embedding, keyValueWidth], role: "matrix" },
    { name: `${prefix}.attn_output.weight`, dimensions: [queryWidth, embedding], role: "matrix" },
  ];
}

/** The metadata every family states the same way: the transformer's dimensions. */
export function attentionMetadata(shape: FamilyShapeBase): Array<readonly [string, GgufValue]> {
  return [
    ["context_length", uint32Value(shape.contextLength)],
    ["embedding_length", uint32Value(shape.embeddingLength)],
    ["block_count", uint32Value(shape.blockCount)],
    ["feed_forward_length", uint32Value(shape.feedForwardLength)],
    ["attention.head_count", uint32Value(shape.headCount)],
    ["attention.head_count_kv", uint32Value(shape.headCountKv)],
    ["attention.key_length", uint32Value(shape.headDimension)],
    ["attention.value_length", uint32Value(shape.headDimension)],
    ["attention.layer_norm_rms_epsilon", float32Value(shape.rmsNormEpsilon)],
    ["rope.freq_base", float32Value(shape.ropeFrequencyBase)],
  ];
}

/** The metadata of a mixture of experts. */
export function expertMetadata(experts: ExpertShape): Array<readonly [string, GgufValue]> {
  return [
    ["expert_count", uint32Value(experts.count)],
    ["expert_used_count", uint32Value(experts.usedCount)],
    ["expert_feed_forward_length", uint32Value(experts.feedForwardLength)],
  ];
}
