import type { ModelShape } from "./model-shapes.js";

/** One tensor of a llama-architecture model: its name, ggml dimensions, and what kind of weight it is. */
export interface LlamaTensorSlot {
  readonly name: string;
  /** ne0 (the input dimension) first, as ggml stores it. */
  readonly dimensions: readonly number[];
  /**
   * Norm weights are F32 vectors; matrices take the model's weight type; the output projection (the tied token
   * embedding when there is no `output.weight`) takes the type llama.cpp's quantizer gives it.
   */
  readonly role: "norm" | "matrix" | "output-projection";
}

/** The tensors llama.cpp's llama architecture loads for a shape, in writing order. */
export function llamaTensorLayout(shape: ModelShape, vocabularySize: number): LlamaTensorSlot[] {
  const embedding = shape.embeddingLength;
  const headDimension = embedding / shape.headCount;
  const keyValueWidth = headDimension * shape.headCountKv;
  const slots: LlamaTensorSlot[] = [
    { name: "token_embd.weight", dimensions: [embedding, vocabularySize], role: shape.tiedEmbeddings ? "output-projection" : "matrix" },
  ];
  for (let block = 0; block < shape.blockCount; block++) {
    const prefix = `blk.${block}`;
    slots.push(
      { name: `${prefix}.attn_norm.weight`, dimensions: [embedding], role: "norm" },
      { name: `${prefix}.attn_q.weight`, dimensions: [embedding, embedding], role: "matrix" },
      { name: `${prefix}.attn_k.weight`, dimensions: [embedding, keyValueWidth], role: "matrix" },
      { name: `${prefix}.attn_v.weight`, dimensions: [embedding, keyValueWidth], role: "matrix" },
      { name: `${prefix}.attn_output.weight`, dimensions: [embedding, embedding], role: "matrix" },
      { name: `${prefix}.ffn_norm.weight`, dimensions: [embedding], role: "norm" },
      { name: `${prefix}.ffn_gate.weight`, dimensions: [embedding, shape.feedForwardLength], role: "matrix" },
      { name: `${prefix}.ffn_up.weight`, dimensions: [embedding, shape.feedForwardLength], role: "matrix" },
      { name: `${prefix}.ffn_down.weight`, dimensions: [shape.feedForwardLength, embedding], role: "matrix" },
    );
  }
  slots.push({ name: "output_norm.weight", dimensions: [embedding], role: "norm" });
  // Without output.weight, llama.cpp projects with the token embedding: the tied-embedding layout.
  if (!shape.tiedEmbeddings) slots.push({ name: "output.weight", dimensions: [embedding, vocabularySize], role: "output-projection" });
  return slots;
}
