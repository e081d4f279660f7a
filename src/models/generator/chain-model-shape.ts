import type { ModelShape } from "./model-shapes.js";

/**
 * The shape of a chain model (the scripted and the reply model): one layer as wide as `hiddenSize`, in heads of
 * `headDimension`, with a feed-forward as wide as the hidden state. Its attention and feed-forward weights are all
 * zero, so only the width matters; the long context lets any prompt fit.
 */
export function chainModelShape(hiddenSize: number, headDimension: number): ModelShape {
  return {
    embeddingLength: hiddenSize,
    blockCount: 1,
    headCount: hiddenSize / headDimension,
    headCountKv: hiddenSize / headDimension,
    feedForwardLength: hiddenSize,
    contextLength: 131072,
    tiedEmbeddings: false,
    ropeFrequencyBase: 10000,
    rmsNormEpsilon: 1e-5,
  };
}
