import type { GgufValue } from "../../gguf/gguf-value.js";
import type { FamilyLayout, FamilyTensorSlot } from "./family-layout.js";
import { attentionMetadata, expertMetadata, normSlot, uint32Value } from "./family-layout.js";
import type { Qwen35FamilyShape } from "./family-shape.js";

// The decay of a Gated DeltaNet head is exp(a * softplus(...)): a negative `a` keeps the recurrent state bounded
// over any length, as trained models' -exp(A_log) does.
const deltaNetDecay = -0.5;

/**
 * The tensors and metadata llama.cpp's `qwen35` and `qwen35moe` load (src/models/qwen35.cpp, qwen35moe.cpp): every
 * layer but each `fullAttentionInterval`-th is a Gated DeltaNet layer; full-attention layers project a query and
 * its gate together and normalise queries and keys.
 */
export function qwen35Layout(shape: Qwen35FamilyShape, vocabularySize: number): FamilyLayout {
  const embedding = shape.embeddingLength;
  const { deltaNet } = shape;
  const keyWidth = deltaNet.headDimension * deltaNet.keyHeads;
  const valueWidth = deltaNet.headDimension * deltaNet.valueHeads;
  const attentionWidth = shape.headDimension * shape.headCount;
  const keyValueWidth = shape.headDimension * shape.headCountKv;
  const tensors: FamilyTensorSlot[] = [{ name: "token_embd.weight", dimensions: [embedding, vocabularySize], role: embeddingRole(shape) }];
  for (let block = 0; block < shape.blockCount; block++) {
    const prefix = `blk.${block}`;
    tensors.push(normSlot(`${prefix}.attn_norm.weight`, embedding), normSlot(`${prefix}.post_attention_norm.weight`, embedding));
    if ((block + 1) % shape.fullAttentionInterval === 0) {
      tensors.push(
        { name: `${prefix}.attn_q.weight`, dimensions: [embedding, attentionWidth * 2], role: "matrix" },
        { name: `${prefix}.attn_k.weight`, dimensions: [embedding, keyValueWidth], role: "matrix" },
        { name: `${prefix}.attn_v.weight`, dimensions: [embedding, keyValueWidth], role: "matrix" },
        { name: `${prefix}.attn_output.weight`, dimensions: [attentionWidth, embedding], role: "matrix" },
        normSlot(`${prefix}.attn_q_norm.weight`, shape.headDimension),
        normSlot(`${prefix}.attn_k_norm.weight`, shape.headDimension),
      );
    } else {
      tensors.push(
        { name: `${prefix}.attn_qkv.weight`, dimensions: [embedding, keyWidth * 2 + valueWidth], role: "matrix" },
        { name: `${prefix}.attn_gate.weight`, dimensions: [embedding, valueWidth], role: "matrix" },
        { name: `${prefix}.ssm_conv1d.weight`, dimensions: [deltaNet.convolutionKernel, keyWidth * 2 + valueWidth], role: "vector" },
        { name: `${prefix}.ssm_dt.bias`, dimensions: [deltaNet.valueHeads], role: "vector" },
        { name: `${prefix}.ssm_a`, dimensions: [deltaNet.valueHeads], role: "constant", value: deltaNetDecay },
        { name: `${prefix}.ssm_beta.weight`, dimensions: [embedding, deltaNet.valueHeads], role: "matrix" },
        { name: `${prefix}.ssm_alpha.weight`, dimensions: [embedding, deltaNet.valueHeads], role: "matrix" },
        normSlot(`${prefix}.ssm_norm.weight`, deltaNet.headDimension),
        { name: `${prefix}.ssm_out.weight`, dimensions: [valueWidth, embedding], role: "matrix" },
      );
    }
    tensors.push(...feedForwardSlots(shape, prefix));
  }
  tensors.push(normSlot("output_norm.weight", embedding));
  if (!shape.tiedEmbeddings) tensors.push({ name: "output.weight", dimensions: [embedding, vocabularySize], role: "output-projection" });

  const metadata: Array<readonly [string, GgufValue]> = [
    ...attentionMetadata(shape),
    ["rope.dimension_count", uint32Value(shape.ropeDimensionCount)],
    ["rope.dimension_sections", { type: "array", elementType: "int32", values: shape.ropeSections }],
    ["full_attention_interval", uint32Value(shape.fullAttentionInterval)],
    ["ssm.conv_kernel", uint32Value(deltaNet.convolutionKernel)],
    ["ssm.state_size", uint32Value(deltaNet.headDimension)],
    ["ssm.group_count", uint32Value(deltaNet.keyHeads)],
    ["ssm.time_step_rank", uint32Value(deltaNet.valueHeads)],
    ["ssm.inner_size", uint32Value(valueWidth)],
  ];
  const { experts } = shape;
  if (experts !== undefined) {
    metadata.push(
      ...expertMetadata(experts),
      ["expert_shared_feed_forward_length", uint32Value(experts.sharedFeedForwardLength ?? experts.feedForwardLength)],
    );
  }
  return { architecture: shape.architecture, metadata, tensors };
}

function embeddingRole(shape: { readonly tiedEmbeddings: boolean }): FamilyTensorSlot["role"] {
  return shape.tiedEmbeddings ? "output-projection" : "matrix";
}

function feedForwardSlots(shape: Qwen35FamilyShape, prefix: string): FamilyTensorSlot[] {
  const embedding = shape.embeddingLength;
  const { experts } = shape;
  if (experts === undefined) {
    return [
      { name: `${prefix}.ffn_gate.weight`, dimensions: [embedding, shape.feedForwardLength], role: "matrix" },
      { name: `${prefix}.ffn_down.weight`, dimensions: [shape.feedForwardLength, embedding], role: "matrix" },
      { name: `${prefix}.ffn_up.weight`, dimensions: [embedding, shape.feedForwardLength], role: "matrix" },
    ];
  }
  const shared = experts.sharedFeedForwardLength ?? experts.feedForwardLength;
  return [
    { name: `${prefix}.ffn_gate_inp.weight`, dimensions: [embedding, experts.count], role: "matrix" },
    { name: `${prefix}.ffn_down_exps.weight`, dimensions: [experts.feedForwardLength, embedding, experts.count], role: "matrix" },
    { name: `${prefix}.ffn_gate_exps.weight`, dimensions: [embedding, experts.feedForwardLength, experts.count], role: "matrix" },
    { name: `${prefix}.ffn_up_exps.weight`, dimensions: [embedding, experts.feedForwardLength, experts.count], role: "matrix" },
    { name: `${prefix}.ffn_gate_inp_shexp.weight`, dimensions: [embedding], role: "vector" },
    { name: `${prefix}.ffn_gate_shexp.weight`, dimensions: [embedding, shared], role: "matrix" },
    { name: `${prefix}.ffn_up_shexp.weight`, dimensions: [embedding, shared], role: "matrix" },
    { name: `${prefix}.ffn_down_shexp.weight`, dimensions: [shared, embedding], role: "matrix" },
  ];
}
