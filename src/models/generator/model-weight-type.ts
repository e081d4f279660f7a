import type { GgmlTensorType } from "../gguf/ggml-tensor-type.js";

/** The tensor type of a generated model's matrices (norm weights are always F32). */
export type ModelWeightType = Extract<GgmlTensorType, "f16" | "q8_0" | "q4_0">;

export const modelWeightTypes: readonly ModelWeightType[] = ["f16", "q8_0", "q4_0"];

/** `general.file_type` values (llama_ftype) for each weight type. */
export const ggufFileTypes: Readonly<Record<Extract<GgmlTensorType, "f32"> | ModelWeightType, number>> = {
  f32: 0,
  f16: 1,
  q4_0: 2,
  q8_0: 7,
};

