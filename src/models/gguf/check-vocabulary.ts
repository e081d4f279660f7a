import { MetadataProblem, type ModelMetadataView } from "./model-metadata-view.js";

/** llama.h: `LLAMA_TOKEN_TYPE_BYTE`, a token that stands for one raw byte (`<0x0A>`). */
const byteTokenType = 6;

/**
 * Checks the tokenizer against what llama.cpp aborts on while node-llama-cpp loads the model, which tokenizes
 * and detokenizes from the start (llama-vocab.cpp). Throws `MetadataProblem`.
 */
export function checkVocabulary(view: ModelMetadataView): void {
  const model = view.string("tokenizer.ggml.model");
  // llama-vocab.cpp: no tokenizer is created for these, and tokenizing asserts `tokenizer && "Tokenizer not initialized"`.
  if (model === "none" || model === "no_vocab") {
    throw new MetadataProblem(`tokenizer.ggml.model is "${model}": the file has no vocabulary, so it cannot serve text, and llama.cpp aborts when asked to tokenize`);
  }
  // llama-vocab.cpp, token_to_byte: a WordPiece (bert) vocabulary has no byte tokens, and GGML_ABORTs on one.
  if (model === "bert") {
    const types = view.distinct("tokenizer.ggml.token_type");
    if (view.arrayLength("tokenizer.ggml.token_type") !== undefined && (types === undefined || types.has(byteTokenType))) {
      throw new MetadataProblem(`the WordPiece (bert) vocabulary has byte tokens (tokenizer.ggml.token_type ${byteTokenType}), on which llama.cpp aborts`);
    }
  }
}
