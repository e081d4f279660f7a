import { ggmlTensorTypes, type GgmlTensorType } from "../gguf/ggml-tensor-type.js";
import type { ModelWeightType } from "./model-weight-type.js";

/**
 * The type llama.cpp's quantizer (`llama_tensor_get_type`) gives the output projection of a model quantized to
 * `weightType`: Q6_K below Q8_0, or Q8_0 when a row is not a whole number of Q6_K's 256-weight blocks. A tied
 * embedding gets it too. Generated files follow it because real files do, and it decides memory: llama.cpp
 * keeps a repacked copy of a Q4_0 tied embedding for the projection next to the one it reads rows from, but
 * keeps a Q8_0 or Q6_K one once.
 */
export function outputProjectionType(weightType: ModelWeightType, rowLength: number): GgmlTensorType {
  if (weightType !== "q4_0") return weightType;
  return rowLength % ggmlTensorTypes.q6_k.blockSize === 0 ? "q6_k" : "q8_0";
}
