import { writeModelFile } from "../../src/models/generator/write-model-file.js";
import type { GgufValue } from "../../src/models/gguf/gguf-value.js";
import { readVocabularyFile } from "../../src/models/generator/read-vocabulary-file.js";
import { tokenTypes, type Vocabulary } from "../../src/models/generator/vocabulary.js";

/** A token a family's template writes as one piece: put in place of a `[PAD…]` filler at `id`, or appended. */
export interface FamilyToken {
  readonly piece: string;
  readonly type: "control" | "userDefined";
  /** Where the real tokenizer has it, over a filler of the bundled one. Absent: appended. */
  readonly id?: number;
}

/**
 * Writes a vocabulary-only GGUF (metadata, no tensors) made from a bundled tokenizer, with `tokens` set in place
 * and `chatTemplate` as its template: the tokenizer and template a family's test models copy. The bundled
 * vocabularies lack some of their family's added tokens (Qwen's `<tool_call>` and `<think>` are `[PAD…]` fillers
 * there), and gpt-oss and GLM have none bundled, so their markers are added to a related tokenizer.
 */
export async function writeFamilyVocabulary(options: {
  readonly basePath: string;
  readonly tokens: readonly FamilyToken[];
  readonly chatTemplate: string;
  readonly eosPiece?: string;
  readonly outputPath: string;
}): Promise<void> {
  const base = await readVocabularyFile(options.basePath);
  const vocabulary = withTokens(base, options.tokens);
  const metadata = new Map<string, GgufValue>([["general.architecture", { type: "string", value: "llama" }]]);
  for (const [key, value] of vocabulary.metadata) metadata.set(key, value);
  metadata.set("tokenizer.chat_template", { type: "string", value: options.chatTemplate });
  if (options.eosPiece !== undefined) {
    const pieces = stringList(vocabulary.metadata, "tokenizer.ggml.tokens");
    metadata.set("tokenizer.ggml.eos_token_id", { type: "uint32", value: pieces.indexOf(options.eosPiece) });
  }
  await writeModelFile(options.outputPath, { metadata, tensors: [] });
}

function withTokens(base: Vocabulary, tokens: readonly FamilyToken[]): Vocabulary {
  const pieces = [...stringList(base.metadata, "tokenizer.ggml.tokens")];
  const typesValue = base.metadata.get("tokenizer.ggml.token_type");
  if (typesValue?.type !== "array" || (typesValue.elementType !== "int32" && typesValue.elementType !== "uint32")) {
    throw new Error("the vocabulary has no token types");
  }
  const types = Array.from(typesValue.values);
  const scoresValue = base.metadata.get("tokenizer.ggml.scores");
  const scores = scoresValue?.type === "array" && scoresValue.elementType === "float32" ? Array.from(scoresValue.values) : undefined;
  for (const token of tokens) {
    if (pieces.includes(token.piece)) continue;
    const id = token.id ?? pieces.length;
    if (token.id !== undefined && !/^\[PAD\d+\]$/.test(pieces[id] ?? "")) throw new Error(`token ${id} is ${pieces[id]}, not a filler`);
    pieces[id] = token.piece;
    types[id] = tokenTypes[token.type];
    if (scores !== undefined) scores[id] = 0;
  }
  const metadata = new Map<string, GgufValue>(base.metadata);
  metadata.set("tokenizer.ggml.tokens", { type: "array", elementType: "string", values: pieces });
  metadata.set("tokenizer.ggml.token_type", { type: "array", elementType: typesValue.elementType, values: types });
  if (scores !== undefined) metadata.set("tokenizer.ggml.scores", { type: "array", elementType: "float32", values: scores });
  return { size: pieces.length, metadata };
}

function stringList(metadata: ReadonlyMap<string, GgufValue>, key: string): readonly string[] {
  const value = metadata.get(key);
  if (value?.type !== "array" || value.elementType !== "string") throw new Error(`the vocabulary has no ${key}`);
  return value.values;
}
