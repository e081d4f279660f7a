import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Llama } from "node-llama-cpp";
import type { FamilyShapeName } from "../../src/models/generator/families/family-shapes.js";
import { generatorVersion, makeModel } from "../../src/models/generator/make-model.js";
import { makeReplyModel } from "../../src/models/generator/make-reply-model.js";
import { parseReplyBlocks } from "../../src/models/generator/reply-blocks.js";
import { writeFamilyVocabulary, type FamilyToken } from "./family-vocabulary.js";
import { llamaBundleFile } from "./llama-bundle-file.js";
import { ensureGenerated } from "./test-models.js";

export type FamilyName = "qwen3.5" | "qwen3.5-moe" | "gemma-4" | "gpt-oss" | "glm-4.7-flash" | "qwen3-coder";

interface FamilySpec {
  /** The architecture its models are built in. */
  readonly shape: FamilyShapeName;
  /** The tokenizer, in the llama.cpp bundle. */
  readonly vocabulary: string;
  /** The real chat template, in the llama.cpp bundle. */
  readonly template: string;
  /** Tokens the template writes as one piece that the bundled tokenizer lacks. */
  readonly tokens: readonly FamilyToken[];
  readonly eosPiece?: string;
  /**
   * What a reply model of the family can say: `all` (thinking, text, a tool call); `no-thinking` where the chat
   * format's reasoning segment meets its prompt end on one token (GLM under node-llama-cpp's Jinja wrapper);
   * `none` where node-llama-cpp's wrapper starts responses with prefix triggers, which reply models cannot follow
   * (Harmony): that family is tested on random weights.
   */
  readonly reply: "all" | "no-thinking" | "none";
}

// Qwen2.5 / Qwen3's added tokens past <|im_end|>, where the bundled Qwen tokenizers have [PAD…] fillers.
const qwenAddedTokens: readonly FamilyToken[] = [
  ...["<|object_ref_start|>", "<|object_ref_end|>", "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>"],
  ...["<|vision_start|>", "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>"],
  "<tool_call>",
  "</tool_call>",
  ...["<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"],
  "<tool_response>",
  "</tool_response>",
  "<think>",
  "</think>",
].map((piece, index) => ({ piece, id: 151646 + index, type: piece.startsWith("<|") ? "control" : "userDefined" }));

// o200k_harmony's message markers, added to Llama 3's tokenizer (also tiktoken-style BPE): none is bundled.
const harmonyTokens: readonly FamilyToken[] = ["<|return|>", "<|constrain|>", "<|channel|>", "<|start|>", "<|end|>", "<|message|>", "<|call|>"].map(
  (piece) => ({ piece, type: "control" }),
);

// GLM-4.5+'s markers, added to Qwen2's tokenizer: GLM's is not bundled.
const glmTokens: readonly FamilyToken[] = [
  ...["[gMASK]", "<sop>", "<|system|>", "<|user|>", "<|assistant|>", "<|observation|>"].map((piece): FamilyToken => ({ piece, type: "control" })),
  ...["<think>", "</think>", "<tool_call>", "</tool_call>", "<arg_key>", "</arg_key>", "<arg_value>", "</arg_value>", "<tool_response>", "</tool_response>"].map(
    (piece): FamilyToken => ({ piece, type: "userDefined" }),
  ),
];

/** Bump when family models change for the same inputs (beside the generator's own version, which every test model shares). */
const familyModelsVersion = 7;

export const families: Readonly<Record<FamilyName, FamilySpec>> = {
  "qwen3.5": { shape: "qwen35", vocabulary: "models/ggml-vocab-qwen35.gguf", template: "models/templates/Qwen3.5-4B.jinja", tokens: qwenAddedTokens, reply: "all" },
  "qwen3.5-moe": { shape: "qwen35moe", vocabulary: "models/ggml-vocab-qwen35.gguf", template: "models/templates/Qwen3.5-4B.jinja", tokens: qwenAddedTokens, reply: "all" },
  "gemma-4": { shape: "gemma4", vocabulary: "models/ggml-vocab-gemma-4.gguf", template: "models/templates/google-gemma-4-31B-it.jinja", tokens: [], reply: "all" },
  "gpt-oss": {
    shape: "gpt-oss",
    vocabulary: "models/ggml-vocab-llama-bpe.gguf",
    template: "models/templates/openai-gpt-oss-120b.jinja",
    tokens: harmonyTokens,
    eosPiece: "<|return|>",
    reply: "none",
  },
  "glm-4.7-flash": { shape: "qwen3moe", vocabulary: "models/ggml-vocab-qwen2.gguf", template: "models/templates/GLM-4.7-Flash.jinja", tokens: glmTokens, reply: "no-thinking" },
  "qwen3-coder": { shape: "qwen3moe", vocabulary: "models/ggml-vocab-qwen2.gguf", template: "models/templates/Qwen3-Coder.jinja", tokens: qwenAddedTokens, reply: "all" },
};

/**
 * A vocabulary-only GGUF with the family's tokenizer and real chat template, both read from node-llama-cpp's
 * llama.cpp bundle at test time (never committed), made once into `.cache/test-models/`.
 */
export async function familyVocabularyPath(family: FamilyName): Promise<string> {
  const spec = families[family];
  const [basePath, templatePath] = await Promise.all([llamaBundleFile(spec.vocabulary), llamaBundleFile(spec.template)]);
  const chatTemplate = await readFile(templatePath, "utf8");
  const key = hash({ spec, chatTemplate, basePath });
  return ensureGenerated(`vocab-${family}-${key}.gguf`, (outputPath) =>
    writeFamilyVocabulary({ basePath, tokens: spec.tokens, chatTemplate, outputPath, ...(spec.eosPiece === undefined ? {} : { eosPiece: spec.eosPiece }) }),
  );
}

/**
 * A reply model of the family: its architecture, tokenizer and template, answering `reply` (Anthropic content
 * blocks) in the family's native syntax to any prompt. Made once into `.cache/test-models/`.
 */
export async function familyReplyModelPath(family: FamilyName, reply: unknown, llama?: Llama): Promise<string> {
  const vocabularyPath = await familyVocabularyPath(family);
  const key = hash({ vocabularyPath, reply, generatorVersion, familyModelsVersion });
  return ensureGenerated(`reply-${family}-${key}.gguf`, (outputPath) =>
    makeReplyModel({
      outputPath,
      reply: parseReplyBlocks(reply),
      vocabularyPath,
      family: families[family].shape,
      ...(llama === undefined ? {} : { llama }),
    }),
  );
}

/** A model of the family with random weights (the tiny shape of its architecture), with its tokenizer and template. */
export async function familyRandomModelPath(family: FamilyName): Promise<string> {
  const vocabularyPath = await familyVocabularyPath(family);
  const shape = families[family].shape;
  const key = hash({ vocabularyPath, shape, generatorVersion, familyModelsVersion });
  return ensureGenerated(`random-${family}-${key}.gguf`, (outputPath) => makeModel({ shape, type: "q8_0", seed: 1, vocabularyPath, outputPath }));
}

function hash(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 12);
}
