/** The ggml tensor types the generator writes. */
export type GgmlTensorType = "f32" | "f16" | "q4_0" | "q8_0" | "q6_k";

interface TensorTypeLayout {
  /** The id ggml stores in a tensor info. */
  readonly id: number;
  /** Weights per block: quantized types store weights in fixed-size blocks. */
  readonly blockSize: number;
  readonly bytesPerBlock: number;
}

export const ggmlTensorTypes: Readonly<Record<GgmlTensorType, TensorTypeLayout>> = {
  f32: { id: 0, blockSize: 1, bytesPerBlock: 4 },
  f16: { id: 1, blockSize: 1, bytesPerBlock: 2 },
  // f16 scale + 16 bytes of 4-bit weights.
  q4_0: { id: 2, blockSize: 32, bytesPerBlock: 18 },
  // f16 scale + 32 int8 weights.
  q8_0: { id: 8, blockSize: 32, bytesPerBlock: 34 },
  // 128 bytes of low 4 bits + 64 of high 2 bits, 16 int8 sub-block scales, then the f16 block scale.
  q6_k: { id: 14, blockSize: 256, bytesPerBlock: 210 },
};

/** Bytes of data for a tensor of `type` with the given dimensions (ne0 first). */
export function ggmlTensorByteSize(type: GgmlTensorType, dimensions: readonly number[]): number {
  const layout = ggmlTensorTypes[type];
  const rowLength = dimensions[0] ?? 1;
  if (rowLength % layout.blockSize !== 0) {
    throw new RangeError(`a ${type} tensor's first dimension must be a multiple of ${layout.blockSize}, got ${rowLength}`);
  }
  const elementCount = dimensions.reduce((product, dimension) => product * dimension, 1);
  return (elementCount / layout.blockSize) * layout.bytesPerBlock;
}
