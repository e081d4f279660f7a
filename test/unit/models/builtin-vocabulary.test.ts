import { describe, expect, it } from "vitest";
import { builtinByteTokenId, builtinTokenIds, createBuiltinVocabulary } from "../../../src/models/generator/builtin-vocabulary.js";
import { chatMlTemplate } from "../../../src/models/generator/chatml-template.js";
import { scriptedModelContents, scriptedSentence } from "../../../src/models/generator/scripted-model.js";
import { tokenTypes } from "../../../src/models/generator/vocabulary.js";

const vocabulary = createBuiltinVocabulary();

function arrayEntry(key: string): ArrayLike<unknown> {
  const entry = vocabulary.metadata.get(key);
  if (entry?.type !== "array") throw new Error(`${key} is not an array`);
  return entry.values;
}

const tokenTypeOf = (id: number) => arrayEntry("tokenizer.ggml.token_type")[id];
const scoreOf = (piece: string) => arrayEntry("tokenizer.ggml.scores")[vocabulary.tokenIdsByPiece.get(piece) ?? -1];

describe("createBuiltinVocabulary", () => {
  it("puts the special tokens first, with their types", () => {
    expect(vocabulary.tokens.slice(0, 5)).toEqual(["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]);
    expect([0, 1, 2, 3, 4].map(tokenTypeOf)).toEqual([tokenTypes.unknown, ...Array(4).fill(tokenTypes.control)]);
    expect(vocabulary.tokens[builtinTokenIds.imEnd]).toBe("<|im_end|>");
  });

  it("has all 256 byte tokens for byte fallback", () => {
    for (let byte = 0; byte < 256; byte++) {
      const id = builtinByteTokenId(byte);
      expect(vocabulary.tokens[id]).toBe(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`);
      expect(tokenTypeOf(id)).toBe(tokenTypes.byte);
    }
  });

  it("has every printable ASCII character, ▁, and every prefix of its words", () => {
    for (let code = 0x21; code <= 0x7e; code++) expect(vocabulary.tokenIdsByPiece.has(String.fromCharCode(code))).toBe(true);
    for (const piece of ["▁", "▁h", "▁he", "▁hel", "▁hell", "▁hello", "h", "he", "hel", "hell", "hello", "Hello", "▁Hello", "▁world"]) {
      expect(vocabulary.tokenIdsByPiece.has(piece), piece).toBe(true);
    }
    expect(tokenTypeOf(vocabulary.tokenIdsByPiece.get("▁hello") ?? -1)).toBe(tokenTypes.normal);
  });

  it("scores longer pieces higher", () => {
    expect(scoreOf("▁hello")).toBeGreaterThan(scoreOf("▁hell") as number);
    expect(scoreOf("▁hell")).toBeGreaterThan(scoreOf("he") as number);
  });

  it("has no duplicate pieces, and arrays of one length", () => {
    expect(new Set(vocabulary.tokens).size).toBe(vocabulary.tokens.length);
    expect(vocabulary.size).toBe(vocabulary.tokens.length);
    expect(arrayEntry("tokenizer.ggml.scores").length).toBe(vocabulary.size);
    expect(arrayEntry("tokenizer.ggml.token_type").length).toBe(vocabulary.size);
  });

  it("states a ChatML, no-BOM, no-space-prefix SentencePiece tokenizer", () => {
    const value = (key: string) => {
      const entry = vocabulary.metadata.get(key);
      return entry?.type === "array" ? undefined : entry?.value;
    };
    expect(value("tokenizer.ggml.model")).toBe("llama");
    expect(value("tokenizer.ggml.add_bos_token")).toBe(false);
    expect(value("tokenizer.ggml.add_space_prefix")).toBe(false);
    expect(value("tokenizer.ggml.eos_token_id")).toBe(builtinTokenIds.imEnd);
    expect(value("tokenizer.chat_template")).toBe(chatMlTemplate);
    expect(chatMlTemplate).toContain("'<|im_start|>assistant\\n'");
  });

  it("pads with unique unused tokens up to a minimum size", () => {
    const padded = createBuiltinVocabulary({ minimumSize: 32064 });
    expect(padded.size).toBe(32064);
    expect(padded.tokens.slice(0, vocabulary.size)).toEqual(vocabulary.tokens);
    expect(new Set(padded.tokens).size).toBe(32064);
    const types = padded.metadata.get("tokenizer.ggml.token_type");
    expect(types?.type === "array" ? types.values[32063] : undefined).toBe(tokenTypes.unused);
    expect(createBuiltinVocabulary({ minimumSize: 10 }).size).toBe(vocabulary.size);
  });
});

describe("scriptedModelContents", () => {
  it("chains distinct tokens from \\n through the sentence to <|im_end|>", () => {
    const { tensors, vocabularySize } = scriptedModelContents();
    expect(vocabularySize).toBe(vocabulary.size);
    expect(tensors.map((tensor) => tensor.name)).toContain("output.weight");
    for (const word of ["Hello", "▁This", "▁is", "▁the", "▁Pensieve", "▁demo", "▁fetch", "▁a", "▁real", "▁model", "▁to", "▁chat"]) {
      expect(vocabulary.tokenIdsByPiece.has(word), word).toBe(true);
    }
    expect(scriptedSentence).toBe("Hello! This is the Pensieve demo; fetch a real model to chat.");
  });

  it("refuses a sentence that repeats a token", () => {
    expect(() => scriptedModelContents("see the cat and the dog")).toThrow(/"▁the" twice/);
    expect(() => scriptedModelContents("two\nlines")).toThrow(/twice/);
  });
});
