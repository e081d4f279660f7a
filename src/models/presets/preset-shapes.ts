import { layerPattern, ssmRecurrentWidths, type ModelMemoryShape } from "../model-memory-shape.js";

const gb = 1e9;

interface Common {
  readonly architecture: string;
  /** Approximate bytes of the GGUF file's weights, in GB (10^9). */
  readonly weightsGb: number;
  readonly layers: number;
  readonly embedding: number;
  readonly vocabulary: number;
  readonly feedForward?: number;
  readonly experts?: { readonly feedForwardLength: number; readonly usedCount: number };
}

interface Attention {
  readonly kvHeads: number;
  readonly headDimension: number;
}

/** A transformer whose every layer attends over the whole context (Llama, Qwen2/3, Qwen3-MoE, Phi-3). */
export function denseAttentionShape(shape: Common & Attention): ModelMemoryShape {
  const width = shape.kvHeads * shape.headDimension;
  return {
    ...common(shape),
    layers: layerPattern(shape.layers, () => ({ kind: "attention", keyWidth: width, valueWidth: width, slidingWindow: false })),
  };
}

/** Multi-head latent attention (DeepSeek-2 style, GLM-4.7-Flash): llama.cpp caches the compressed KV and the RoPE part. */
export function latentAttentionShape(shape: Common & { readonly kvLoraRank: number; readonly ropeDimension: number }): ModelMemoryShape {
  return {
    ...common(shape),
    layers: layerPattern(shape.layers, () => ({ kind: "attention", keyWidth: shape.kvLoraRank + shape.ropeDimension, valueWidth: shape.kvLoraRank, slidingWindow: false })),
  };
}

/** Qwen3.5/3.6: Gated DeltaNet layers with one full-attention layer in every `fullAttentionInterval`. */
export function deltaNetHybridShape(
  shape: Common & Attention & { readonly fullAttentionInterval: number; readonly linearKeyHeads: number; readonly linearValueHeads: number; readonly linearHeadDimension: number },
): ModelMemoryShape {
  const width = shape.kvHeads * shape.headDimension;
  return {
    ...common(shape),
    // llama.cpp's qwen35 reading of the GGUF: ssm.inner_size = value heads × head dim, state_size = head dim, group_count = key heads.
    recurrent: ssmRecurrentWidths({
      convKernel: 4,
      innerSize: shape.linearValueHeads * shape.linearHeadDimension,
      stateSize: shape.linearHeadDimension,
      groupCount: shape.linearKeyHeads,
    }),
    layers: layerPattern(shape.layers, (index) =>
      (index + 1) % shape.fullAttentionInterval === 0 ? { kind: "attention", keyWidth: width, valueWidth: width, slidingWindow: false } : { kind: "recurrent" },
    ),
  };
}

/**
 * Sliding-window models (Gemma 4, gpt-oss): in each run of `period` layers all but the last use the window
 * (`globalLast`), or the first of each pair does (`alternate`); the last `sharedKvLayers` reuse earlier KV.
 */
export function slidingWindowShape(
  shape: Common & {
    readonly window: number;
    readonly period: number;
    readonly local: Attention;
    readonly global: Attention;
    readonly sharedKvLayers?: number;
  },
): ModelMemoryShape {
  const ownsKvBelow = shape.layers - (shape.sharedKvLayers ?? 0);
  return {
    ...common(shape),
    slidingWindow: shape.window,
    layers: layerPattern(shape.layers, (index) => {
      if (index >= ownsKvBelow) return { kind: "shared" };
      const local = index % shape.period < shape.period - 1;
      const attention = local ? shape.local : shape.global;
      const width = attention.kvHeads * attention.headDimension;
      return { kind: "attention", keyWidth: width, valueWidth: width, slidingWindow: local };
    }),
  };
}

function common(shape: Common): Omit<ModelMemoryShape, "layers"> {
  return {
    architecture: shape.architecture,
    weightsBytes: Math.round(shape.weightsGb * gb),
    embeddingLength: shape.embedding,
    vocabularySize: shape.vocabulary,
    feedForwardLength: shape.feedForward ?? 0,
    ...(shape.experts === undefined ? {} : { experts: shape.experts }),
  };
}
