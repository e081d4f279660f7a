import type { GgufValue } from "../../gguf/gguf-value.js";
import type { Vocabulary } from "../vocabulary.js";
import type { FamilyLayout } from "./family-layout.js";

/** The data alignment written to every generated file: the GGUF default, stated explicitly. */
const generatedModelAlignment = 32;

/** The `general.*`, architecture and `tokenizer.*` metadata of a generated family model. */
export function familyModelMetadata(options: {
  readonly name: string;
  readonly layout: FamilyLayout;
  /** `general.file_type` (llama_ftype). */
  readonly fileType: number;
  readonly vocabulary: Vocabulary;
}): Map<string, GgufValue> {
  const { layout } = options;
  const uint32 = (value: number): GgufValue => ({ type: "uint32", value });
  const metadata = new Map<string, GgufValue>([
    ["general.architecture", { type: "string", value: layout.architecture }],
    ["general.name", { type: "string", value: options.name }],
    ["general.file_type", uint32(options.fileType)],
    ["general.quantization_version", uint32(2)],
    ["general.alignment", uint32(generatedModelAlignment)],
  ]);
  for (const [key, value] of layout.metadata) metadata.set(`${layout.architecture}.${key}`, value);
  metadata.set(`${layout.architecture}.vocab_size`, uint32(options.vocabulary.size));
  for (const [key, value] of options.vocabulary.metadata) metadata.set(key, value);
  return metadata;
}
