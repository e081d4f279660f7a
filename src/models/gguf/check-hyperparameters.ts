import { llamaCppLimits } from "./llama-cpp-limits.js";
import { MetadataProblem, type ModelMetadataView } from "./model-metadata-view.js";

/** The hyperparameters that shape a model's tensors, as llama.cpp derives them from the metadata. */
export interface ModelHyperparameters {
  /** `block_count`: llama.cpp's `n_layer_all`, next-token-prediction layers included. */
  readonly layerCount: number;
  readonly embeddingLength: number | undefined;
  /** Per layer; 0 where the file says nothing (llama.cpp's default). */
  readonly headCount: readonly number[];
  /** Per layer; `headCount` where the file says nothing. */
  readonly headCountKv: readonly number[];
  readonly feedForwardLength: readonly number[];
  readonly expertCount: number;
  /** Width of one key head (`attention.key_length`, else embedding / heads of layer 0); 0 without heads. */
  readonly keyLength: number;
  readonly valueLength: number;
  /** `rope.dimension_count`, else the key width. */
  readonly ropeDimensions: number;
}

/**
 * Checks the hyperparameters every architecture reads (llama-model.cpp, `llama_model_base::load_hparams`)
 * against what llama.cpp asserts instead of reporting, and returns them. Throws `MetadataProblem` with the
 * reason. Returns `undefined` when there is nothing to check: a CLIP projector (llama.cpp reads no
 * hyperparameters for it) or a file without `block_count` (llama.cpp refuses it with an error of its own).
 */
export function checkHyperparameters(view: ModelMetadataView): ModelHyperparameters | undefined {
  if (view.architecture === "clip") return undefined;
  const { maxLayers, maxContextLength } = llamaCppLimits;

  const contextLength = view.uint32(view.key("context_length"));
  if (contextLength !== undefined && (contextLength < 1 || contextLength > maxContextLength)) {
    throw new MetadataProblem(`${view.key("context_length")} is ${contextLength}; a usable model has 1 to ${maxContextLength} tokens (llama.h reads it as an int32)`);
  }
  const embeddingLength = view.uint32(view.key("embedding_length"));
  // llama-model-loader.cpp, create_tensor: GGML_ASSERT(ne[dim] >= 1) when node-llama-cpp sizes the model.
  if (embeddingLength === 0) throw new MetadataProblem(`${view.key("embedding_length")} is 0: llama.cpp asserts every tensor dimension is at least 1 and aborts`);

  const layerCount = view.uint32(view.key("block_count"));
  if (layerCount === undefined) return undefined;
  if (layerCount < 1 || layerCount > maxLayers) {
    throw new MetadataProblem(`${view.key("block_count")} is ${layerCount}; llama.cpp asserts 1 to ${maxLayers} layers (LLAMA_MAX_LAYERS) and aborts otherwise`);
  }
  const nextnLayers = view.uint32(view.key("nextn_predict_layers")) ?? 0;
  if (nextnLayers > layerCount) {
    throw new MetadataProblem(`${view.key("nextn_predict_layers")} is ${nextnLayers}, more than the ${layerCount} layers; llama.cpp asserts it is not`);
  }
  const expertCount = checkExperts(view, layerCount);
  checkSubBlockCounts(view, layerCount);

  const feedForwardLength = view.perLayer(view.key("feed_forward_length"), layerCount) ?? new Array<number>(layerCount).fill(0);
  const headCount = view.perLayer(view.key("attention.head_count"), layerCount) ?? new Array<number>(layerCount).fill(0);
  const headCountKv = view.perLayer(view.key("attention.head_count_kv"), layerCount) ?? headCount;

  const ropeScaling = view.string(view.key("rope.scaling.type"));
  if (ropeScaling !== undefined && !llamaCppLimits.ropeScalingTypes.includes(ropeScaling)) {
    throw new MetadataProblem(
      `${view.key("rope.scaling.type")} is ${JSON.stringify(ropeScaling.slice(0, 40))}; llama.cpp knows ${llamaCppLimits.ropeScalingTypes.join(", ")} and aborts on anything else`,
    );
  }
  checkEpsilons(view);

  const firstHeads = headCount[0] ?? 0;
  const defaultHeadWidth = firstHeads > 0 && embeddingLength !== undefined ? Math.floor(embeddingLength / firstHeads) : 0;
  const keyLength = firstHeads > 0 ? (view.uint32(view.key("attention.key_length")) ?? defaultHeadWidth) : 0;
  const valueLength = firstHeads > 0 ? (view.uint32(view.key("attention.value_length")) ?? defaultHeadWidth) : 0;
  const ropeDimensions = firstHeads > 0 ? (view.uint32(view.key("rope.dimension_count")) ?? keyLength) : 0;
  const widest = Math.max(
    keyLength,
    valueLength,
    view.uint32(view.key("attention.key_length_swa")) ?? 0,
    view.uint32(view.key("attention.value_length_swa")) ?? 0,
  );
  for (let layer = 0; layer < layerCount; layer++) {
    const heads = headCount[layer] ?? 0;
    const kvHeads = headCountKv[layer] ?? 0;
    if (widest * Math.max(heads, kvHeads) > llamaCppLimits.maxHeadProduct) {
      throw new MetadataProblem(`layer ${layer} has ${Math.max(heads, kvHeads)} heads of width ${widest}: llama.cpp's uint32 product of the two wraps around`);
    }
    // ggml.c: ggml_mul_mat(k, q) asserts ggml_can_mul_mat, which needs the query heads to be a multiple of the key/value heads.
    if (heads > 0 && kvHeads > 0 && heads % kvHeads !== 0) {
      throw new MetadataProblem(
        `layer ${layer} has ${heads} attention heads and ${kvHeads} key/value heads; llama.cpp aborts (ggml_can_mul_mat) unless the heads are a multiple of the key/value heads`,
      );
    }
  }
  return { layerCount, embeddingLength, headCount, headCountKv, feedForwardLength, expertCount, keyLength, valueLength, ropeDimensions };
}

/** llama-model.cpp, `load_hparams`: the GGML_ASSERTs on expert counts, used experts and expert groups. */
function checkExperts(view: ModelMetadataView, layerCount: number): number {
  let expertCount = view.uint32(view.key("expert_count")) ?? 0;
  let used = view.perLayer(view.key("expert_used_count"), layerCount) ?? [0];
  // llama-model.cpp: these two architectures treat one expert as none.
  if ((view.architecture === "hunyuan-dense" || view.architecture === "hunyuan_vl") && expertCount <= 1) {
    expertCount = 0;
    used = [0];
  }
  const groups = view.uint32(view.key("expert_group_count")) ?? 0;
  const groupsUsed = view.uint32(view.key("expert_group_used_count")) ?? 0;
  const usedMost = Math.max(...used);
  const expertsKey = view.key("expert_count");
  if (expertCount > llamaCppLimits.maxExperts) {
    throw new MetadataProblem(`${expertsKey} is ${expertCount}; llama.cpp asserts at most ${llamaCppLimits.maxExperts} (LLAMA_MAX_EXPERTS) and aborts otherwise`);
  }
  if (usedMost > expertCount) {
    throw new MetadataProblem(`${view.key("expert_used_count")} is ${usedMost}, more than the ${expertCount} experts; llama.cpp asserts it is not`);
  }
  if (expertCount === 0) {
    if (groups !== 0) throw new MetadataProblem(`${view.key("expert_group_count")} is ${groups} in a model without experts; llama.cpp asserts 0`);
    return 0;
  }
  if (usedMost === 0) throw new MetadataProblem(`${expertsKey} is ${expertCount} but no layer uses any expert (${view.key("expert_used_count")}); llama.cpp asserts at least one`);
  if (groups >= expertCount) throw new MetadataProblem(`${view.key("expert_group_count")} is ${groups}; llama.cpp asserts fewer groups than the ${expertCount} experts`);
  if (groups > 1 && (expertCount % groups !== 0 || groupsUsed === 0 || groupsUsed >= groups)) {
    throw new MetadataProblem(
      `${expertCount} experts in ${groups} groups with ${groupsUsed} used; llama.cpp asserts the groups divide the experts and 1 to ${groups - 1} groups are used`,
    );
  }
  return expertCount;
}

/** llama-model.cpp: WavTokenizer's PosNet and ConvNeXt block counts are asserted to fit in its layers. */
function checkSubBlockCounts(view: ModelMetadataView, layerCount: number): void {
  if (view.architecture !== "wavtokenizer-dec") return;
  for (const name of ["posnet.block_count", "convnext.block_count"]) {
    const count = view.uint32(view.key(name)) ?? 0;
    if (count > layerCount) throw new MetadataProblem(`${view.key(name)} is ${count}, more than the ${layerCount} layers; llama.cpp asserts it is not`);
  }
}

/** ggml-cpu/ops.cpp: every norm asserts `eps >= 0.0f` when it runs, at the first token; a NaN fails it too. */
function checkEpsilons(view: ModelMetadataView): void {
  for (const name of ["attention.layer_norm_epsilon", "attention.layer_norm_rms_epsilon", "attention.group_norm_epsilon"]) {
    const epsilon = view.number(view.key(name));
    if (epsilon !== undefined && !(epsilon >= 0)) {
      throw new MetadataProblem(`${view.key(name)} is ${epsilon}; ggml asserts a norm's epsilon is at least 0 and aborts at the first token otherwise`);
    }
  }
}
