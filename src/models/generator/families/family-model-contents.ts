import type { GgufTensor } from "../../gguf/gguf-tensor.js";
import type { GgufValue } from "../../gguf/gguf-value.js";
import { filledTensorChunks } from "../filled-tensor-chunks.js";
import { ggufFileTypes, type ModelWeightType } from "../model-weight-type.js";
import { outputProjectionType } from "../output-projection-type.js";
import { randomTensorChunks } from "../random-tensor-chunks.js";
import type { Vocabulary } from "../vocabulary.js";
import { familyLayoutOf } from "./family-layout-of.js";
import { familyModelMetadata } from "./family-model-metadata.js";
import type { FamilyShape } from "./family-shape.js";

export interface FamilyModelContentsOptions {
  readonly name: string;
  readonly shape: FamilyShape;
  readonly type: ModelWeightType;
  readonly vocabulary: Vocabulary;
  readonly seed: number;
}

/** The metadata and tensors of a family model with random weights from `seed`. */
export function familyModelContents(options: FamilyModelContentsOptions): { metadata: Map<string, GgufValue>; tensors: GgufTensor[] } {
  const { shape, type, seed } = options;
  const layout = familyLayoutOf(shape, options.vocabulary.size);
  const tensors = layout.tensors.map((slot): GgufTensor => {
    const elementCount = slot.dimensions.reduce((product, dimension) => product * dimension, 1);
    switch (slot.role) {
      case "constant":
        return { ...slot, type: "f32", data: () => filledTensorChunks("f32", elementCount, slot.value ?? 1) };
      case "vector":
        return { ...slot, type: "f32", data: () => randomTensorChunks("f32", elementCount, seed, slot.name) };
      case "matrix":
        return { ...slot, type, data: () => randomTensorChunks(type, elementCount, seed, slot.name) };
      case "output-projection": {
        const projectionType = outputProjectionType(type, shape.embeddingLength);
        return { ...slot, type: projectionType, data: () => randomTensorChunks(projectionType, elementCount, seed, slot.name) };
      }
    }
  });
  const metadata = familyModelMetadata({ name: options.name, layout, fileType: ggufFileTypes[type], vocabulary: options.vocabulary });
  return { metadata, tensors };
}
