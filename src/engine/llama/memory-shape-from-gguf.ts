import { ggmlTypeTraits } from "../../models/gguf/ggml-type-traits.js";
import { layerPattern, ssmRecurrentWidths, type LayerMemory, type ModelMemoryShape } from "../../models/model-memory-shape.js";

type Metadata = Readonly<Record<string, unknown>>;

/**
 * What the shape is read from: node-llama-cpp's `GgufFileInfo` has it (its parse of the whole file), and so has
 * `shapeInfoFromScan` (our header scan, without the tokenizer's strings).
 */
export interface GgufShapeInfo {
  readonly metadata: {
    readonly general: { readonly architecture?: unknown };
    readonly tokenizer?: { readonly ggml?: { readonly tokens?: { readonly length: number } | undefined } | undefined } | undefined;
  };
  readonly architectureMetadata: unknown;
  readonly fullTensorInfo?: readonly { readonly name: string; readonly ggmlType: number; readonly dimensions: readonly (number | bigint)[] }[] | undefined;
}

/** Architectures whose odd layers (by this rule) are Gated DeltaNet layers: llama-model.cpp's qwen3next/qwen35. */
const deltaNetArchitectures = new Set(["qwen3next", "qwen35", "qwen35moe"]);
/** Architectures that alternate sliding-window and full attention when the file has no pattern (`load_swa_pattern`). */
const defaultSwaPatterns: Readonly<Record<string, number>> = { "gpt-oss": 2, gemma2: 2, gemma3: 6, cohere2: 4 };
/**
 * Architectures whose loader asks for the tied output projection before the token embedding, so llama.cpp
 * keeps two copies of it (llama_model_loader::create_tensor reuses a TENSOR_DUPLICATED tensor only when the
 * original came first): gemma3n.cpp, gemma4.cpp.
 */
const outputBeforeEmbedding = new Set(["gemma3n", "gemma4"]);
/**
 * Quantised types ggml's AMX kernels multiply by (amx/common.h `qtype_has_amx_kernels`), with the row length each
 * needs a multiple of (amx.cpp `supports_op`: TILE_K for the 32-blocks, QK_K for the others).
 */
const amxRowMultiple: ReadonlyMap<number, number> = new Map([
  [2, 32], // Q4_0
  [3, 32], // Q4_1
  [8, 32], // Q8_0
  [12, 256], // Q4_K
  [13, 256], // Q5_K
  [14, 256], // Q6_K
  [23, 256], // IQ4_XS
]);
/** The output's width AMX needs a multiple of (`supports_op`: TILE_N * 2). */
const amxOutputMultiple = 32;

export interface MemoryShapeOptions {
  /**
   * The CPU holds matrix weights in AMX buffers (`cpuHasAmx`, CPU inference). A tied token embedding AMX can
   * multiply by is then held twice: the input's copy in the CPU's buffer (AMX has no row lookup), the output
   * projection's in AMX's (measured on the 0.5B bench model, Q8_0 embedding: 484 MiB of buffers against 330 of
   * tensors). Defaults to `false`.
   */
  readonly amxWeights?: boolean;
}

/** Tensors llama.cpp reads row by row from the mapped file instead of loading (TENSOR_READ_LAZY). */
const lazyTensors = new Set(["per_layer_token_embd.weight"]);

/**
 * The memory shape of a GGUF file, read from its metadata and tensor list: weights from
 * the tensors' sizes (all experts), layer kinds the way llama-model.cpp assigns them (recurrent layers of
 * Qwen3.5/3.6, sliding-window and shared-KV layers of Gemma 4 and gpt-oss), per-layer KV head counts.
 */
export function memoryShapeFromGguf(fileInfo: GgufShapeInfo, options: MemoryShapeOptions = {}): ModelMemoryShape {
  const metadata = fileInfo.architectureMetadata as Metadata;
  const architecture = fileInfo.metadata.general.architecture as string;
  const attention = (metadata["attention"] ?? {}) as Metadata;
  const ssm = (metadata["ssm"] ?? {}) as Metadata;
  const number = (value: unknown, fallback = 0): number => (typeof value === "number" ? value : fallback);
  const nextN = number(metadata["nextn_predict_layers"]);
  const layerCount = number(metadata["block_count"]) - nextN;
  const embedding = number(metadata["embedding_length"]);
  const heads = perLayer(attention["head_count"], layerCount, 0);
  const kvHeads = perLayer(attention["head_count_kv"], layerCount, heads[0] ?? 0);
  const headDimension = (heads[0] ?? 0) === 0 ? 0 : embedding / (heads[0] ?? 1);
  const keyLength = number(attention["key_length"], headDimension);
  const valueLength = number(attention["value_length"], headDimension);
  const keyLengthSwa = number(attention["key_length_swa"], keyLength);
  const valueLengthSwa = number(attention["value_length_swa"], valueLength);
  const slidingWindow = number(attention["sliding_window"]);
  const swaLayers = slidingWindowLayers(architecture, attention["sliding_window_pattern"], layerCount, slidingWindow);
  const recurrent = recurrentLayers(architecture, metadata, layerCount);
  const ownsKvBelow = layerCount - number(attention["shared_kv_layers"]);

  const layers = layerPattern(layerCount, (index): LayerMemory => {
    if (recurrent[index] === true) return { kind: "recurrent" };
    if (index >= ownsKvBelow) return { kind: "shared" };
    const swa = swaLayers[index] === true;
    const kv = kvHeads[index] ?? 0;
    return { kind: "attention", keyWidth: kv * (swa ? keyLengthSwa : keyLength), valueWidth: kv * (swa ? valueLengthSwa : valueLength), slidingWindow: swa };
  });
  const expertCount = number(metadata["expert_count"]);
  const tokenCount = fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? 0;
  return {
    architecture,
    weightsBytes: tensorBytes(fileInfo, { copiesTiedEmbedding: outputBeforeEmbedding.has(architecture), amxWeights: options.amxWeights ?? false }),
    embeddingLength: embedding,
    vocabularySize: number(metadata["vocab_size"], tokenCount),
    feedForwardLength: Math.max(0, ...perLayer(metadata["feed_forward_length"], layerCount, 0)),
    ...(expertCount > 0
      ? { experts: { feedForwardLength: number(metadata["expert_feed_forward_length"], number(metadata["feed_forward_length"])), usedCount: number(metadata["expert_used_count"], 1) } }
      : {}),
    ...(swaLayers.includes(true) ? { slidingWindow } : {}),
    ...(recurrent.includes(true)
      ? { recurrent: ssmRecurrentWidths({ convKernel: number(ssm["conv_kernel"]), innerSize: number(ssm["inner_size"]), stateSize: number(ssm["state_size"]), groupCount: number(ssm["group_count"]) }) }
      : {}),
    layers,
  };
}

/** A per-layer key: one number for all layers, or an array with one value per layer. */
function perLayer(value: unknown, count: number, fallback: number): number[] {
  if (Array.isArray(value)) return Array.from({ length: count }, (_, index) => Number(value[index] ?? fallback));
  return Array.from({ length: count }, () => (typeof value === "number" ? value : fallback));
}

function slidingWindowLayers(architecture: string, pattern: unknown, count: number, window: number): boolean[] {
  if (window <= 0) return [];
  if (Array.isArray(pattern)) return Array.from({ length: count }, (_, index) => pattern[index] === true);
  const every = defaultSwaPatterns[architecture];
  if (every === undefined) return [];
  // llama_hparams::set_swa_pattern: in each run of `every` layers, all but the last use the window.
  return Array.from({ length: count }, (_, index) => index % every < every - 1);
}

function recurrentLayers(architecture: string, metadata: Metadata, count: number): boolean[] {
  if (!deltaNetArchitectures.has(architecture)) return [];
  const listed = ((metadata["attention"] ?? {}) as Metadata)["recurrent_layers"];
  if (Array.isArray(listed)) return Array.from({ length: count }, (_, index) => listed[index] === true);
  const interval = typeof metadata["full_attention_interval"] === "number" ? metadata["full_attention_interval"] : 4;
  // llama_model_qwen35::load_arch_hparams: every `interval`-th layer is full attention, the others Gated DeltaNet.
  return Array.from({ length: count }, (_, index) => (index + 1) % interval !== 0);
}

/** Bytes of the tensors llama.cpp loads (lazily read ones stay in the mapped file), a tied embedding twice where it copies it. */
function tensorBytes(fileInfo: GgufShapeInfo, how: { readonly copiesTiedEmbedding: boolean; readonly amxWeights: boolean }): number {
  const tensors = fileInfo.fullTensorInfo ?? [];
  const tied = !tensors.some((tensor) => tensor.name === "output.weight");
  let bytes = 0;
  for (const tensor of tensors) {
    if (lazyTensors.has(tensor.name)) continue;
    const traits = ggmlTypeTraits.get(tensor.ggmlType);
    if (traits === undefined) continue;
    const elements = tensor.dimensions.reduce<number>((product, dimension) => product * Number(dimension), 1);
    const size = (elements / traits.blockSize) * traits.bytesPerBlock;
    const copied = tied && tensor.name === "token_embd.weight" && (how.copiesTiedEmbedding || (how.amxWeights && amxMultiplies(tensor)));
    bytes += copied ? 2 * size : size;
  }
  return bytes;
}

function amxMultiplies(tensor: { readonly ggmlType: number; readonly dimensions: readonly (number | bigint)[] }): boolean {
  const rowMultiple = amxRowMultiple.get(tensor.ggmlType);
  const [rowLength = 0, rows = 0] = tensor.dimensions.map(Number);
  return rowMultiple !== undefined && rowLength % rowMultiple === 0 && rows % amxOutputMultiple === 0;
}
