import type { ModelMemoryShape } from "../../models/model-memory-shape.js";

export interface MemoryEstimateOptions {
  /** Tokens per sequence. */
  readonly contextSize: number;
  readonly sequences: number;
  /** Tokens per batch; node-llama-cpp's default: `min(contextSize × sequences, 512)`. */
  readonly batchSize?: number;
  /** Bytes per KV element (F16: 2). */
  readonly kvElementBytes?: number;
  /** Checkpoints each sequence holds (hybrid and sliding-window models); default: as many as node-llama-cpp keeps. */
  readonly checkpointsPerSequence?: number;
}

/** The memory a model and its context take on the CPU, part by part, in bytes. */
export interface ModelMemoryEstimate {
  readonly weightsBytes: number;
  /** Attention layers' keys and values (sliding-window layers: the window only). */
  readonly kvCacheBytes: number;
  /** Recurrent layers' state: fixed per sequence, whatever the context. */
  readonly recurrentStateBytes: number;
  /** node-llama-cpp's checkpoints of the state that cannot be cut back (recurrent state, window KV), all held. */
  readonly checkpointBytes: number;
  /** One checkpoint of one sequence (0: the model needs none, its KV cache can be cut anywhere). */
  readonly bytesPerCheckpoint: number;
  /** llama.cpp's compute buffer for one batch and its output buffer. */
  readonly computeBytes: number;
  /** The context's share: everything but the weights. */
  readonly contextBytes: number;
  readonly totalBytes: number;
}

const cellPadding = 256;
const f32Bytes = 4;
/**
 * The checkpoints a sequence comes to hold. They pile up over a session (one every 8192 tokens, one where each
 * prompt ends, those the engine takes at turn boundaries) up to node-llama-cpp's 32 (`checkpoints.max`), which
 * without a memory cap is 1.7 GB for Qwen3.5-4B and 6.7 GB for Gemma 4 26B-A4B (a window's KV each). So the engine
 * caps them (`getSequence({ checkpoints: { maxMemory } })`; node-llama-cpp drops the oldest, keeping at least one).
 */
export const checkpointLimits = { count: 32, bytesPerSequence: 1024 ** 3 } as const;

const padUp = (value: number, multiple: number): number => Math.ceil(value / multiple) * multiple;

/**
 * The memory llama.cpp (as node-llama-cpp drives it, on the CPU) allocates for a model and a context, worked out
 * the way its memory modules size their buffers (llama-kv-cache.cpp, llama-kv-cache-iswa.cpp,
 * llama-memory-recurrent.cpp, llama-context.cpp): every weight, all experts included; KV only for attention
 * layers that own it, window-sized for sliding-window layers; recurrent state per sequence; the checkpoints
 * node-llama-cpp takes of what cannot be trimmed; and the compute buffer, whose peak is the batch's logits or a
 * layer's activations. Checked part by part against llama.cpp's own figures in test/integration/memory-estimate.test.ts.
 */
export function estimateModelMemory(shape: ModelMemoryShape, options: MemoryEstimateOptions): ModelMemoryEstimate {
  const { sequences } = options;
  const contextSize = padUp(options.contextSize, cellPadding);
  const batchSize = options.batchSize ?? Math.min(options.contextSize * sequences, 512);
  const kvElementBytes = options.kvElementBytes ?? 2;
  const windowCells = shape.slidingWindow === undefined ? contextSize : Math.min(contextSize, padUp(shape.slidingWindow + batchSize, cellPadding));

  let kvBytesPerSequence = 0;
  let windowBytesPerCell = 0;
  let recurrentLayers = 0;
  for (const layer of shape.layers) {
    if (layer.kind === "recurrent") recurrentLayers += 1;
    if (layer.kind !== "attention") continue;
    const perCell = (layer.keyWidth + layer.valueWidth) * kvElementBytes;
    const cells = layer.slidingWindow ? windowCells : contextSize;
    kvBytesPerSequence += perCell * cells;
    if (layer.slidingWindow) windowBytesPerCell += perCell;
  }
  const recurrentBytesPerSequence = recurrentLayers * (shape.recurrent?.stateWidth ?? 0) * f32Bytes;

  // A checkpoint holds what cannot be cut back (llama_state_seq partial): the recurrent state, and the cells the
  // window layers still use, which llama.cpp prunes to the window and the token after it.
  const windowCheckpointCells = shape.slidingWindow === undefined ? 0 : Math.min(contextSize, shape.slidingWindow + 1);
  const checkpointSize = recurrentBytesPerSequence + windowBytesPerCell * windowCheckpointCells;
  const checkpoints =
    checkpointSize === 0
      ? 0
      : (options.checkpointsPerSequence ?? Math.max(1, Math.min(checkpointLimits.count, options.contextSize, Math.floor(checkpointLimits.bytesPerSequence / checkpointSize))));

  const kvCacheBytes = kvBytesPerSequence * sequences;
  const recurrentStateBytes = recurrentBytesPerSequence * Math.max(1, sequences);
  const checkpointBytes = checkpointSize * checkpoints * sequences;
  const maskCells = contextSize + (shape.slidingWindow === undefined ? 0 : windowCells);
  const computeBytes = computeBufferBytes(shape, batchSize, maskCells) + outputBufferBytes(shape, sequences, batchSize);
  const contextBytes = kvCacheBytes + recurrentStateBytes + checkpointBytes + computeBytes;
  return {
    weightsBytes: shape.weightsBytes,
    kvCacheBytes,
    recurrentStateBytes,
    checkpointBytes,
    bytesPerCheckpoint: checkpointSize,
    computeBytes,
    contextBytes,
    totalBytes: shape.weightsBytes + contextBytes,
  };
}

/**
 * The compute buffer's peak, for the prompt graph llama.cpp reserves (a full batch, an output per token): either
 * at the end, the logits (vocabulary × batch, F32) beside the final hidden states, or inside a layer, the
 * attention masks (F16, a row of cells per batch token: the whole context, and the window for sliding-window
 * layers) beside the widest of: the feed-forward, the experts a MoE layer runs, a Gated DeltaNet layer's chunked
 * recurrence (measured on Qwen3.6-35B-A3B's widths: four times its mixer channels and two hidden states per
 * token). Flash attention, llama.cpp's choice on the CPU, keeps the attention scores themselves out of it.
 */
function computeBufferBytes(shape: ModelMemoryShape, batchSize: number, maskCells: number): number {
  const output = (shape.vocabularySize + 2 * shape.embeddingLength) * batchSize * f32Bytes;
  // Gate, up and their product, beside the hidden states around the layer (measured on Gemma 4's widths).
  const denseFeedForward = 3 * shape.feedForwardLength + 4 * shape.embeddingLength;
  // The same for each expert used, and each one's output before they are summed (measured on gpt-oss's widths).
  const experts = shape.experts === undefined ? 0 : (3 * shape.experts.feedForwardLength + shape.embeddingLength) * shape.experts.usedCount + shape.embeddingLength;
  const recurrence = shape.recurrent === undefined ? 0 : 4 * shape.recurrent.mixerWidth + 2 * shape.embeddingLength;
  const layer = maskCells * batchSize * 2 + Math.max(denseFeedForward, experts, recurrence) * batchSize * f32Bytes;
  return Math.max(output, layer);
}

/** The logits and embeddings kept for the caller: one row per sequence (llama_context::output_reserve). */
function outputBufferBytes(shape: ModelMemoryShape, sequences: number, batchSize: number): number {
  return shape.vocabularySize * sequences * f32Bytes + batchSize * f32Bytes;
}
