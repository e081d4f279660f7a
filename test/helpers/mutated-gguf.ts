import { open, readFile, writeFile } from "node:fs/promises";
import { ggmlTypeTraits } from "../../src/models/gguf/ggml-type-traits.js";
import { GgufByteBuilder } from "../../src/models/gguf/gguf-byte-builder.js";
import { readGgufMetadata } from "../../src/models/gguf/gguf-metadata-reader.js";
import type { GgufValue } from "../../src/models/gguf/gguf-value.js";

/** A tensor info as a mutated header states it. */
export interface MutatedTensorInfo {
  readonly dimensions: readonly bigint[];
  readonly typeId: number;
}

/**
 * What to change in a GGUF's header. Tensor data is the base file's, in order; once a tensor changes size
 * (or is added or removed), the offsets are recomputed and the data section is padded with zeros to hold
 * them all, so the file stays well-formed unless the edit itself says otherwise.
 */
export interface GgufHeaderEdit {
  /** `general.architecture` to give the file: every `<old architecture>.` key is renamed with it. */
  readonly architecture?: string;
  /** Keys to set (new keys go last) or, mapped to `undefined`, to remove. Applied after the renaming. */
  readonly metadata?: ReadonlyMap<string, GgufValue | undefined>;
  /** Tensor infos to change, or with `undefined` to remove, by tensor name; unknown names are added at the end. */
  readonly tensors?: ReadonlyMap<string, MutatedTensorInfo | undefined>;
}

/** The parts of a GGUF that `writeMutatedGguf` rewrites, read once and reused for every mutation. */
export interface GgufBase {
  readonly metadata: ReadonlyMap<string, GgufValue>;
  readonly tensors: readonly { readonly name: string; readonly dimensions: readonly bigint[]; readonly typeId: number; readonly offset: bigint }[];
  readonly data: Uint8Array;
  readonly alignment: number;
}

/** Padding past this is not written: a tensor claiming more is meant to point past the end of the file. */
const maxPaddingBytes = 64n * 1024n * 1024n;

export async function readGgufBase(filePath: string): Promise<GgufBase> {
  const header = await readGgufMetadata(filePath);
  const bytes = await readFile(filePath);
  return {
    metadata: header.metadata,
    tensors: header.tensorInfos.map((tensor) => ({
      name: tensor.name,
      dimensions: tensor.dimensions.map(BigInt),
      typeId: tensor.typeId,
      offset: BigInt(tensor.offset),
    })),
    data: bytes.subarray(header.tensorDataOffset),
    alignment: header.alignment,
  };
}

/**
 * Writes `base` with `edit` applied to its header: the way a hostile or damaged file differs from a good one
 * (values llama.cpp asserts on, arrays of the wrong length, tensors of another shape or type), or another
 * architecture's layout built from the same weights.
 */
export async function writeMutatedGguf(base: GgufBase, outputPath: string, edit: GgufHeaderEdit): Promise<void> {
  const metadata = renamedMetadata(base.metadata, edit.architecture);
  for (const [key, value] of edit.metadata ?? []) {
    if (value === undefined) metadata.delete(key);
    else metadata.set(key, value);
  }
  const tensors = base.tensors.flatMap((tensor) => {
    if (edit.tensors?.has(tensor.name) !== true) return [{ ...tensor, offset: tensor.offset as bigint | undefined }];
    const changed = edit.tensors.get(tensor.name);
    return changed === undefined ? [] : [{ name: tensor.name, ...changed, offset: undefined }];
  });
  for (const [name, info] of edit.tensors ?? []) {
    if (info !== undefined && !base.tensors.some((tensor) => tensor.name === name)) tensors.push({ name, ...info, offset: undefined });
  }
  const recompute = tensors.length !== base.tensors.length || tensors.some((tensor) => tensor.offset === undefined);

  const builder = new GgufByteBuilder();
  builder.writeBytes(new TextEncoder().encode("GGUF"));
  builder.writeUint32(3);
  builder.writeUint64(tensors.length);
  builder.writeUint64(metadata.size);
  for (const [key, value] of metadata) {
    builder.writeString(key);
    builder.writeTypedValue(value);
  }
  const alignment = BigInt(fileAlignment(metadata.get("general.alignment"), base.alignment));
  let offset = 0n;
  for (const tensor of tensors) {
    builder.writeString(tensor.name);
    builder.writeUint32(tensor.dimensions.length);
    for (const extent of tensor.dimensions) builder.writeUint64(extent);
    builder.writeUint32(tensor.typeId);
    builder.writeUint64(recompute ? offset : (tensor.offset ?? 0n));
    offset += ((byteSize(tensor.dimensions, tensor.typeId) + alignment - 1n) / alignment) * alignment;
  }
  builder.padTo(Number(alignment));
  await writeFile(outputPath, builder.contents());
  const file = await open(outputPath, "a");
  try {
    await file.write(base.data);
    const missing = offset - BigInt(base.data.length);
    if (recompute && missing > 0n && missing < maxPaddingBytes) await file.write(new Uint8Array(Number(missing)));
  } finally {
    await file.close();
  }
}

function renamedMetadata(metadata: ReadonlyMap<string, GgufValue>, architecture: string | undefined): Map<string, GgufValue> {
  const old = metadata.get("general.architecture");
  if (architecture === undefined || old?.type !== "string") return new Map(metadata);
  return new Map(
    [...metadata].map(([key, value]): [string, GgufValue] => {
      if (key === "general.architecture") return [key, { type: "string", value: architecture }];
      return [key.startsWith(`${old.value}.`) ? `${architecture}.${key.slice(old.value.length + 1)}` : key, value];
    }),
  );
}

function fileAlignment(entry: GgufValue | undefined, fallback: number): number {
  if (entry?.type !== "uint32" || entry.value < 1 || entry.value > 4096 || (entry.value & (entry.value - 1)) !== 0) return fallback;
  return entry.value;
}

function byteSize(dimensions: readonly bigint[], typeId: number): bigint {
  const traits = ggmlTypeTraits.get(typeId) ?? { blockSize: 1, bytesPerBlock: 1 };
  const elements = dimensions.reduce((product, extent) => product * extent, 1n);
  return (elements / BigInt(traits.blockSize)) * BigInt(traits.bytesPerBlock);
}
