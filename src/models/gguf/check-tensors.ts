import type { ModelHyperparameters } from "./check-hyperparameters.js";
import { ggmlTypeTraits } from "./ggml-type-traits.js";
import type { ScannedTensor } from "./gguf-header-scanner.js";
import { llamaCppLimits } from "./llama-cpp-limits.js";
import { MetadataProblem, type ModelMetadataView } from "./model-metadata-view.js";

/**
 * Checks every tensor's type against what ggml's CPU backend can compute with, for any architecture. Throws
 * `MetadataProblem`.
 */
export function checkTensorTypes(tensors: readonly ScannedTensor[]): void {
  for (const tensor of tensors) {
    const typeName = ggmlTypeTraits.get(tensor.typeId)?.name ?? `type ${tensor.typeId}`;
    if (tensor.dimensions.length >= 2 && llamaCppLimits.typesWithoutCpuDotProduct.has(tensor.typeId)) {
      throw new MetadataProblem(`tensor ${tensor.name} is a ${typeName} matrix; ggml's CPU backend has no dot product for ${typeName} and crashes at the first token`);
    }
    // llama.cpp's converter stores these as F32 ("most of the codebase that takes in 1D tensors or norms only
    // handles F32"); ggml-cpu/binary-ops.cpp aborts ("unsupported types") on anything else. Speculative-decoding
    // drafts (eagle3, dflash) keep one I64 vocabulary map, `d2t`.
    const vectorLike = tensor.dimensions.length <= 1 || tensor.name.endsWith("_norm.weight");
    if (vectorLike && tensor.typeId !== llamaCppLimits.f32TypeId && tensor.name !== "d2t") {
      throw new MetadataProblem(`tensor ${tensor.name} is ${typeName}; a norm or one-dimensional weight must be F32, or ggml aborts at the first token`);
    }
  }
}

interface Layout {
  /** Width of the query projection's output. */
  readonly query: (shape: ModelHyperparameters, embedding: number) => number;
  /** Width of the key projection's output. */
  readonly key: (shape: ModelHyperparameters) => number;
  /** Input width of the attention output projection. */
  readonly attentionOutput: (shape: ModelHyperparameters, embedding: number) => number;
  /** Width of `ffn_up`, in feed-forward lengths. */
  readonly upFactor: number;
  /** The graph builder asserts the rotary dimensions equal the head width. */
  readonly ropeIsHeadWidth: boolean;
  /** The query projection is embedding-wide, and is reshaped into the heads. */
  readonly embeddingWideQuery: boolean;
  readonly queryKeyNorms: boolean;
}

const headsTimesKeyWidth = (shape: ModelHyperparameters): number => shape.keyLength * (shape.headCount[0] ?? 0);
const valueHeadsWidth = (shape: ModelHyperparameters): number => shape.valueLength * (shape.headCountKv[0] ?? 0);

// The dense decoders whose tensors llama.cpp derives entirely from the hyperparameters of layer 0
// (src/models/<architecture>.cpp, load_arch_tensors and the graph's GGML_ASSERTs). Other architectures get
// the general checks only.
const layouts: ReadonlyMap<string, Layout> = new Map<string, Layout>([
  [
    "llama",
    {
      query: headsTimesKeyWidth,
      key: (shape) => shape.keyLength * (shape.headCountKv[0] ?? 0),
      attentionOutput: headsTimesKeyWidth,
      upFactor: 1,
      ropeIsHeadWidth: true,
      embeddingWideQuery: false,
      queryKeyNorms: false,
    },
  ],
  ["qwen2", { query: (_shape, embedding) => embedding, key: valueHeadsWidth, attentionOutput: (_shape, embedding) => embedding, upFactor: 1, ropeIsHeadWidth: true, embeddingWideQuery: true, queryKeyNorms: false }],
  ["qwen3", { query: headsTimesKeyWidth, key: valueHeadsWidth, attentionOutput: headsTimesKeyWidth, upFactor: 1, ropeIsHeadWidth: true, embeddingWideQuery: false, queryKeyNorms: true }],
  ["phi3", { query: (_shape, embedding) => embedding, key: valueHeadsWidth, attentionOutput: (_shape, embedding) => embedding, upFactor: 2, ropeIsHeadWidth: false, embeddingWideQuery: true, queryKeyNorms: false }],
]);

/**
 * For the dense decoder architectures llama.cpp builds from layer 0's hyperparameters (llama, qwen2, qwen3,
 * phi3): checks the attention geometry its graph asserts, and that each tensor has the shape the metadata
 * implies. node-llama-cpp sizes the model from the metadata alone, trusting each tensor's type with those
 * shapes, before llama.cpp compares them with the file; a mismatch can abort there (a zero dimension, a row
 * that is not whole blocks). Throws `MetadataProblem`.
 */
export function checkTensorShapes(view: ModelMetadataView, shape: ModelHyperparameters, tensors: readonly ScannedTensor[]): void {
  const layout = layouts.get(view.architecture);
  const embedding = shape.embeddingLength;
  if (layout === undefined || embedding === undefined) return;
  const usesFeedForward = view.architecture !== "llama" || shape.expertCount === 0;
  const perLayer = new Map<string, readonly number[]>([
    ["attention.head_count", shape.headCount],
    ["attention.head_count_kv", shape.headCountKv],
  ]);
  if (usesFeedForward) perLayer.set("feed_forward_length", shape.feedForwardLength);
  for (const [name, values] of perLayer) {
    const first = values[0] ?? 0;
    // llama-model-loader.cpp, create_tensor: GGML_ASSERT(ne[dim] >= 1).
    if (first === 0) throw new MetadataProblem(`${view.key(name)} is 0; ${view.architecture} tensors would have an empty dimension, which llama.cpp asserts against`);
    if (values.some((value) => value !== first)) {
      throw new MetadataProblem(`${view.key(name)} differs between layers, which the ${view.architecture} architecture does not support: llama.cpp aborts building its graph`);
    }
  }
  const slidingWindowWidths = ["attention.key_length_swa", "attention.value_length_swa", "rope.dimension_count_swa", "attention.sliding_window"].some((name) => view.has(view.key(name)));
  if (!slidingWindowWidths) checkHeadWidths(view, layout, shape, embedding);

  const query = layout.query(shape, embedding);
  const key = layout.key(shape);
  const value = valueHeadsWidth(shape);
  const feedForward = shape.feedForwardLength[0] ?? 0;
  const vocabulary = view.arrayLength("tokenizer.ggml.tokens");
  const expected = new Map<string, readonly number[]>([["output_norm.weight", [embedding]]]);
  if (vocabulary !== undefined) {
    expected.set("token_embd.weight", [embedding, vocabulary]);
    expected.set("output.weight", [embedding, vocabulary]);
  }
  const layerShapes = new Map<string, readonly number[]>([
    ["attn_norm.weight", [embedding]],
    ["attn_q.weight", [embedding, query]],
    ["attn_k.weight", [embedding, key]],
    ["attn_v.weight", [embedding, value]],
    ["attn_qkv.weight", [embedding, query + key + value]],
    ["attn_q.bias", [query]],
    ["attn_k.bias", [key]],
    ["attn_v.bias", [value]],
    ["attn_output.weight", [layout.attentionOutput(shape, embedding), embedding]],
    ["ffn_norm.weight", [embedding]],
  ]);
  if (usesFeedForward) {
    layerShapes.set("ffn_gate.weight", [embedding, feedForward]);
    layerShapes.set("ffn_up.weight", [embedding, layout.upFactor * feedForward]);
    layerShapes.set("ffn_down.weight", [feedForward, embedding]);
  }
  if (layout.queryKeyNorms) {
    layerShapes.set("attn_q_norm.weight", [shape.keyLength]);
    layerShapes.set("attn_k_norm.weight", [shape.keyLength]);
  }
  for (let layer = 0; layer < shape.layerCount; layer++) {
    for (const [name, dimensions] of layerShapes) expected.set(`blk.${layer}.${name}`, dimensions);
  }
  for (const tensor of tensors) {
    const dimensions = expected.get(tensor.name);
    if (dimensions !== undefined && !sameShape(tensor.dimensions, dimensions)) {
      throw new MetadataProblem(
        `tensor ${tensor.name} is ${formatShape(tensor.dimensions)}, but the metadata makes llama.cpp expect ${formatShape(dimensions.map(BigInt))}`,
      );
    }
  }
}

function checkHeadWidths(view: ModelMetadataView, layout: Layout, shape: ModelHyperparameters, embedding: number): void {
  // src/models/<architecture>.cpp, the graph: GGML_ASSERT(n_embd_head == hparams.n_embd_head_k()), then n_rot.
  if (shape.keyLength !== shape.valueLength) {
    throw new MetadataProblem(`keys are ${shape.keyLength} wide and values ${shape.valueLength}; the ${view.architecture} graph asserts they are the same`);
  }
  if (layout.ropeIsHeadWidth && shape.ropeDimensions !== shape.keyLength) {
    throw new MetadataProblem(`${view.key("rope.dimension_count")} is ${shape.ropeDimensions} for heads ${shape.keyLength} wide; the ${view.architecture} graph asserts they are the same`);
  }
  const heads = shape.headCount[0] ?? 0;
  if (layout.embeddingWideQuery && shape.valueLength * heads !== embedding) {
    throw new MetadataProblem(`${heads} heads of width ${shape.valueLength} do not make up the embedding of ${embedding}; ggml aborts reshaping the ${view.architecture} queries`);
  }
}

// llama-model-loader.cpp, check_tensor_dims: the stated dimensions, then 1s up to GGML_MAX_DIMS.
function sameShape(actual: readonly bigint[], expected: readonly number[]): boolean {
  for (let index = 0; index < Math.max(actual.length, expected.length); index++) {
    if ((actual[index] ?? 1n) !== BigInt(expected[index] ?? 1)) return false;
  }
  return true;
}

function formatShape(dimensions: readonly bigint[]): string {
  return dimensions.length === 0 ? "a scalar" : dimensions.join("×");
}
