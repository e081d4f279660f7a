import type { GgufValue } from "../gguf/gguf-value.js";
import type { ModelShape } from "./model-shapes.js";
import type { Vocabulary } from "./vocabulary.js";

export interface LlamaModelMetadataOptions {
  readonly name: string;
  readonly shape: ModelShape;
  /** `general.file_type` (llama_ftype). */
  readonly fileType: number;
  readonly vocabulary: Vocabulary;
}

/** The data alignment written to every generated file: the GGUF default, stated explicitly. */
const generatedModelAlignment = 32;

/** The `general.*`, `llama.*` and `tokenizer.*` metadata of a generated llama-architecture model. */
export function llamaModelMetadata(options: LlamaModelMetadataOptions): Map<string, GgufValue> {
  const { shape } = options;
  const uint32 = (value: number): GgufValue => ({ type: "uint32", value });
  const float32 = (value: number): GgufValue => ({ type: "float32", value });
  const metadata = new Map<string, GgufValue>([
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.name", { type: "string", value: avoidNameKeyedQuirks(options.name) }],
    ["general.file_type", uint32(options.fileType)],
    ["general.quantization_version", uint32(2)],
    ["general.alignment", uint32(generatedModelAlignment)],
    ["llama.context_length", uint32(shape.contextLength)],
    ["llama.embedding_length", uint32(shape.embeddingLength)],
    ["llama.block_count", uint32(shape.blockCount)],
    ["llama.feed_forward_length", uint32(shape.feedForwardLength)],
    ["llama.attention.head_count", uint32(shape.headCount)],
    ["llama.attention.head_count_kv", uint32(shape.headCountKv)],
    ["llama.rope.dimension_count", uint32(shape.embeddingLength / shape.headCount)],
    ["llama.rope.freq_base", float32(shape.ropeFrequencyBase)],
    ["llama.attention.layer_norm_rms_epsilon", float32(shape.rmsNormEpsilon)],
    ["llama.vocab_size", uint32(options.vocabulary.size)],
  ]);
  for (const [key, value] of options.vocabulary.metadata) metadata.set(key, value);
  return metadata;
}

// llama.cpp adjusts the tokenizer of any model whose name contains "phi3" or "phi-3", and fails to load it
// unless the vocabulary has Phi-3's special tokens (<|endoftext|> and others). A generated model has
// whatever vocabulary it was given, so keep its name clear of that match.
function avoidNameKeyedQuirks(name: string): string {
  return name.replace(/phi-?3/gi, (match) => match.replace("3", "_3"));
}
