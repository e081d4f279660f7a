/** The dimensions of a llama-architecture model, as its GGUF metadata states them. */
export interface ModelShape {
  readonly embeddingLength: number;
  readonly blockCount: number;
  readonly headCount: number;
  readonly headCountKv: number;
  readonly feedForwardLength: number;
  /** Training context length written to the metadata. */
  readonly contextLength: number;
  /** The real model's vocabulary size: a smaller default vocabulary is padded up to it. Absent: no padding. */
  readonly vocabularySize?: number;
  /** Whether the output projection reuses the token embedding (no `output.weight` tensor). */
  readonly tiedEmbeddings: boolean;
  readonly ropeFrequencyBase: number;
  readonly rmsNormEpsilon: number;
}

export type ModelShapeName = "tiny" | "qwen2.5-0.5b" | "phi3-mini";

export const modelShapeNames: readonly ModelShapeName[] = ["tiny", "qwen2.5-0.5b", "phi3-mini"];

/** Shapes of real models (with llama architecture and random weights), so memory and speed are realistic. */
export const modelShapes: Readonly<Record<ModelShapeName, ModelShape>> = {
  // Loads and generates in milliseconds: for tests.
  tiny: {
    embeddingLength: 64,
    blockCount: 2,
    headCount: 4,
    headCountKv: 2,
    feedForwardLength: 128,
    contextLength: 4096,
    tiedEmbeddings: false,
    ropeFrequencyBase: 10000,
    rmsNormEpsilon: 1e-5,
  },
  "qwen2.5-0.5b": {
    embeddingLength: 896,
    blockCount: 24,
    headCount: 14,
    headCountKv: 2,
    feedForwardLength: 4864,
    contextLength: 32768,
    vocabularySize: 151936,
    tiedEmbeddings: true,
    ropeFrequencyBase: 1_000_000,
    rmsNormEpsilon: 1e-6,
  },
  "phi3-mini": {
    embeddingLength: 3072,
    blockCount: 32,
    headCount: 32,
    headCountKv: 32,
    feedForwardLength: 8192,
    contextLength: 4096,
    vocabularySize: 32064,
    tiedEmbeddings: false,
    ropeFrequencyBase: 10000,
    rmsNormEpsilon: 1e-5,
  },
};
