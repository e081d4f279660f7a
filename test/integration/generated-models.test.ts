import os from "node:os";
import { getLlama, LlamaChatSession, LlamaLogLevel, readGgufFileInfo, resolveChatWrapper, type Llama, type LlamaModel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { familyShapeNames, familyShapes } from "../../src/models/generator/families/family-shapes.js";
import { makeModel, scriptedSentence } from "../../src/models/generator/make-model.js";
import { useTemporaryFolder } from "../helpers/temporary-folder.js";
import { skipWithoutSharedVocabulary, testModelPath, type TestModelKind } from "../helpers/test-models.js";

const threads = os.availableParallelism();
let llama: Llama;

beforeAll(async () => {
  llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
});
afterAll(async () => {
  await llama?.dispose();
});

async function withModel<T>(kind: TestModelKind, use: (model: LlamaModel) => Promise<T>): Promise<T> {
  const model = await llama.loadModel({ modelPath: await testModelPath(kind) });
  try {
    return await use(model);
  } finally {
    await model.dispose();
  }
}

/** Samples `count` tokens after a short prompt; a random model never ends early on purpose, so expect all. */
async function generateTokens(model: LlamaModel, count: number): Promise<number> {
  const context = await model.createContext({ contextSize: 512, threads });
  try {
    let generated = 0;
    for await (const token of context.getSequence().evaluate(model.tokenize("The weather today is"), { temperature: 0.8, seed: 1 })) {
      expect(token).toBeLessThan(model.fileInfo.metadata.tokenizer.ggml.tokens.length);
      if (++generated >= count) break;
    }
    return generated;
  } finally {
    await context.dispose();
  }
}

describe("generated models of other architectures in node-llama-cpp", () => {
  const folder = useTemporaryFolder("pensieve-family-shapes-");

  it.each(familyShapeNames)("%s loads and generates", async (shape) => {
    const modelPath = path.join(folder.path, `${shape}.gguf`);
    const made = await makeModel({ shape, type: "q8_0", outputPath: modelPath });
    const info = await readGgufFileInfo(modelPath, { logWarnings: false });
    expect(info.metadata.general.architecture).toBe(familyShapes[shape].architecture);
    expect(info.tensorInfo?.length).toBe(made.tensorCount);
    const model = await llama.loadModel({ modelPath });
    try {
      expect(await generateTokens(model, 8)).toBe(8);
    } finally {
      await model.dispose();
    }
  });
});

describe("generated models in node-llama-cpp", () => {
  it.each(["tiny-f16", "tiny-q8_0", "tiny-q4_0"] as const)("%s parses, loads and generates", async (kind) => {
    const info = await readGgufFileInfo(await testModelPath(kind), { logWarnings: false });
    expect(info.version).toBe(3);
    expect(info.metadata.general.architecture).toBe("llama");
    expect(info.tensorInfo?.length).toBe(1 + 2 * 9 + 2);
    await withModel(kind, async (model) => {
      expect(await generateTokens(model, 8)).toBe(8);
    });
  });

  it("the built-in vocabulary round-trips text and gets a ChatML chat wrapper", async () => {
    await withModel("tiny", async (model) => {
      const text = "Hello, world! Ünïcödé and 🦙 fall back to bytes.";
      expect(model.detokenize(model.tokenize(text))).toBe(text);
      expect(model.tokenize("Hello, world!").length).toBe(4); // "Hello" "," "▁world" "!"
      expect(model.tokenize("<|im_start|>", true)).toEqual([3]);
      expect(model.tokens.eos).toBe(4); // <|im_end|>
      expect(model.tokens.shouldPrependBosToken).toBe(false);
      expect(resolveChatWrapper(model).wrapperName).toBe("ChatML");
    });
  });

  it.skipIf(skipWithoutSharedVocabulary("qwen2"))("a model with the qwen2 vocabulary loads, tokenizes and generates", async () => {
    await withModel("tiny-qwen2-vocab", async (model) => {
      expect(model.trainContextSize).toBe(4096);
      expect(model.fileInfo.metadata.tokenizer.ggml.tokens.length).toBe(151936);
      expect(model.tokenize("Hello, world!")).toEqual([9707, 11, 1879, 0]);
      expect(model.detokenize(model.tokenize("Hello, world!"))).toBe("Hello, world!");
      expect(await generateTokens(model, 8)).toBe(8);
    });
  });

  it("the scripted model answers exactly its sentence and ends its turn, even at temperature 0.8", async () => {
    await withModel("scripted", async (model) => {
      const context = await model.createContext({ contextSize: 512, threads });
      try {
        const session = new LlamaChatSession({ contextSequence: context.getSequence(), chatWrapper: resolveChatWrapper(model) });
        for (const prompt of ["Hi!", "Write a long poem about the sea, please."]) {
          const answer = await session.promptWithMeta(prompt, { temperature: 0.8, maxTokens: 64 });
          expect(answer.responseText).toBe(scriptedSentence);
          expect(answer.stopReason).toBe("eogToken");
        }
      } finally {
        await context.dispose();
      }
    });
  });

  it("the qwen2.5-0.5b shape (q4_0) generates, loads and runs", async () => {
    const info = await readGgufFileInfo(await testModelPath("qwen2.5-0.5b-q4_0"), { logWarnings: false });
    expect(info.tensorInfo?.some((tensor) => tensor.name === "output.weight")).toBe(false); // tied embeddings
    await withModel("qwen2.5-0.5b-q4_0", async (model) => {
      expect(model.fileInfo.metadata.tokenizer.ggml.tokens.length).toBe(151936);
      expect(await generateTokens(model, 4)).toBe(4);
    });
  });
});
