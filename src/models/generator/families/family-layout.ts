import type { GgufValue } from "../../gguf/gguf-value.js";

/** One tensor of a family model: its name, ggml dimensions (ne0 first), and what it holds. */
export interface FamilyTensorSlot {
  readonly name: string;
  readonly dimensions: readonly number[];
  /**
   * `matrix`: random weights of the model's type; `output-projection`: the same, in the type llama.cpp's quantizer
   * gives the output (or the tied embedding); `vector`: small random F32 values (biases, sinks, a convolution);
   * `constant`: F32, every element `value` (norm weights of 1, a recurrent decay).
   */
  readonly role: "matrix" | "output-projection" | "vector" | "constant";
  /** For `constant`: the value of every element. */
  readonly value?: number;
}

/** What a family model is made of: its architecture's metadata (keys without the architecture prefix) and tensors. */
export interface FamilyLayout {
  readonly architecture: string;
  readonly metadata: ReadonlyArray<readonly [string, GgufValue]>;
  readonly tensors: readonly FamilyTensorSlot[];
}

export const uint32Value = (value: number): GgufValue => ({ type: "uint32", value });
export const float32Value = (value: number): GgufValue => ({ type: "float32", value });

/** A norm weight: F32 ones. */
export function normSlot(name: string, length: number): FamilyTensorSlot {
  return { name, dimensions: [length], role: "constant", value: 1 };
}
