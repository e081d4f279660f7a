import { open, type FileHandle } from "node:fs/promises";
import { ggmlTensorByteSize, ggmlTensorTypes } from "./ggml-tensor-type.js";
import { GgufByteBuilder } from "./gguf-byte-builder.js";
import type { GgufTensor } from "./gguf-tensor.js";
import type { GgufMetadata } from "./gguf-value.js";

export interface GgufWriteOptions {
  /**
   * Metadata entries, written in this order. `general.alignment` (uint32), when present, sets the data
   * alignment. Defaults to the format's default of `32` when absent.
   */
  readonly metadata: GgufMetadata;
  readonly tensors: readonly GgufTensor[];
  /** Stops the write between chunks; the partial file is left for the caller to remove. */
  readonly signal?: AbortSignal;
}

export interface GgufWriteResult {
  /** Size of the written file. */
  readonly bytes: number;
  readonly tensorCount: number;
}

const ggufMagic = new Uint8Array([0x47, 0x47, 0x55, 0x46]); // "GGUF"
const ggufVersion = 3;
const defaultAlignment = 32;
// Reused for alignment padding between tensors: padding is always shorter than the alignment.
const zeroPadding = new Uint8Array(4096);

/** Writes a GGUF v3 file, streaming each tensor's data to disk chunk by chunk. */
export async function writeGgufFile(filePath: string, options: GgufWriteOptions): Promise<GgufWriteResult> {
  const alignment = readAlignment(options.metadata);
  const header = new GgufByteBuilder();
  header.writeBytes(ggufMagic);
  header.writeUint32(ggufVersion);
  header.writeUint64(options.tensors.length);
  header.writeUint64(options.metadata.size);
  for (const [key, value] of options.metadata) {
    header.writeString(key);
    header.writeTypedValue(value);
  }

  const names = new Set<string>();
  const dataSizes: number[] = [];
  let dataOffset = 0;
  for (const tensor of options.tensors) {
    if (names.has(tensor.name)) throw new Error(`duplicate tensor name ${tensor.name}`);
    names.add(tensor.name);
    if (tensor.dimensions.length < 1 || tensor.dimensions.length > 4) {
      throw new RangeError(`tensor ${tensor.name} has ${tensor.dimensions.length} dimensions; ggml allows 1 to 4`);
    }
    const size = ggmlTensorByteSize(tensor.type, tensor.dimensions);
    dataSizes.push(size);
    header.writeString(tensor.name);
    header.writeUint32(tensor.dimensions.length);
    for (const dimension of tensor.dimensions) header.writeUint64(dimension);
    header.writeUint32(ggmlTensorTypes[tensor.type].id);
    header.writeUint64(dataOffset);
    dataOffset += alignUp(size, alignment);
  }
  header.padTo(alignment);

  const file = await open(filePath, "w");
  try {
    await writeFully(file, header.contents());
    let fileSize = header.byteLength;
    for (const [index, tensor] of options.tensors.entries()) {
      const expectedSize = dataSizes[index] ?? 0;
      let written = 0;
      for (const chunk of tensor.data()) {
        options.signal?.throwIfAborted();
        written += chunk.length;
        if (written > expectedSize) break;
        await writeFully(file, chunk);
      }
      if (written !== expectedSize) {
        throw new Error(`tensor ${tensor.name}: its data source gave ${written} bytes, expected ${expectedSize}`);
      }
      const padding = alignUp(expectedSize, alignment) - expectedSize;
      await writeFully(file, zeroPadding.subarray(0, padding));
      fileSize += expectedSize + padding;
    }
    return { bytes: fileSize, tensorCount: options.tensors.length };
  } finally {
    await file.close();
  }
}

function readAlignment(metadata: GgufMetadata): number {
  const entry = metadata.get("general.alignment");
  if (entry === undefined) return defaultAlignment;
  if (entry.type !== "uint32") throw new TypeError(`general.alignment must be a uint32, got ${entry.type}`);
  const alignment = entry.value;
  // ggml requires a power of two; the cap keeps the shared padding buffer big enough.
  if (alignment < 1 || alignment > zeroPadding.length || (alignment & (alignment - 1)) !== 0) {
    throw new RangeError(`general.alignment must be a power of two up to ${zeroPadding.length}, got ${alignment}`);
  }
  return alignment;
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

// A write to a regular file may in principle be short; loop until every byte is down.
async function writeFully(file: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await file.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
