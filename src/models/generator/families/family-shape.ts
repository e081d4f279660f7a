/** The mixture-of-experts feed-forward of a family shape. */
export interface ExpertShape {
  readonly count: number;
  readonly usedCount: number;
  /** Width of one expert's feed-forward. */
  readonly feedForwardLength: number;
  /** Width of the shared expert, when the family has one (Qwen3.5 MoE). */
  readonly sharedFeedForwardLength?: number;
}

/** What every family shape states: the transformer's dimensions, as its GGUF metadata gives them. */
export interface FamilyShapeBase {
  readonly embeddingLength: number;
  readonly blockCount: number;
  readonly headCount: number;
  readonly headCountKv: number;
  /** Width of one attention head (`attention.key_length` and `value_length`). */
  readonly headDimension: number;
  /** Width of the dense feed-forward (of the shared one in MoE families that keep one). */
  readonly feedForwardLength: number;
  readonly contextLength: number;
  readonly ropeFrequencyBase: number;
  readonly rmsNormEpsilon: number;
  /** Whether the output projection reuses the token embedding (no `output.weight` tensor). */
  readonly tiedEmbeddings: boolean;
}

/** Qwen3.5 and 3.6 (`qwen35`, `qwen35moe`): Gated DeltaNet layers with one full-attention layer in every `fullAttentionInterval`. */
export interface Qwen35FamilyShape extends FamilyShapeBase {
  readonly architecture: "qwen35" | "qwen35moe";
  /** Rotary dimensions of a full-attention head, split into four M-RoPE sections (text uses the first). */
  readonly ropeDimensionCount: number;
  readonly ropeSections: readonly [number, number, number, number];
  readonly fullAttentionInterval: number;
  readonly deltaNet: {
    readonly convolutionKernel: number;
    /** Width of a key and of a value head. */
    readonly headDimension: number;
    readonly keyHeads: number;
    readonly valueHeads: number;
  };
  /** Present for `qwen35moe`. */
  readonly experts?: ExpertShape;
}

/** Gemma 4 (`gemma4`): sliding-window layers interleaved with full-attention layers of wider heads. */
export interface Gemma4FamilyShape extends FamilyShapeBase {
  readonly architecture: "gemma4";
  readonly slidingWindow: number;
  /** Per layer: true for a sliding-window layer. */
  readonly slidingWindowPattern: readonly boolean[];
  readonly headDimensionSlidingWindow: number;
  readonly ropeFrequencyBaseSlidingWindow: number;
  readonly finalLogitSoftcapping: number;
}

/** gpt-oss (`gpt-oss`): alternating sliding-window and full attention with sinks, and a mixture of experts. */
export interface GptOssFamilyShape extends FamilyShapeBase {
  readonly architecture: "gpt-oss";
  readonly slidingWindow: number;
  readonly experts: ExpertShape;
}

/** Qwen3 MoE (`qwen3moe`: Qwen3-30B-A3B, Qwen3-Coder-30B-A3B): attention with query and key norms, and a mixture of experts. */
export interface MixtureFamilyShape extends FamilyShapeBase {
  readonly architecture: "qwen3moe";
  readonly experts: ExpertShape;
}

/** A model of one of today's architectures other than llama, with random weights: what `make-model --shape` builds. */
export type FamilyShape = Qwen35FamilyShape | Gemma4FamilyShape | GptOssFamilyShape | MixtureFamilyShape;
