import { ggmlTensorByteSize, type GgmlTensorType } from "../gguf/ggml-tensor-type.js";
import { float32ToFloat16Bits } from "./float16.js";

const chunkTargetBytes = 1024 * 1024;

/**
 * A tensor whose every weight is `value` (norm weights of 1, zeroed matrices), as chunks of one reused buffer.
 * Quantized types support only 0, which is an all-zero block.
 */
export function* filledTensorChunks(type: GgmlTensorType, elementCount: number, value: number): Generator<Uint8Array> {
  const totalBytes = ggmlTensorByteSize(type, [elementCount]);
  // A multiple of 4 * 18 * 34 bytes, so every chunk holds whole f32 words and whole q4_0 and q8_0 blocks.
  const chunkBytes = Math.min(totalBytes, chunkTargetBytes - (chunkTargetBytes % (4 * 18 * 34)));
  const chunk = new Uint8Array(chunkBytes);
  switch (type) {
    case "f32":
      new Float32Array(chunk.buffer).fill(value);
      break;
    case "f16":
      new Uint16Array(chunk.buffer).fill(float32ToFloat16Bits(value));
      break;
    case "q4_0":
    case "q8_0":
      if (value !== 0) throw new RangeError(`a filled ${type} tensor can only be 0, not ${value}`);
      break;
  }
  for (let written = 0; written < totalBytes; written += chunkBytes) {
    yield chunk.subarray(0, Math.min(chunkBytes, totalBytes - written));
  }
}
