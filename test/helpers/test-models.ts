import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { acquireFileLock } from "../../src/models/download/file-lock.js";
import { generatorVersion, makeModel, makeScriptedModel, scriptedSentence } from "../../src/models/generator/make-model.js";
import type { ModelShapeName } from "../../src/models/generator/model-shapes.js";
import type { ModelWeightType } from "../../src/models/generator/model-weight-type.js";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const testModelsFolder = path.join(repoRoot, ".cache", "test-models");

export type SharedVocabularyName = "qwen2" | "phi-3" | "llama-bpe" | "llama-spm" | "gemma-4";

/** A vocabulary file from the shared folder beside the repository, or `undefined` when it is absent (a fresh clone). */
export function sharedVocabularyPath(name: SharedVocabularyName): string | undefined {
  const filePath = path.resolve(repoRoot, "../shared/vocab", `ggml-vocab-${name}.gguf`);
  return existsSync(filePath) ? filePath : undefined;
}

/**
 * Whether the tests that need the shared vocabulary `name` skip: `it.skipIf(skipWithoutSharedVocabulary(name))`.
 * Only outside CI, when the file is absent. CI (`CI=true`) always has ../shared beside the clone, so there a
 * missing vocabulary is not skipped: the tests run and fail, naming the file (`testModelPath`).
 */
export function skipWithoutSharedVocabulary(name: SharedVocabularyName): boolean {
  return sharedVocabularyPath(name) === undefined && process.env["CI"] !== "true";
}

interface RandomModelSpec {
  readonly shape: ModelShapeName;
  readonly type: ModelWeightType;
  readonly vocabulary?: SharedVocabularyName;
}

const randomModels = {
  /** The default small model: loads and generates in milliseconds. */
  tiny: { shape: "tiny", type: "q8_0" },
  "tiny-f16": { shape: "tiny", type: "f16" },
  "tiny-q8_0": { shape: "tiny", type: "q8_0" },
  "tiny-q4_0": { shape: "tiny", type: "q4_0" },
  /** The tiny model with a real tokenizer from ../shared/vocab: guard with `skipWithoutSharedVocabulary`. */
  "tiny-qwen2-vocab": { shape: "tiny", type: "q8_0", vocabulary: "qwen2" },
  "tiny-llama-bpe-vocab": { shape: "tiny", type: "q8_0", vocabulary: "llama-bpe" },
  "tiny-phi-3-vocab": { shape: "tiny", type: "q8_0", vocabulary: "phi-3" },
  "tiny-gemma-4-vocab": { shape: "tiny", type: "q8_0", vocabulary: "gemma-4" },
  /** Real Qwen2.5-0.5B size (~280 MB): about a second to generate, a second or two to load. */
  "qwen2.5-0.5b-q4_0": { shape: "qwen2.5-0.5b", type: "q4_0" },
  /** Phi-3-mini size (~2.1 GB): about 10 s to generate, a few seconds to load. For the memory-budget test. */
  "phi3-mini-q4_0": { shape: "phi3-mini", type: "q4_0" },
} as const satisfies Record<string, RandomModelSpec>;

export type TestModelKind = keyof typeof randomModels | "scripted";

const seed = 1;

/**
 * The path of a generated test model, generating it on first use into `.cache/test-models/`. The file name
 * carries the generator version and every parameter, so a changed generator never serves a stale file. Safe
 * when several Vitest workers (or checkouts sharing the cache) ask at once: one generates under the lock file
 * `pensieve pull` uses, the others wait; a lock left by a killed worker is taken over.
 */
export async function testModelPath(kind: TestModelKind): Promise<string> {
  if (kind === "scripted") {
    const sentenceHash = createHash("sha256").update(scriptedSentence).digest("hex").slice(0, 12);
    return ensureGenerated(`scripted-g${generatorVersion}-${sentenceHash}.gguf`, (outputPath) =>
      makeScriptedModel({ outputPath }),
    );
  }
  const spec: RandomModelSpec = randomModels[kind];
  const vocabularyPath = spec.vocabulary === undefined ? undefined : sharedVocabularyPath(spec.vocabulary);
  if (spec.vocabulary !== undefined && vocabularyPath === undefined) {
    throw new Error(`test model ${kind} needs ../shared/vocab/ggml-vocab-${spec.vocabulary}.gguf, which is absent`);
  }
  const fileName = `${spec.shape}-${spec.type}-seed${seed}-vocab-${spec.vocabulary ?? "builtin"}-g${generatorVersion}.gguf`;
  return ensureGenerated(fileName, (outputPath) =>
    makeModel({
      shape: spec.shape,
      type: spec.type,
      seed,
      outputPath,
      ...(vocabularyPath === undefined ? {} : { vocabularyPath }),
    }),
  );
}

async function ensureGenerated(fileName: string, generate: (outputPath: string) => Promise<unknown>): Promise<string> {
  const modelPath = path.join(testModelsFolder, fileName);
  if (existsSync(modelPath)) return modelPath;
  await mkdir(testModelsFolder, { recursive: true });
  const lock = await acquireFileLock(`${modelPath}.lock`, { pollIntervalMs: 100 });
  try {
    // Another worker may have generated it while this one waited. The generator writes a partial file and renames
    // it when complete, so the model path never holds half a model.
    if (!existsSync(modelPath)) await generate(modelPath);
  } finally {
    await lock.release();
  }
  return modelPath;
}
