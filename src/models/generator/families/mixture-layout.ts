import type { GgufValue } from "../../gguf/gguf-value.js";
import type { FamilyLayout, FamilyTensorSlot } from "./family-layout.js";
import { attentionMetadata, attentionProjections, expertMetadata, normSlot } from "./family-layout.js";
import type { MixtureFamilyShape } from "./family-shape.js";

/**
 * The tensors and metadata llama.cpp's `qwen3moe` loads (src/models/qwen3moe.cpp): attention with query and key
 * norms, and a mixture of experts in every layer.
 */
export function mixtureLayout(shape: MixtureFamilyShape, vocabularySize: number): FamilyLayout {
  const embedding = shape.embeddingLength;
  const { experts } = shape;
  const queryWidth = shape.headDimension * shape.headCount;
  const keyValueWidth = shape.headDimension * shape.headCountKv;
  const tensors: FamilyTensorSlot[] = [
    { name: "token_embd.weight", dimensions: [embedding, vocabularySize], role: shape.tiedEmbeddings ? "output-projection" : "matrix" },
    normSlot("output_norm.weight", embedding),
  ];
  if (!shape.tiedEmbeddings) tensors.push({ name: "output.weight", dimensions: [embedding, vocabularySize], role: "output-projection" });
  for (let block = 0; block < shape.blockCount; block++) {
    const prefix = `blk.${block}`;
    tensors.push(
      normSlot(`${prefix}.attn_norm.weight`, embedding),
      ...attentionProjections(prefix, embedding, queryWidth, keyValueWidth),
      normSlot(`${prefix}.attn_k_norm.weight`, shape.headDimension),
      normSlot(`${prefix}.attn_q_norm.weight`, shape.headDimension),
      normSlot(`${prefix}.ffn_norm.weight`, embedding),
      { name: `${prefix}.ffn_gate_inp.weight`, dimensions: [embedding, experts.count], role: "matrix" },
      { name: `${prefix}.ffn_gate_exps.weight`, dimensions: [embedding, experts.feedForwardLength, experts.count], role: "matrix" },
      { name: `${prefix}.ffn_down_exps.weight`, dimensions: [experts.feedForwardLength, embedding, experts.count], role: "matrix" },
      { name: `${prefix}.ffn_up_exps.weight`, dimensions: [embedding, experts.feedForwardLength, experts.count], role: "matrix" },
    );
  }

  const metadata: Array<readonly [string, GgufValue]> = [
    ...attentionMetadata(shape),
    ...expertMetadata(experts),
  ];
  return { architecture: shape.architecture, metadata, tensors };
}
