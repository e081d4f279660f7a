import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createBuiltinVocabulary } from "../../src/models/generator/builtin-vocabulary.js";
import { generatorVersion, makeModel } from "../../src/models/generator/make-model.js";
import { modelShapes, type ModelShapeName } from "../../src/models/generator/model-shapes.js";
import type { ModelWeightType } from "../../src/models/generator/model-weight-type.js";
import { readVocabularyFile } from "../../src/models/generator/read-vocabulary-file.js";
import { writeModelFile } from "../../src/models/generator/write-model-file.js";
import type { GgufValue } from "../../src/models/gguf/gguf-value.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const modelsFolder = path.join(repoRoot, ".cache", "bench-models");

export interface AnchorModelOptions {
  readonly shape: ModelShapeName;
  readonly type: ModelWeightType;
  /** A vocabulary GGUF (the real qwen2 one); absent: the generator's built-in vocabulary. */
  readonly vocabularyPath?: string;
  /** The Jinja chat template to embed as `tokenizer.chat_template`. */
  readonly chatTemplate: string;
}

/**
 * The generated model (random weights at a real shape) with `chatTemplate` as its own template, so that
 * Pensieve's `--chat-format jinja` and llama-server's `--chat-template-file` render the very same template.
 * The generator copies a vocabulary file's `tokenizer.*` entries, so the template goes into a vocabulary file
 * first. Both files are cached under `.cache/bench-models/`, named by their inputs.
 */
export async function anchorModel(options: AnchorModelOptions): Promise<string> {
  const templateHash = createHash("sha256").update(options.chatTemplate).digest("hex").slice(0, 10);
  const vocabularyName = options.vocabularyPath === undefined ? "builtin" : path.basename(options.vocabularyPath, ".gguf").replace(/^ggml-vocab-/, "");
  const stem = `${vocabularyName}-template-${templateHash}`;
  const modelPath = path.join(modelsFolder, `anchor-${options.shape}-${options.type}-${stem}-g${generatorVersion}.gguf`);
  if (existsSync(modelPath)) return modelPath;
  const minimumSize = modelShapes[options.shape].vocabularySize;
  const vocabulary =
    options.vocabularyPath === undefined
      ? createBuiltinVocabulary(minimumSize === undefined ? {} : { minimumSize })
      : await readVocabularyFile(options.vocabularyPath);
  const metadata = new Map<string, GgufValue>([["general.architecture", { type: "string", value: "llama" }]]);
  for (const [key, value] of vocabulary.metadata) metadata.set(key, value);
  metadata.set("tokenizer.chat_template", { type: "string", value: options.chatTemplate });
  const vocabularyPath = path.join(modelsFolder, `vocabulary-${stem}.gguf`);
  if (!existsSync(vocabularyPath)) await writeModelFile(vocabularyPath, { metadata, tensors: [] });
  await makeModel({ shape: options.shape, type: options.type, outputPath: modelPath, vocabularyPath });
  return modelPath;
}
