import type { GgufValue } from "../gguf/gguf-value.js";
import { chatMlTemplate } from "./chatml-template.js";
import { commonEnglishWords } from "./common-english-words.js";
import { tokenTypes, type Vocabulary } from "./vocabulary.js";

/** A SentencePiece vocabulary made in code, with the token list, so a model needs no file from outside. */
export interface BuiltinVocabulary extends Vocabulary {
  /** Token pieces by id (`▁` stands for a space, as SentencePiece writes it). */
  readonly tokens: readonly string[];
  readonly tokenIdsByPiece: ReadonlyMap<string, number>;
}

export interface BuiltinVocabularyOptions {
  /** Pads with unused tokens up to this size, so a model's matrices have a real model's size. Defaults to no padding. */
  readonly minimumSize?: number;
}

/** Ids of the special tokens, which come first. */
export const builtinTokenIds = {
  unknown: 0,
  beginOfSequence: 1,
  endOfSequence: 2,
  imStart: 3,
  imEnd: 4,
} as const;

const firstByteTokenId = 5;
/** SentencePiece's stand-in for a space. */
const spaceMarker = "\u2581";

/** Id of the byte-fallback token `<0xXX>` for a byte. */
export function builtinByteTokenId(byte: number): number {
  return firstByteTokenId + byte;
}

/**
 * A small SentencePiece ("llama" tokenizer) vocabulary that llama.cpp accepts: `<unk>`, `<s>`, `</s>`, the
 * ChatML markers, the 256 byte tokens for byte fallback, every printable ASCII character, `▁`, and every
 * prefix of a few hundred common words with and without `▁` (SentencePiece's merges grow a word one piece
 * at a time, so the intermediate pieces must exist). Longer pieces score higher, so words come out whole.
 * The end-of-sequence token is `<|im_end|>`, and the chat template is ChatML.
 */
export function createBuiltinVocabulary(options: BuiltinVocabularyOptions = {}): BuiltinVocabulary {
  const tokens: string[] = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"];
  const types: number[] = [tokenTypes.unknown, tokenTypes.control, tokenTypes.control, tokenTypes.control, tokenTypes.control];
  const scores: number[] = [0, 0, 0, 0, 0];
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(tokenTypes.byte);
    scores.push(0);
  }
  for (const piece of normalPieces()) {
    tokens.push(piece);
    types.push(tokenTypes.normal);
    scores.push([...piece].length);
  }
  for (let index = tokens.length; index < (options.minimumSize ?? 0); index++) {
    tokens.push(`<unused${index}>`);
    types.push(tokenTypes.unused);
    scores.push(0);
  }

  const metadata = new Map<string, GgufValue>([
    ["tokenizer.ggml.model", { type: "string", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "array", elementType: "string", values: tokens }],
    ["tokenizer.ggml.scores", { type: "array", elementType: "float32", values: scores }],
    ["tokenizer.ggml.token_type", { type: "array", elementType: "int32", values: types }],
    ["tokenizer.ggml.bos_token_id", { type: "uint32", value: builtinTokenIds.beginOfSequence }],
    ["tokenizer.ggml.eos_token_id", { type: "uint32", value: builtinTokenIds.imEnd }],
    ["tokenizer.ggml.unknown_token_id", { type: "uint32", value: builtinTokenIds.unknown }],
    // ChatML prompts carry no BOS, and a leading space would shift every prompt's first word.
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: false }],
    ["tokenizer.ggml.add_eos_token", { type: "bool", value: false }],
    ["tokenizer.ggml.add_space_prefix", { type: "bool", value: false }],
    ["tokenizer.chat_template", { type: "string", value: chatMlTemplate }],
  ]);
  const tokenIdsByPiece = new Map(tokens.map((piece, id) => [piece, id]));
  return { size: tokens.length, metadata, tokens, tokenIdsByPiece };
}

function normalPieces(): Set<string> {
  const pieces = new Set<string>();
  for (let code = 0x21; code <= 0x7e; code++) pieces.add(String.fromCharCode(code));
  pieces.add(spaceMarker);
  for (const word of commonEnglishWords) {
    const capitalized = word.charAt(0).toUpperCase() + word.slice(1);
    for (const variant of [word, capitalized, spaceMarker + word, spaceMarker + capitalized]) {
      for (let length = 2; length <= variant.length; length++) pieces.add(variant.slice(0, length));
    }
  }
  return pieces;
}
