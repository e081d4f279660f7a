import type { GgufValue } from "../gguf/gguf-value.js";
import { tokenTypes, type Vocabulary } from "./vocabulary.js";

export interface DuplicateByteTokens {
  /** The vocabulary with the new tokens appended. */
  readonly vocabulary: Vocabulary;
  /** The id of the token added for each byte, in the order given. */
  readonly tokenIds: readonly number[];
}

/**
 * Appends one byte token per entry of `bytes`, so a model can emit the same byte at many points of a reply
 * through distinct ids. llama.cpp asserts that no two tokens have the same text, but it decodes a byte token
 * from the two hex digits after `<0x` alone, for SentencePiece and BPE vocabularies alike: `<0x41>#7` is a
 * token of its own that detokenizes to `A`. The suffix keeps the texts unique, and no tokenizer produces these
 * tokens (SentencePiece byte fallback looks up the exact `<0x41>`; BPE has no merges for them), so prompts
 * never contain them. Needs the base's `tokenizer.ggml.tokens` and `tokenizer.ggml.token_type`.
 */
export function appendDuplicateByteTokens(base: Vocabulary, bytes: readonly number[]): DuplicateByteTokens {
  const tokens = base.metadata.get("tokenizer.ggml.tokens");
  const types = base.metadata.get("tokenizer.ggml.token_type");
  if (tokens?.type !== "array" || tokens.elementType !== "string") throw new Error("the vocabulary has no token list");
  if (types?.type !== "array" || (types.elementType !== "int32" && types.elementType !== "uint32")) {
    throw new Error("the vocabulary has no token types, so byte tokens cannot be added to it");
  }
  const existing = new Set(tokens.values);
  const newTokens = bytes.map((byte, index) => {
    const text = `<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>#${index}`;
    if (existing.has(text)) throw new Error(`the vocabulary already has a token ${text}`);
    return text;
  });
  const firstId = tokens.values.length;
  const metadata = new Map<string, GgufValue>(base.metadata);
  metadata.set("tokenizer.ggml.tokens", { type: "array", elementType: "string", values: [...tokens.values, ...newTokens] });
  metadata.set("tokenizer.ggml.token_type", {
    type: "array",
    elementType: types.elementType,
    values: [...Array.from(types.values), ...newTokens.map(() => tokenTypes.byte)],
  });
  // llama.cpp reads a score for every token when the list exists: it must grow with the tokens.
  const scores = base.metadata.get("tokenizer.ggml.scores");
  if (scores !== undefined) {
    if (scores.type !== "array" || (scores.elementType !== "float32" && scores.elementType !== "int32")) {
      throw new Error("the vocabulary's scores are not a float32 or int32 list");
    }
    const values = [...Array.from(scores.values), ...newTokens.map(() => 0)];
    metadata.set("tokenizer.ggml.scores", { type: "array", elementType: scores.elementType, values });
  }
  return {
    vocabulary: { size: firstId + newTokens.length, metadata },
    tokenIds: newTokens.map((_, index) => firstId + index),
  };
}
