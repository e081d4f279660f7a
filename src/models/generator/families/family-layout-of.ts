import type { FamilyLayout } from "./family-layout.js";
import type { FamilyShape } from "./family-shape.js";
import { gemma4Layout } from "./gemma4-layout.js";
import { gptOssLayout } from "./gpt-oss-layout.js";
import { mixtureLayout } from "./mixture-layout.js";
import { qwen35Layout } from "./qwen35-layout.js";

/** The tensors and metadata of a family shape, with `vocabularySize` tokens. */
export function familyLayoutOf(shape: FamilyShape, vocabularySize: number): FamilyLayout {
  switch (shape.architecture) {
    case "qwen35":
    case "qwen35moe":
      return qwen35Layout(shape, vocabularySize);
    case "gemma4":
      return gemma4Layout(shape, vocabularySize);
    case "gpt-oss":
      return gptOssLayout(shape, vocabularySize);
    case "qwen3moe":
      return mixtureLayout(shape, vocabularySize);
  }
}
