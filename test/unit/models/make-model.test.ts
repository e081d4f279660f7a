import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readGgufMetadata } from "../../../src/models/gguf/gguf-metadata-reader.js";
import { makeModel, makeScriptedModel } from "../../../src/models/generator/make-model.js";
import { outputProjectionType } from "../../../src/models/generator/output-projection-type.js";

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "pensieve-make-model-"));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const scalar = (metadata: ReadonlyMap<string, unknown>, key: string) => (metadata.get(key) as { value: unknown } | undefined)?.value;

describe("makeModel", () => {
  it("writes a llama model with the shape's metadata and tensors", async () => {
    const outputPath = path.join(folder, "nested", "tiny.gguf");
    const made = await makeModel({ shape: "tiny", type: "q4_0", outputPath });
    expect(made.bytes).toBe((await stat(outputPath)).size);
    expect(existsSync(`${outputPath}.partial`)).toBe(false);

    const { metadata, tensorInfos } = await readGgufMetadata(outputPath);
    expect(made.tensorCount).toBe(tensorInfos.length);
    expect(scalar(metadata, "general.architecture")).toBe("llama");
    expect(scalar(metadata, "general.file_type")).toBe(2);
    expect(scalar(metadata, "general.alignment")).toBe(32);
    expect(scalar(metadata, "llama.embedding_length")).toBe(64);
    expect(scalar(metadata, "llama.attention.head_count_kv")).toBe(2);
    expect(scalar(metadata, "llama.rope.dimension_count")).toBe(16);
    expect(scalar(metadata, "llama.context_length")).toBe(4096);
    expect(scalar(metadata, "llama.vocab_size")).toBe(made.vocabularySize);
    const byName = new Map(tensorInfos.map((info) => [info.name, info]));
    expect(byName.get("token_embd.weight")?.dimensions).toEqual([64, made.vocabularySize]);
    expect(byName.get("blk.1.attn_k.weight")?.dimensions).toEqual([64, 32]);
    expect(byName.get("blk.1.ffn_down.weight")?.dimensions).toEqual([128, 64]);
    expect(byName.get("blk.0.ffn_norm.weight")?.typeId).toBe(0);
    expect(byName.get("blk.0.ffn_up.weight")?.typeId).toBe(2);
    // Rows of 64 are not whole Q6_K blocks, so llama.cpp's quantizer would give the projection Q8_0.
    expect(byName.get("output.weight")?.typeId).toBe(8);
    expect(byName.get("token_embd.weight")?.typeId).toBe(2);
  });

  it("types the output projection as llama.cpp's quantizer does", () => {
    expect(outputProjectionType("q4_0", 3072)).toBe("q6_k");
    expect(outputProjectionType("q4_0", 896)).toBe("q8_0");
    expect(outputProjectionType("q8_0", 3072)).toBe("q8_0");
    expect(outputProjectionType("f16", 3072)).toBe("f16");
  });

  it("is deterministic for a seed", async () => {
    const paths = ["a", "b", "c"].map((name) => path.join(folder, `${name}.gguf`));
    await makeModel({ shape: "tiny", type: "f16", outputPath: paths[0] as string, seed: 5 });
    await makeModel({ shape: "tiny", type: "f16", outputPath: paths[1] as string, seed: 5 });
    await makeModel({ shape: "tiny", type: "f16", outputPath: paths[2] as string, seed: 6 });
    const [first, second, third] = await Promise.all(paths.map((filePath) => readFile(filePath)));
    expect(first?.equals(second as Buffer)).toBe(true);
    expect(first?.equals(third as Buffer)).toBe(false);
  });

  it("copies every tokenizer entry of a vocabulary file, with its type, and takes its size", async () => {
    const source = path.join(folder, "source.gguf");
    await makeScriptedModel({ outputPath: source });
    const outputPath = path.join(folder, "with-vocabulary.gguf");
    const made = await makeModel({ shape: "tiny", type: "q8_0", vocabularyPath: source, outputPath });
    const tokenizerEntries = (metadata: ReadonlyMap<string, unknown>) => [...metadata].filter(([key]) => key.startsWith("tokenizer."));
    const sourceMetadata = (await readGgufMetadata(source)).metadata;
    expect(tokenizerEntries((await readGgufMetadata(outputPath)).metadata)).toEqual(tokenizerEntries(sourceMetadata));
    const tokens = sourceMetadata.get("tokenizer.ggml.tokens");
    expect(made.vocabularySize).toBe(tokens?.type === "array" ? tokens.values.length : -1);
  });

  it("leaves neither the file nor its partial when aborted", async () => {
    const outputPath = path.join(folder, "aborted.gguf");
    const controller = new AbortController();
    controller.abort();
    await expect(makeModel({ shape: "qwen2.5-0.5b", type: "q4_0", outputPath, signal: controller.signal })).rejects.toThrow();
    expect(existsSync(outputPath)).toBe(false);
    expect(existsSync(`${outputPath}.partial`)).toBe(false);
  });
});
