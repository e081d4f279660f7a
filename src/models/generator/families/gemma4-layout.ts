import type { GgufValue } from "../../gguf/gguf-value.js";
import type { FamilyLayout, FamilyTensorSlot } from "./family-layout.js";
import { attentionMetadata, attentionProjections, float32Value, normSlot, uint32Value } from "./family-layout.js";
import type { Gemma4FamilyShape } from "./family-shape.js";

/**
 * The tensors and metadata llama.cpp's `gemma4` loads (src/models/gemma4.cpp), for the dense models without
 * per-layer embeddings (31B): sliding-window layers with narrower heads, full-attention layers sharing one
 * `rope_freqs`, and norms after attention and after the feed-forward.
 */
export function gemma4Layout(shape: Gemma4FamilyShape, vocabularySize: number): FamilyLayout {
  const embedding = shape.embeddingLength;
  const tensors: FamilyTensorSlot[] = [
    { name: "token_embd.weight", dimensions: [embedding, vocabularySize], role: shape.tiedEmbeddings ? "output-projection" : "matrix" },
    normSlot("output_norm.weight", embedding),
  ];
  if (!shape.tiedEmbeddings) tensors.push({ name: "output.weight", dimensions: [embedding, vocabularySize], role: "output-projection" });
  let ropeFrequencies: FamilyTensorSlot | undefined;
  for (let block = 0; block < shape.blockCount; block++) {
    const prefix = `blk.${block}`;
    const slidingWindow = shape.slidingWindowPattern[block] ?? false;
    const headDimension = slidingWindow ? shape.headDimensionSlidingWindow : shape.headDimension;
    const queryWidth = headDimension * shape.headCount;
    const keyValueWidth = headDimension * shape.headCountKv;
    tensors.push(
      normSlot(`${prefix}.attn_norm.weight`, embedding),
      ...attentionProjections(prefix, embedding, queryWidth, keyValueWidth),
      normSlot(`${prefix}.attn_q_norm.weight`, headDimension),
      normSlot(`${prefix}.attn_k_norm.weight`, headDimension),
      normSlot(`${prefix}.post_attention_norm.weight`, embedding),
      normSlot(`${prefix}.ffn_norm.weight`, embedding),
      { name: `${prefix}.ffn_gate.weight`, dimensions: [embedding, shape.feedForwardLength], role: "matrix" },
      { name: `${prefix}.ffn_up.weight`, dimensions: [embedding, shape.feedForwardLength], role: "matrix" },
      { name: `${prefix}.ffn_down.weight`, dimensions: [shape.feedForwardLength, embedding], role: "matrix" },
      normSlot(`${prefix}.post_ffw_norm.weight`, embedding),
    );
    // Proportional RoPE: one set of frequency factors, read by every full-attention layer.
    if (!slidingWindow) ropeFrequencies ??= { name: "rope_freqs.weight", dimensions: [headDimension / 2], role: "constant", value: 1 };
  }
  if (ropeFrequencies !== undefined) tensors.push(ropeFrequencies);

  const metadata: Array<readonly [string, GgufValue]> = [
    ...attentionMetadata(shape),
    ["embedding_length_per_layer_input", uint32Value(0)],
    ["attention.key_length_swa", uint32Value(shape.headDimensionSlidingWindow)],
    ["attention.value_length_swa", uint32Value(shape.headDimensionSlidingWindow)],
    ["attention.sliding_window", uint32Value(shape.slidingWindow)],
    ["attention.sliding_window_pattern", { type: "array", elementType: "bool", values: shape.slidingWindowPattern }],
    ["rope.freq_base_swa", float32Value(shape.ropeFrequencyBaseSlidingWindow)],
    // Rotary width per kind of layer: llama.cpp would take the full layers' for both.
    ["rope.dimension_count", uint32Value(shape.headDimension)],
    ["rope.dimension_count_swa", uint32Value(shape.headDimensionSlidingWindow)],
    ["final_logit_softcapping", float32Value(shape.finalLogitSoftcapping)],
  ];
  return { architecture: shape.architecture, metadata, tensors };
}
