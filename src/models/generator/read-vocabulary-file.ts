import { readGgufMetadata } from "../gguf/gguf-metadata-reader.js";
import type { GgufValue } from "../gguf/gguf-value.js";
import type { Vocabulary } from "./vocabulary.js";

/**
 * The tokenizer of an existing GGUF (a vocab-only file or a whole model): every `tokenizer.*` entry, copied
 * with its stored type, and the token count.
 */
export async function readVocabularyFile(filePath: string): Promise<Vocabulary> {
  const { metadata } = await readGgufMetadata(filePath);
  const tokenizerMetadata = new Map<string, GgufValue>();
  for (const [key, value] of metadata) {
    if (key.startsWith("tokenizer.")) tokenizerMetadata.set(key, value);
  }
  const tokens = tokenizerMetadata.get("tokenizer.ggml.tokens");
  if (tokens?.type !== "array" || tokens.elementType !== "string" || tokens.values.length === 0) {
    throw new Error(`${filePath} has no tokenizer.ggml.tokens string array, so it holds no vocabulary`);
  }
  return { size: tokens.values.length, metadata: tokenizerMetadata };
}
