import type { GgmlTensorType } from "./ggml-tensor-type.js";

/** A tensor to write: its info, and a source for its data so the data never has to be in memory at once. */
export interface GgufTensor {
  readonly name: string;
  /** Dimensions with ne0, the contiguous (input) dimension, first, as ggml orders them. */
  readonly dimensions: readonly number[];
  readonly type: GgmlTensorType;
  /**
   * Yields the tensor's bytes in order, in chunks of any size. The writer is done with a chunk once it asks
   * for the next, so a source may reuse one buffer.
   */
  readonly data: () => Iterable<Uint8Array>;
}
