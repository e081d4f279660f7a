import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generatorVersion, makeModel, makeScriptedModel, scriptedSentence } from "../../src/models/generator/make-model.js";
import type { ModelShapeName } from "../../src/models/generator/model-shapes.js";
import type { ModelWeightType } from "../../src/models/generator/model-weight-type.js";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const testModelsFolder = path.join(repoRoot, ".cache", "test-models");

type SharedVocabularyName = "qwen2" | "phi-3" | "llama-bpe" | "llama-spm" | "gemma-4";

/**
 * A vocabulary file from the shared folder beside the repository, or `undefined` when it is absent (a fresh
 * clone): tests that need one skip with `it.skipIf(sharedVocabularyPath(...) === undefined)`.
 */
export function sharedVocabularyPath(name: SharedVocabularyName): string | undefined {
  const filePath = path.resolve(repoRoot, "../shared/vocab", `ggml-vocab-${name}.gguf`);
  return existsSync(filePath) ? filePath : undefined;
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
  /** Needs ../shared/vocab: check `sharedVocabularyPath("qwen2")` first. */
  "tiny-qwen2-vocab": { shape: "tiny", type: "q8_0", vocabulary: "qwen2" },
  /** Real Qwen2.5-0.5B size (~280 MB): about a second to generate, a second or two to load. */
  "qwen2.5-0.5b-q4_0": { shape: "qwen2.5-0.5b", type: "q4_0" },
  /** Phi-3-mini size (~2.1 GB): about 10 s to generate, a few seconds to load. For the memory-budget test. */
  "phi3-mini-q4_0": { shape: "phi3-mini", type: "q4_0" },
} as const satisfies Record<string, RandomModelSpec>;

export type TestModelKind = keyof typeof randomModels | "scripted";

const seed = 1;
const waitStep = 100;

/**
 * The path of a generated test model, generating it on first use into `.cache/test-models/`. The file name
 * carries the generator version and every parameter, so a changed generator never serves a stale file. Safe
 * when several Vitest workers ask at once: one generates under an exclusive lock file, the others wait.
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
  const lockPath = `${modelPath}.lock`;
  await mkdir(testModelsFolder, { recursive: true });
  for (;;) {
    if (existsSync(modelPath)) return modelPath;
    const lock = await open(lockPath, "wx").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "EEXIST") return undefined;
      throw error;
    });
    if (lock !== undefined) {
      try {
        await lock.writeFile(String(process.pid));
        // Another worker may have finished between our check and taking the lock.
        if (!existsSync(modelPath)) await generate(modelPath);
      } finally {
        await lock.close();
        await rm(lockPath, { force: true });
      }
      return modelPath;
    }
    await new Promise((resolve) => setTimeout(resolve, waitStep));
    await removeLockIfAbandoned(lockPath);
  }
}

// A worker killed mid-generation leaves its lock behind: free it once its process is gone.
async function removeLockIfAbandoned(lockPath: string): Promise<void> {
  try {
    const holder = Number(await readFile(lockPath, "utf8"));
    if (!Number.isInteger(holder) || holder <= 0) {
      // Not written yet by a live holder, or garbage: only trust the file's age.
      const { mtimeMs } = await stat(lockPath);
      if (Date.now() - mtimeMs > 60_000) await rm(lockPath, { force: true });
      return;
    }
    process.kill(holder, 0);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ESRCH") await rm(lockPath, { force: true });
    else if (code !== "ENOENT" && code !== "EPERM") throw error;
  }
}
