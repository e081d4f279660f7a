import { createBuiltinVocabulary } from "../../src/models/generator/builtin-vocabulary.js";
import { familyModelContents } from "../../src/models/generator/families/family-model-contents.js";
import type { FamilyShape, Gemma4FamilyShape, GptOssFamilyShape, Qwen35FamilyShape } from "../../src/models/generator/families/family-shape.js";
import { familyShapes } from "../../src/models/generator/families/family-shapes.js";
import { generatorVersion } from "../../src/models/generator/make-model.js";
import { writeModelFile } from "../../src/models/generator/write-model-file.js";
import { ensureGenerated } from "./test-models.js";

/**
 * Today's architectures at their real layer widths but a few layers, few experts and the small built-in
 * vocabulary (Q4_0, 0.1-0.5 GB): the weights and the layers' activations dominate, as in the real models, so
 * the estimate's compute-buffer terms and the RSS are checked at the sizes that matter.
 */
const wideShapes = {
  // Qwen3.6-35B-A3B: 2048 wide, Gated DeltaNet of 16 key and 32 value heads of 128, attention of 2 KV heads of
  // 256, experts 512 wide, 8 used (64 of them here: nearly all the file, so RSS shows every expert is held).
  "qwen35moe-wide": {
    ...(familyShapes.qwen35moe as Qwen35FamilyShape),
    architecture: "qwen35moe",
    embeddingLength: 2048,
    blockCount: 4,
    headCount: 16,
    headCountKv: 2,
    headDimension: 256,
    feedForwardLength: 512,
    contextLength: 262_144,
    ropeDimensionCount: 64,
    ropeSections: [11, 11, 10, 0],
    fullAttentionInterval: 4,
    deltaNet: { convolutionKernel: 4, headDimension: 128, keyHeads: 16, valueHeads: 32 },
    experts: { count: 64, usedCount: 8, feedForwardLength: 512, sharedFeedForwardLength: 512 },
  },
  // gpt-oss-20b: 2880 wide, 64 heads and 8 KV heads of 64, a 128-token window every other layer, experts 2880 wide.
  "gpt-oss-wide": {
    ...(familyShapes["gpt-oss"] as GptOssFamilyShape),
    architecture: "gpt-oss",
    embeddingLength: 2880,
    blockCount: 2,
    headCount: 64,
    headCountKv: 8,
    headDimension: 64,
    feedForwardLength: 2880,
    contextLength: 131_072,
    slidingWindow: 128,
    experts: { count: 4, usedCount: 4, feedForwardLength: 2880 },
  },
  // Gemma 4: sliding-window layers of 256-wide heads (window 1024) and a full-attention layer of 512-wide heads.
  "gemma4-wide": {
    ...(familyShapes.gemma4 as Gemma4FamilyShape),
    architecture: "gemma4",
    embeddingLength: 2560,
    blockCount: 3,
    headCount: 8,
    headCountKv: 2,
    headDimension: 512,
    feedForwardLength: 10_240,
    contextLength: 131_072,
    slidingWindow: 1024,
    slidingWindowPattern: [true, true, false],
    headDimensionSlidingWindow: 256,
  },
} as const satisfies Record<string, FamilyShape>;

export type WideFamilyModel = keyof typeof wideShapes;

/** The path of a wide family model, generated into the test-model cache on first use. */
export async function wideFamilyModelPath(name: WideFamilyModel): Promise<string> {
  return ensureGenerated(`${name}-q4_0-seed1-g${generatorVersion}.gguf`, async (outputPath) => {
    const { metadata, tensors } = familyModelContents({ name: `pensieve-${name}`, shape: wideShapes[name], type: "q4_0", vocabulary: createBuiltinVocabulary(), seed: 1 });
    await writeModelFile(outputPath, { metadata, tensors });
  });
}
