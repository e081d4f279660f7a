import type { GgufTensor } from "../gguf/gguf-tensor.js";
import type { GgufValue } from "../gguf/gguf-value.js";
import { builtinByteTokenId, builtinTokenIds, createBuiltinVocabulary, type BuiltinVocabulary } from "./builtin-vocabulary.js";
import { chainModelShape } from "./chain-model-shape.js";
import { denseTensorChunks } from "./dense-tensor-chunks.js";
import { filledTensorChunks } from "./filled-tensor-chunks.js";
import { llamaModelMetadata } from "./llama-model-metadata.js";
import { llamaTensorLayout } from "./llama-tensor-layout.js";
import { ggufFileTypes } from "./model-weight-type.js";

/** What the demo model says, whatever it is asked. */
export const scriptedSentence = "Hello! This is the Pensieve demo; fetch a real model to chat.";

export interface ScriptedModelContents {
  readonly metadata: Map<string, GgufValue>;
  readonly tensors: GgufTensor[];
  readonly vocabularySize: number;
}

// Big enough that the chain's next token takes all the probability even at high temperature: with a
// normalised unit vector the logit is 40 * sqrt(hidden size), against 0 for every other token.
const chainLogitWeight = 40;
const minimumHiddenSize = 64;
const headDimension = 16;

/**
 * The tensors and metadata of a model that answers `sentence` to any ChatML prompt. One layer whose attention
 * and feed-forward weights are all zero leaves each position's state equal to its own token's embedding, so
 * the next token depends only on the current one. The chain runs from `\n` (the last token of the assistant
 * header) through the sentence's tokens to `<|im_end|>`: chain token k embeds as unit vector k, and the output
 * row of token k+1 is 40 times unit vector k. Every token in the chain must therefore be distinct.
 */
export function scriptedModelContents(sentence: string = scriptedSentence): ScriptedModelContents {
  const vocabulary = createBuiltinVocabulary();
  const chain = [builtinByteTokenId(0x0a), ...tokenizeGreedily(sentence, vocabulary), builtinTokenIds.imEnd];
  const seen = new Set<number>();
  for (const tokenId of chain) {
    if (seen.has(tokenId)) {
      throw new Error(
        `the sentence uses the token ${JSON.stringify(vocabulary.tokens[tokenId])} twice (or it is "\\n" or <|im_end|>); ` +
          "a scripted model needs every token of its chain distinct",
      );
    }
    seen.add(tokenId);
  }

  const hiddenSize = Math.max(minimumHiddenSize, Math.ceil(chain.length / headDimension) * headDimension);
  const shape = chainModelShape(hiddenSize, headDimension);
  const embedding = new Float32Array(hiddenSize * vocabulary.size);
  const output = new Float32Array(hiddenSize * vocabulary.size);
  for (const [position, tokenId] of chain.entries()) {
    embedding[tokenId * hiddenSize + position] = 1;
    const nextTokenId = chain[position + 1];
    if (nextTokenId !== undefined) output[nextTokenId * hiddenSize + position] = chainLogitWeight;
  }

  const tensors = llamaTensorLayout(shape, vocabulary.size).map((slot): GgufTensor => {
    const elementCount = slot.dimensions.reduce((product, dimension) => product * dimension, 1);
    if (slot.role === "norm") return { ...slot, type: "f32", data: () => filledTensorChunks("f32", elementCount, 1) };
    if (slot.name === "token_embd.weight") return { ...slot, type: "f16", data: () => denseTensorChunks("f16", embedding) };
    if (slot.name === "output.weight") return { ...slot, type: "f16", data: () => denseTensorChunks("f16", output) };
    return { ...slot, type: "f16", data: () => filledTensorChunks("f16", elementCount, 0) };
  });
  const metadata = llamaModelMetadata({ name: "pensieve-scripted", shape, fileType: ggufFileTypes.f16, vocabulary });
  return { metadata, tensors, vocabularySize: vocabulary.size };
}

/**
 * Longest-match tokenization over the built-in pieces, with byte fallback. The model emits these ids
 * directly, so they need only detokenize to the sentence, not match what llama.cpp would tokenize it to.
 */
function tokenizeGreedily(text: string, vocabulary: BuiltinVocabulary): number[] {
  const characters = [...text.replaceAll(" ", "\u2581")];
  const longestPiece = Math.max(...vocabulary.tokens.map((piece) => [...piece].length));
  const tokenIds: number[] = [];
  let start = 0;
  while (start < characters.length) {
    let matched = false;
    for (let length = Math.min(longestPiece, characters.length - start); length > 0; length--) {
      const tokenId = vocabulary.tokenIdsByPiece.get(characters.slice(start, start + length).join(""));
      // Only normal pieces: a sentence containing "<s>" means those characters, not the control token.
      if (tokenId !== undefined && tokenId > builtinByteTokenId(0xff)) {
        tokenIds.push(tokenId);
        start += length;
        matched = true;
        break;
      }
    }
    if (!matched) {
      for (const byte of new TextEncoder().encode(characters[start] ?? "")) tokenIds.push(builtinByteTokenId(byte));
      start += 1;
    }
  }
  return tokenIds;
}
