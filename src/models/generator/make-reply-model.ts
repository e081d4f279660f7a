import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { getLlama, LlamaLogLevel, resolveChatWrapper, type Llama } from "node-llama-cpp";
import type { GgufTensor } from "../gguf/gguf-tensor.js";
import type { GgufValue } from "../gguf/gguf-value.js";
import { writeGgufFile } from "../gguf/gguf-writer.js";
import { createBuiltinVocabulary } from "./builtin-vocabulary.js";
import { familyLayoutOf } from "./families/family-layout-of.js";
import { familyModelMetadata } from "./families/family-model-metadata.js";
import type { FamilyShape } from "./families/family-shape.js";
import { familyShapes, type FamilyShapeName } from "./families/family-shapes.js";
import { filledTensorChunks } from "./filled-tensor-chunks.js";
import { llamaModelMetadata } from "./llama-model-metadata.js";
import { llamaTensorLayout } from "./llama-tensor-layout.js";
import { modelShapes } from "./model-shapes.js";
import { ggufFileTypes } from "./model-weight-type.js";
import { readVocabularyFile } from "./read-vocabulary-file.js";
import type { ReplyParts } from "./reply-blocks.js";
import { replyModelContents, replyModelName } from "./reply-model.js";
import { renderReplyScript, type ReplyScript } from "./render-reply-script.js";
import type { Vocabulary } from "./vocabulary.js";
import { writeModelFile } from "./write-model-file.js";

export interface ReplyModelOptions {
  readonly outputPath: string;
  /** What the model answers, to any prompt (see `readReplyFile`). */
  readonly reply: ReplyParts;
  /** A GGUF whose `tokenizer.*` entries (and chat template) are copied. Defaults to the built-in vocabulary. */
  readonly vocabularyPath?: string;
  /** The architecture to build the reply into (its layers do nothing). Defaults to llama. */
  readonly family?: FamilyShapeName;
  /**
   * The llama.cpp runtime to render with; starting one takes seconds, so callers making several models pass
   * theirs. Defaults to a CPU runtime started and disposed for this call.
   */
  readonly llama?: Llama;
  readonly signal?: AbortSignal;
}

export interface MadeReplyModel {
  readonly outputPath: string;
  /** File size. */
  readonly bytes: number;
  readonly tensorCount: number;
  readonly vocabularySize: number;
  readonly embeddingLength: number;
  /** The node-llama-cpp chat wrapper the reply was rendered for: the one the engine resolves for the model. */
  readonly chatWrapperName: string;
}

/**
 * Generates a model that answers `reply` to any prompt, through the real engine: its text, its reasoning
 * segment, and its tool call, which LlamaChat parses into a function call with exactly the given input. The
 * reply is rendered with the chat wrapper node-llama-cpp resolves for the model's tokenizer and template (see
 * `renderReplyScript`), then built into weights (see `replyModelContents`).
 */
export async function makeReplyModel(options: ReplyModelOptions): Promise<MadeReplyModel> {
  const vocabulary = options.vocabularyPath === undefined ? createBuiltinVocabulary() : await readVocabularyFile(options.vocabularyPath);
  const llama = options.llama ?? (await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error }));
  let script: ReplyScript;
  try {
    script = await renderWithVocabulary(llama, vocabulary, path.basename(options.outputPath), options.reply, options.family);
  } finally {
    if (options.llama === undefined) await llama.dispose();
  }
  const family = options.family === undefined ? undefined : familyShapes[options.family];
  const { metadata, tensors, vocabularySize, embeddingLength } = replyModelContents(vocabulary, script, family);
  const result = await writeModelFile(options.outputPath, {
    metadata,
    tensors,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { outputPath: options.outputPath, ...result, vocabularySize, embeddingLength, chatWrapperName: script.chatWrapperName };
}

/**
 * Renders the reply with node-llama-cpp's tokenizer and chat wrapper, loaded (vocabulary only) from a stand-in
 * model with the reply model's metadata, architecture and file name, which the wrapper resolution reads (Qwen3.5's
 * template resolves to node-llama-cpp's Qwen wrapper for a `qwen35` model, to its Jinja wrapper for a llama one),
 * in a temporary folder. Its weights are zero and never read, but present: node-llama-cpp sizes a model by loading
 * its tensor list.
 */
async function renderWithVocabulary(llama: Llama, vocabulary: Vocabulary, fileName: string, reply: ReplyParts, family?: FamilyShapeName): Promise<ReplyScript> {
  const folder = await mkdtemp(path.join(os.tmpdir(), "pensieve-reply-"));
  try {
    const standInPath = path.join(folder, fileName);
    await writeGgufFile(standInPath, family === undefined ? llamaStandIn(vocabulary) : familyStandIn(familyShapes[family], vocabulary));
    const model = await llama.loadModel({ modelPath: standInPath, vocabOnly: true });
    try {
      return renderReplyScript(model, resolveChatWrapper(model), reply);
    } finally {
      await model.dispose();
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function llamaStandIn(vocabulary: Vocabulary): { metadata: Map<string, GgufValue>; tensors: GgufTensor[] } {
  const shape = modelShapes.tiny;
  const metadata = llamaModelMetadata({ name: replyModelName, shape, fileType: ggufFileTypes.q4_0, vocabulary });
  const tensors = llamaTensorLayout(shape, vocabulary.size).map((slot): GgufTensor => {
    const type = slot.role === "norm" ? "f32" : "q4_0";
    const elementCount = slot.dimensions.reduce((product, dimension) => product * dimension, 1);
    return { ...slot, type, data: () => filledTensorChunks(type, elementCount, 0) };
  });
  return { metadata, tensors };
}

function familyStandIn(shape: FamilyShape, vocabulary: Vocabulary): { metadata: Map<string, GgufValue>; tensors: GgufTensor[] } {
  const layout = familyLayoutOf(shape, vocabulary.size);
  const metadata = familyModelMetadata({ name: replyModelName, layout, fileType: ggufFileTypes.q4_0, vocabulary });
  const tensors = layout.tensors.map((slot): GgufTensor => {
    const type = slot.role === "constant" || slot.role === "vector" ? "f32" : "q4_0";
    const elementCount = slot.dimensions.reduce((product, dimension) => product * dimension, 1);
    return { ...slot, type, data: () => filledTensorChunks(type, elementCount, 0) };
  });
  return { metadata, tensors };
}
