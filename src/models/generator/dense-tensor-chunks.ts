import type { GgmlTensorType } from "../gguf/ggml-tensor-type.js";
import { float32ToFloat16Bits } from "./float16.js";

/** A small tensor given as all its weights, encoded as F32 or F16 in one chunk. */
export function* denseTensorChunks(type: Extract<GgmlTensorType, "f32" | "f16">, values: Float32Array): Generator<Uint8Array> {
  if (type === "f32") {
    yield new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    return;
  }
  const halves = new Uint16Array(values.length);
  for (let index = 0; index < values.length; index++) halves[index] = float32ToFloat16Bits(values[index] ?? 0);
  yield new Uint8Array(halves.buffer);
}
