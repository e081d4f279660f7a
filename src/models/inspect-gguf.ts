import { checkHyperparameters } from "./gguf/check-hyperparameters.js";
import { checkTensorShapes, checkTensorTypes } from "./gguf/check-tensors.js";
import { checkVocabulary } from "./gguf/check-vocabulary.js";
import { GgufFormatError } from "./gguf/gguf-format-error.js";
import { scanGgufHeader, type GgufHeaderLimits, type GgufHeaderScan } from "./gguf/gguf-header-scanner.js";
import type { GgufScalarValue } from "./gguf/gguf-value.js";
import { llamaFileTypeName } from "./gguf/llama-file-type-names.js";
import { MetadataProblem, ModelMetadataView } from "./gguf/model-metadata-view.js";
import { UnsafeModelFileError } from "./unsafe-model-file-error.js";

/** What a model file is, read from its header. */
export interface GgufSummary {
  /** `general.architecture`, such as `llama` or `qwen2`. */
  readonly architecture: string;
  /** `general.name`, when the file has one. */
  readonly name?: string;
  /** The training context length (`<architecture>.context_length`), when the file states it. */
  readonly contextLength?: number;
  /** `general.file_type` as its usual name (`Q4_K_M`), or `type <n>` for a value this table lacks. */
  readonly fileType?: string;
  readonly tensorCount: number;
  readonly metadataCount: number;
  /** Size of the file in bytes. */
  readonly sizeBytes: number;
  /** Weights in this file: the sum of its tensors' element counts. */
  readonly parameters: number;
  readonly ggufVersion: number;
  /** Parts of a split model (`split.count`), when the file is one part of several. */
  readonly splitCount?: number;
}

/**
 * Checks a GGUF file's header against hostile or damaged claims and summarises it, before the native loader
 * opens it: throws `UnsafeModelFileError` for anything llama.cpp should not be handed: a header it cannot
 * parse safely (see `scanGgufHeader`), or hyperparameters, tensors and a tokenizer it would abort on instead
 * of refusing (see `checkHyperparameters`, `checkTensorTypes`, `checkTensorShapes`, `checkVocabulary`).
 * Reads only the header, so it costs milliseconds even for a multi-gigabyte model.
 */
export async function inspectGguf(filePath: string, limits?: GgufHeaderLimits): Promise<GgufSummary> {
  let scan: GgufHeaderScan;
  try {
    scan = await scanGgufHeader(filePath, limits);
  } catch (error) {
    if (error instanceof GgufFormatError) {
      throw new UnsafeModelFileError(filePath, error.message.slice(filePath.length + 2), { cause: error });
    }
    throw error;
  }
  const architecture = stringValue(scan.scalars.get("general.architecture"));
  if (architecture === undefined || architecture === "") {
    throw new UnsafeModelFileError(filePath, "the file has no general.architecture string, so no loader can read it");
  }
  try {
    const view = new ModelMetadataView(architecture, scan.scalars, scan.arrays);
    checkTensorTypes(scan.tensors);
    const shape = checkHyperparameters(view);
    if (shape !== undefined) checkTensorShapes(view, shape, scan.tensors);
    checkVocabulary(view);
  } catch (error) {
    if (error instanceof MetadataProblem) throw new UnsafeModelFileError(filePath, error.message, { cause: error });
    throw error;
  }
  const name = stringValue(scan.scalars.get("general.name"));
  const contextLength = integerValue(scan.scalars.get(`${architecture}.context_length`));
  const fileTypeId = integerValue(scan.scalars.get("general.file_type"));
  const splitCount = integerValue(scan.scalars.get("split.count"));
  const parameters = scan.tensors.reduce((sum, tensor) => sum + tensor.elementCount, 0n);
  return {
    architecture,
    ...(name === undefined ? {} : { name }),
    ...(contextLength === undefined ? {} : { contextLength }),
    ...(fileTypeId === undefined ? {} : { fileType: llamaFileTypeName(fileTypeId) ?? `type ${fileTypeId}` }),
    tensorCount: scan.tensors.length,
    metadataCount: scan.metadataCount,
    sizeBytes: scan.fileSize,
    parameters: Number(parameters),
    ggufVersion: scan.version,
    ...(splitCount === undefined || splitCount <= 1 ? {} : { splitCount }),
  };
}

function stringValue(value: GgufScalarValue | undefined): string | undefined {
  return value?.type === "string" ? value.value : undefined;
}

function integerValue(value: GgufScalarValue | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value.value === "bigint") return value.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value.value) : undefined;
  return typeof value.value === "number" && Number.isInteger(value.value) ? value.value : undefined;
}
