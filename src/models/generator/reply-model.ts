import type { GgufTensor } from "../gguf/gguf-tensor.js";
import type { GgufValue } from "../gguf/gguf-value.js";
import { appendDuplicateByteTokens } from "./duplicate-byte-tokens.js";
import { chainModelShape } from "./chain-model-shape.js";
import { familyLayoutOf } from "./families/family-layout-of.js";
import { familyModelMetadata } from "./families/family-model-metadata.js";
import type { FamilyShape } from "./families/family-shape.js";
import { filledTensorChunks } from "./filled-tensor-chunks.js";
import { llamaModelMetadata } from "./llama-model-metadata.js";
import { llamaTensorLayout } from "./llama-tensor-layout.js";
import { ggufFileTypes } from "./model-weight-type.js";
import type { ReplyScript } from "./render-reply-script.js";
import { sparseQ4ZeroChunks } from "./sparse-tensor-chunks.js";
import type { Vocabulary } from "./vocabulary.js";

/** `general.name` of reply models. */
export const replyModelName = "pensieve-reply";

export interface ReplyModelContents {
  readonly metadata: Map<string, GgufValue>;
  readonly tensors: GgufTensor[];
  readonly vocabularySize: number;
  readonly embeddingLength: number;
}

// As in the scripted model: the next token's logit is 40 * sqrt(hidden size) against 0 for every other token,
// which takes all the probability at any temperature. 40 / 8 and 1 / 8 are exact F16 scales (see sparseQ4ZeroChunks).
const chainLogitWeight = 40;
const minimumHiddenSize = 64;
const hiddenSizeStep = 32;
const headDimension = 32;
// As the llama chain's: any prompt fits.
const chainContextLength = 131072;

/**
 * A model that emits `script` whatever the prompt, built like the scripted model: one layer whose attention and
 * feed-forward weights are zero, so each position's state is its own token's embedding and the next token
 * depends on the current one alone. Every token that leads somewhere (each segment's anchor, and each emitted
 * token but a segment's last) gets a unit vector of its own as embedding, and the token it leads to gets 40 times
 * that vector as output row. Emitted bytes are duplicate byte tokens, one per byte (see
 * `appendDuplicateByteTokens`), so text may repeat; a real token (an anchor, a special token) leads to one
 * token only, and a script that needs it to lead to two is refused.
 */
export function replyModelContents(base: Vocabulary, script: ReplyScript, family?: FamilyShape): ReplyModelContents {
  const emittedBytes = script.segments.flatMap((segment) => segment.emitted.flatMap((token) => (token.kind === "byte" ? [token.byte] : [])));
  const { vocabulary, tokenIds: byteTokenIds } = appendDuplicateByteTokens(base, emittedBytes);
  let nextByte = 0;
  const next = new Map<number, number>();
  for (const segment of script.segments) {
    const emitted = segment.emitted.map((token) => (token.kind === "byte" ? (byteTokenIds[nextByte++] ?? -1) : token.id));
    const [first] = emitted;
    if (first === undefined) continue;
    const steps = [...segment.anchors.map((anchor) => [anchor, first]), ...emitted.slice(1).map((to, index) => [emitted[index], to])];
    for (const [from = -1, to = -1] of steps) {
      const earlier = next.get(from);
      if (earlier !== undefined && earlier !== to) {
        throw new Error(
          `the reply needs token ${from} to be followed by both ${earlier} and ${to}; a reply model can only follow a real token one way`,
        );
      }
      next.set(from, to);
    }
  }

  const hiddenSize = Math.max(minimumHiddenSize, Math.ceil(next.size / hiddenSizeStep) * hiddenSizeStep);
  const embeddingColumns = new Map<number, number[]>();
  const outputColumns = new Map<number, number[]>();
  for (const [dimension, [from, to]] of [...next].entries()) {
    embeddingColumns.set(from, [dimension]);
    outputColumns.set(to, [...(outputColumns.get(to) ?? []), dimension]);
  }

  const embeddingTensor = (slot: { readonly name: string; readonly dimensions: readonly number[] }): GgufTensor => ({
    ...slot,
    type: "q4_0",
    data: () => sparseQ4ZeroChunks(hiddenSize, vocabulary.size, embeddingColumns, 1),
  });
  const outputTensor = (slot: { readonly name: string; readonly dimensions: readonly number[] }): GgufTensor => ({
    ...slot,
    type: "q4_0",
    data: () => sparseQ4ZeroChunks(hiddenSize, vocabulary.size, outputColumns, chainLogitWeight),
  });
  if (family !== undefined) {
    return { ...familyChainContents(family, hiddenSize, vocabulary, embeddingTensor, outputTensor), vocabularySize: vocabulary.size, embeddingLength: hiddenSize };
  }
  const shape = chainModelShape(hiddenSize, headDimension);
  const tensors = llamaTensorLayout(shape, vocabulary.size).map((slot): GgufTensor => {
    const elementCount = slot.dimensions.reduce((product, dimension) => product * dimension, 1);
    if (slot.role === "norm") return { ...slot, type: "f32", data: () => filledTensorChunks("f32", elementCount, 1) };
    if (slot.name === "token_embd.weight") return embeddingTensor(slot);
    if (slot.name === "output.weight") return outputTensor(slot);
    return { ...slot, type: "q4_0", data: () => filledTensorChunks("q4_0", elementCount, 0) };
  });
  const metadata = llamaModelMetadata({ name: replyModelName, shape, fileType: ggufFileTypes.q4_0, vocabulary });
  return { metadata, tensors, vocabularySize: vocabulary.size, embeddingLength: hiddenSize };
}

type TensorOf = (slot: { readonly name: string; readonly dimensions: readonly number[] }) => GgufTensor;

/**
 * The chain in a family's architecture: the family's layers, as wide as the chain, with every weight zero but the
 * norms (and constants such as a recurrent decay), so each layer adds nothing to the residual stream and the
 * output depends on the current token's embedding alone, as in the llama chain. The output is never tied.
 */
function familyChainContents(
  family: FamilyShape,
  hiddenSize: number,
  vocabulary: Vocabulary,
  embeddingTensor: TensorOf,
  outputTensor: TensorOf,
): { metadata: Map<string, GgufValue>; tensors: GgufTensor[] } {
  const shape: FamilyShape = { ...family, embeddingLength: hiddenSize, tiedEmbeddings: false, contextLength: chainContextLength };
  const layout = familyLayoutOf(shape, vocabulary.size);
  const tensors = layout.tensors.map((slot): GgufTensor => {
    const elementCount = slot.dimensions.reduce((product, dimension) => product * dimension, 1);
    if (slot.name === "token_embd.weight") return embeddingTensor(slot);
    if (slot.name === "output.weight") return outputTensor(slot);
    if (slot.role === "constant") return { ...slot, type: "f32", data: () => filledTensorChunks("f32", elementCount, slot.value ?? 1) };
    if (slot.role === "vector") return { ...slot, type: "f32", data: () => filledTensorChunks("f32", elementCount, 0) };
    return { ...slot, type: "q4_0", data: () => filledTensorChunks("q4_0", elementCount, 0) };
  });
  const metadata = familyModelMetadata({ name: replyModelName, layout, fileType: ggufFileTypes.q4_0, vocabulary });
  return { metadata, tensors };
}
