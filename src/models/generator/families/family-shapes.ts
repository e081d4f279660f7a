import type { FamilyShape } from "./family-shape.js";

export type FamilyShapeName = "qwen35" | "qwen35moe" | "gemma4" | "gpt-oss" | "qwen3moe";

export const familyShapeNames: readonly FamilyShapeName[] = ["qwen35", "qwen35moe", "gemma4", "gpt-oss", "qwen3moe"];

const qwen35DeltaNet = { convolutionKernel: 4, headDimension: 32, keyHeads: 2, valueHeads: 4 } as const;

/**
 * Tiny models of today's architectures (random weights, the tensor layout llama.cpp expects): each loads and
 * generates in milliseconds, for tests. Widths are multiples of 32 so every matrix quantizes to Q8_0 and Q4_0.
 */
export const familyShapes: Readonly<Record<FamilyShapeName, FamilyShape>> = {
  // Qwen3.5 / 3.6 / 3.8 dense: three Gated DeltaNet layers, then a full-attention one, as the real models repeat.
  qwen35: {
    architecture: "qwen35",
    embeddingLength: 64,
    blockCount: 4,
    headCount: 2,
    headCountKv: 1,
    headDimension: 32,
    feedForwardLength: 128,
    contextLength: 4096,
    ropeFrequencyBase: 10_000_000,
    rmsNormEpsilon: 1e-6,
    tiedEmbeddings: true,
    ropeDimensionCount: 16,
    ropeSections: [3, 3, 2, 0],
    fullAttentionInterval: 4,
    deltaNet: qwen35DeltaNet,
  },
  // Qwen3.6-35B-A3B's layout: the same layers with routed experts and a gated shared expert.
  qwen35moe: {
    architecture: "qwen35moe",
    embeddingLength: 64,
    blockCount: 4,
    headCount: 2,
    headCountKv: 1,
    headDimension: 32,
    feedForwardLength: 64,
    contextLength: 4096,
    ropeFrequencyBase: 10_000_000,
    rmsNormEpsilon: 1e-6,
    tiedEmbeddings: false,
    ropeDimensionCount: 16,
    ropeSections: [3, 3, 2, 0],
    fullAttentionInterval: 4,
    deltaNet: qwen35DeltaNet,
    experts: { count: 8, usedCount: 2, feedForwardLength: 32, sharedFeedForwardLength: 32 },
  },
  // Gemma 4 31B's layout: sliding-window layers (five to one in the real model) and a full-attention one.
  gemma4: {
    architecture: "gemma4",
    embeddingLength: 64,
    blockCount: 3,
    headCount: 2,
    headCountKv: 1,
    headDimension: 64,
    feedForwardLength: 128,
    contextLength: 4096,
    ropeFrequencyBase: 1_000_000,
    rmsNormEpsilon: 1e-6,
    tiedEmbeddings: true,
    slidingWindow: 128,
    slidingWindowPattern: [true, true, false],
    headDimensionSlidingWindow: 32,
    ropeFrequencyBaseSlidingWindow: 10_000,
    finalLogitSoftcapping: 30,
  },
  // gpt-oss-20b's layout: sliding-window and full attention alternate; 32 experts, 4 used, in the real model.
  "gpt-oss": {
    architecture: "gpt-oss",
    embeddingLength: 64,
    blockCount: 2,
    headCount: 2,
    headCountKv: 1,
    headDimension: 32,
    feedForwardLength: 64,
    contextLength: 4096,
    ropeFrequencyBase: 150_000,
    rmsNormEpsilon: 1e-5,
    tiedEmbeddings: false,
    slidingWindow: 128,
    experts: { count: 4, usedCount: 2, feedForwardLength: 64 },
  },
  // Qwen3-Coder-30B-A3B's layout: 128 experts, 8 used, in the real model.
  qwen3moe: {
    architecture: "qwen3moe",
    embeddingLength: 64,
    blockCount: 2,
    headCount: 2,
    headCountKv: 1,
    headDimension: 32,
    feedForwardLength: 128,
    contextLength: 4096,
    ropeFrequencyBase: 10_000_000,
    rmsNormEpsilon: 1e-6,
    tiedEmbeddings: false,
    experts: { count: 8, usedCount: 2, feedForwardLength: 32 },
  },
};
