import type { GgufValue } from "../../gguf/gguf-value.js";
import type { FamilyLayout, FamilyTensorSlot } from "./family-layout.js";
import { attentionMetadata, attentionProjections, expertMetadata, normSlot, uint32Value } from "./family-layout.js";
import type { GptOssFamilyShape } from "./family-shape.js";

/**
 * The tensors and metadata llama.cpp's `gpt-oss` loads (src/models/openai-moe.cpp): attention with sinks and an
 * output bias, sliding-window layers alternating with full ones (the default pattern of 2), and experts with
 * biases. gpt-oss never ties its output to the embedding.
 */
export function gptOssLayout(shape: GptOssFamilyShape, vocabularySize: number): FamilyLayout {
  const embedding = shape.embeddingLength;
  const { experts } = shape;
  const queryWidth = shape.headDimension * shape.headCount;
  const keyValueWidth = shape.headDimension * shape.headCountKv;
  const tensors: FamilyTensorSlot[] = [
    { name: "token_embd.weight", dimensions: [embedding, vocabularySize], role: "matrix" },
    normSlot("output_norm.weight", embedding),
    { name: "output.weight", dimensions: [embedding, vocabularySize], role: "output-projection" },
  ];
  for (let block = 0; block < shape.blockCount; block++) {
    const prefix = `blk.${block}`;
    tensors.push(
      normSlot(`${prefix}.attn_norm.weight`, embedding),
      normSlot(`${prefix}.post_attention_norm.weight`, embedding),
      ...attentionProjections(prefix, embedding, queryWidth, keyValueWidth),
      { name: `${prefix}.attn_output.bias`, dimensions: [embedding], role: "vector" },
      { name: `${prefix}.attn_sinks.weight`, dimensions: [shape.headCount], role: "vector" },
      { name: `${prefix}.ffn_gate_inp.weight`, dimensions: [embedding, experts.count], role: "matrix" },
      { name: `${prefix}.ffn_gate_inp.bias`, dimensions: [experts.count], role: "vector" },
      { name: `${prefix}.ffn_gate_exps.weight`, dimensions: [embedding, experts.feedForwardLength, experts.count], role: "matrix" },
      { name: `${prefix}.ffn_gate_exps.bias`, dimensions: [experts.feedForwardLength, experts.count], role: "vector" },
      { name: `${prefix}.ffn_up_exps.weight`, dimensions: [embedding, experts.feedForwardLength, experts.count], role: "matrix" },
      { name: `${prefix}.ffn_up_exps.bias`, dimensions: [experts.feedForwardLength, experts.count], role: "vector" },
      { name: `${prefix}.ffn_down_exps.weight`, dimensions: [experts.feedForwardLength, embedding, experts.count], role: "matrix" },
      { name: `${prefix}.ffn_down_exps.bias`, dimensions: [embedding, experts.count], role: "vector" },
    );
  }

  const metadata: Array<readonly [string, GgufValue]> = [
    ...attentionMetadata(shape),
    ["attention.sliding_window", uint32Value(shape.slidingWindow)],
    ...expertMetadata(experts),
  ];
  return { architecture: shape.architecture, metadata, tensors };
}
