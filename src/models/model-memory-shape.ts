/** What one layer keeps per token or per sequence, as llama.cpp's memory modules allocate it. */
export type LayerMemory =
  /** Keys and values for every cell (`slidingWindow`: only for the window's cells); widths are per token, all heads. */
  | { readonly kind: "attention"; readonly keyWidth: number; readonly valueWidth: number; readonly slidingWindow: boolean }
  /** A recurrent layer (Gated DeltaNet, Mamba): a fixed state per sequence, no KV cache. */
  | { readonly kind: "recurrent" }
  /** Attention that reuses an earlier layer's KV cache (Gemma 4's shared KV layers): nothing of its own. */
  | { readonly kind: "shared" };

/**
 * The dimensions that decide how much memory a model needs, read from a GGUF header or, for a preset not yet
 * downloaded, written down from its model card. Everything the memory estimate uses, nothing else.
 */
export interface ModelMemoryShape {
  readonly architecture: string;
  /** Bytes of the weights llama.cpp reads into memory: every tensor, all experts of a MoE included. */
  readonly weightsBytes: number;
  readonly embeddingLength: number;
  readonly vocabularySize: number;
  /** The widest dense feed-forward layer (0 when every layer is MoE). */
  readonly feedForwardLength: number;
  /** MoE: one expert's feed-forward width and the experts used per token. */
  readonly experts?: { readonly feedForwardLength: number; readonly usedCount: number };
  /** Sliding-window attention: the window, in tokens. */
  readonly slidingWindow?: number;
  /** Recurrent layers' widths (see `ssmRecurrentWidths`). */
  readonly recurrent?: RecurrentWidths;
  /** One entry per layer of the trunk (multi-token-prediction layers excluded). */
  readonly layers: readonly LayerMemory[];
}

export interface RecurrentWidths {
  /** F32 values of state one sequence holds per layer: llama.cpp's `n_embd_r() + n_embd_s()`. */
  readonly stateWidth: number;
  /** Channels the layer mixes per token (queries, keys and values before the recurrence): its activations' width. */
  readonly mixerWidth: number;
}

/** The widths of a Gated DeltaNet or Mamba-2 layer, from its GGUF `ssm.*` values. */
export function ssmRecurrentWidths(ssm: { convKernel: number; innerSize: number; stateSize: number; groupCount: number }): RecurrentWidths {
  const mixerWidth = ssm.innerSize + 2 * ssm.groupCount * ssm.stateSize;
  // llama_hparams::n_embd_r (conv rows, the first column shifted out) + n_embd_s (the state matrix).
  return { stateWidth: Math.max(0, ssm.convKernel - 1) * mixerWidth + ssm.stateSize * ssm.innerSize, mixerWidth };
}

/** `count` layers, each described by `layerAt(index)`. */
export function layerPattern(count: number, layerAt: (index: number) => LayerMemory): LayerMemory[] {
  return Array.from({ length: count }, (_, index) => layerAt(index));
}
