import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { memoryShapeFromGguf } from "../../src/engine/llama/memory-shape-from-gguf.js";
import { releaseTokenizerArrays } from "../../src/engine/llama/release-tokenizer-arrays.js";
import { testModelPath } from "../helpers/test-models.js";

describe("releaseTokenizerArrays", () => {
  it("empties the per-token arrays of a loaded model's metadata and keeps their lengths, which node-llama-cpp still reads", { timeout: 60_000 }, async () => {
    const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: await testModelPath("tiny") });
    try {
      const ggml = model.fileInfo.metadata.tokenizer.ggml as unknown as Record<string, unknown>;
      const lengths = Object.fromEntries(Object.entries(ggml).flatMap(([key, value]) => (Array.isArray(value) ? [[key, value.length]] : [])));
      expect(Object.keys(lengths).sort()).toEqual(["scores", "token_type", "tokens"]);
      const vocabulary = lengths["tokens"] ?? 0;
      expect(vocabulary).toBeGreaterThan(1024);
      const scalars = Object.entries(ggml).filter(([, value]) => !Array.isArray(value));
      const text = "The harbour master keeps a log of every ship.";
      const tokens = model.tokenize(text);

      releaseTokenizerArrays(model.fileInfo);

      for (const [key, length] of Object.entries(lengths)) {
        const released = ggml[key] as unknown[];
        expect(released, key).toHaveLength(length);
        expect(released[0], key).toBeUndefined();
        expect(Object.keys(released), key).toHaveLength(1);
      }
      expect(Object.entries(ggml).filter(([, value]) => !Array.isArray(value))).toEqual(scalars);
      // What reads them after the load: node-llama-cpp's token iteration and the memory estimate's vocabulary.
      expect([...model.iterateAllTokens()]).toHaveLength(vocabulary);
      expect(memoryShapeFromGguf(model.fileInfo).vocabularySize).toBe(vocabulary);
      // llama.cpp tokenizes from its own copy.
      expect(model.tokenize(text)).toEqual(tokens);
      expect(model.detokenize(tokens)).toBe(text);
    } finally {
      await model.dispose();
    }
  });

  it("leaves metadata without a tokenizer, and short arrays, as they are", () => {
    const withoutTokenizer = { metadata: { general: { architecture: "llama" } } };
    releaseTokenizerArrays(withoutTokenizer as never);
    expect(withoutTokenizer).toEqual({ metadata: { general: { architecture: "llama" } } });
    const short = { metadata: { tokenizer: { ggml: { tokens: ["a", "b"], model: "gpt2" } } } };
    releaseTokenizerArrays(short as never);
    expect(short.metadata.tokenizer.ggml).toEqual({ tokens: ["a", "b"], model: "gpt2" });
  });
});
