import type { GgufValue } from "../gguf/gguf-value.js";

/** A tokenizer to put into a generated model. */
export interface Vocabulary {
  /** Number of tokens: the rows of the embedding and output matrices. */
  readonly size: number;
  /** The `tokenizer.*` metadata entries, with their GGUF types. */
  readonly metadata: ReadonlyMap<string, GgufValue>;
}

/** llama.cpp's token types (`llama_token_type`), as `tokenizer.ggml.token_type` stores them. */
export const tokenTypes = {
  normal: 1,
  unknown: 2,
  control: 3,
  userDefined: 4,
  unused: 5,
  byte: 6,
} as const;
