import { createBuiltinVocabulary } from "../../src/models/generator/builtin-vocabulary.js";
import { familyModelContents } from "../../src/models/generator/families/family-model-contents.js";
import type { Qwen35FamilyShape } from "../../src/models/generator/families/family-shape.js";
import { familyShapes } from "../../src/models/generator/families/family-shapes.js";
import { generatorVersion } from "../../src/models/generator/make-model.js";
import { writeModelFile } from "../../src/models/generator/write-model-file.js";
import { ensureGenerated } from "./test-models.js";

/**
 * Qwen3.6-35B-A3B's layer widths (2048 wide, Gated DeltaNet of 16 key and 32 value heads of 128, attention of
 * 2 KV heads of 256, experts 512 wide, 8 used) in four layers with 64 experts, Q4_0, the small built-in
 * vocabulary: about 0.5 GB, nearly all of it experts, so RSS shows whether every expert is held in memory.
 */
const shape: Qwen35FamilyShape = {
  ...familyShapes.qwen35moe,
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
};

/** The path of that model, generated into the test-model cache on first use. */
export async function hybridMoeTestModelPath(): Promise<string> {
  return ensureGenerated(`qwen35moe-wide-q4_0-seed1-g${generatorVersion}.gguf`, async (outputPath) => {
    const { metadata, tensors } = familyModelContents({ name: "pensieve-qwen35moe-wide", shape, type: "q4_0", vocabulary: createBuiltinVocabulary(), seed: 1 });
    await writeModelFile(outputPath, { metadata, tensors });
  });
}
