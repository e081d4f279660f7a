import { open } from "node:fs/promises";
import { ggmlTypeTraits } from "./ggml-type-traits.js";
import { GgufFormatError } from "./gguf-format-error.js";
import { GgufFileCursor } from "./gguf-file-cursor.js";
import { ggufFixedValueSize, ggufValueTypeName, type GgufScalarValue, type GgufValueTypeName } from "./gguf-value.js";
import { scanArrayElements, type ScannedArray } from "./scan-gguf-array.js";

export type { ScannedArray } from "./scan-gguf-array.js";

/** Caps on what a header may claim. Each defaults to a value far above any real model's. */
export interface GgufHeaderLimits {
  /** Defaults to `100_000` (real models have hundreds to a few thousand). */
  readonly maxTensorCount?: number;
  /** Defaults to `100_000` (real models have tens). */
  readonly maxMetadataCount?: number;
  /** Elements in one metadata array. Defaults to `16_777_216` (vocabularies have up to a few hundred thousand). */
  readonly maxArrayLength?: number;
  /** String values longer than this are skipped rather than kept. Defaults to `1_048_576` bytes. */
  readonly maxKeptStringBytes?: number;
}


export interface ScannedTensor {
  readonly name: string;
  /** ne0 first, as stored. */
  readonly dimensions: readonly bigint[];
  readonly typeId: number;
  readonly elementCount: bigint;
  readonly byteSize: bigint;
  /** Offset of the data from the start of the data section. */
  readonly offset: bigint;
}

export interface GgufHeaderScan {
  readonly version: number;
  readonly fileSize: number;
  readonly metadataCount: number;
  /** Scalar metadata values; strings longer than `maxKeptStringBytes` are left out. */
  readonly scalars: ReadonlyMap<string, GgufScalarValue>;
  /** Each array's element type and length, and for numeric ones their values or distinct values when few. */
  readonly arrays: ReadonlyMap<string, ScannedArray>;
  readonly tensors: readonly ScannedTensor[];
  readonly alignment: number;
  /** Where tensor data starts in the file. */
  readonly dataOffset: number;
}

const ggufMagic = 0x46554747; // "GGUF" read as a little-endian uint32
const maxKeyBytes = 65_535; // the GGUF specification's limit
const maxTensorNameBytes = 63; // GGML_MAX_NAME (64) including the terminating zero
const maxDimensions = 4; // GGML_MAX_DIMS
const minTensorInfoBytes = 8 + 4 + 4 + 8; // name length, dimension count, type, offset
const int64Limit = 2n ** 63n;

/**
 * Walks a GGUF header and checks every claim it makes before llama.cpp's loader sees it: the magic, the
 * version, counts and lengths against caps and against the bytes left, value and tensor types, tensor
 * shapes, and that every tensor's data lies inside the file. Long strings are skipped, not read, and arrays
 * are read only while their values are worth keeping (`scanArrayElements`), so the cost is a few reads
 * however large the model. Mirrors the checks of ggml's `gguf_init_from_file`
 * and the model loader's bounds check, so a file that passes here is one llama.cpp will parse. Throws a
 * `GgufFormatError` naming the first problem.
 */
export async function scanGgufHeader(filePath: string, limits: GgufHeaderLimits = {}): Promise<GgufHeaderScan> {
  const file = await open(filePath, "r");
  try {
    const { size } = await file.stat();
    const reader = new GgufFileCursor(file, size, filePath, { utf8: "lenient", windowSize: 64 * 1024 });
    const fail = (message: string): GgufFormatError => new GgufFormatError(message, filePath);

    if (size < 4) throw fail(`not a GGUF file: only ${size} bytes`);
    const magic = await reader.uint32("the magic");
    if (magic !== ggufMagic) throw fail(`not a GGUF file: it starts with ${describeMagic(magic)}, not "GGUF"`);
    const version = await reader.uint32("the version");
    if (version !== 2 && version !== 3) {
      if ((version & 0xffff) === 0) throw fail(`GGUF version ${version} is big-endian or damaged; only little-endian files load`);
      throw fail(`unsupported GGUF version ${version} (versions 2 and 3 are supported)`);
    }
    const tensorCount = checkCount(await reader.uint64("the tensor count"), "tensors", limits.maxTensorCount ?? 100_000, fail);
    const metadataCount = checkCount(await reader.uint64("the metadata count"), "metadata entries", limits.maxMetadataCount ?? 100_000, fail);

    const scalars = new Map<string, GgufScalarValue>();
    const arrays = new Map<string, ScannedArray>();
    for (let index = 0; index < metadataCount; index++) {
      const key = await readKey(reader, index, fail);
      if (scalars.has(key) || arrays.has(key)) throw fail(`duplicate metadata key ${key}`);
      const type = await readValueType(reader, key, fail);
      if (type === "array") {
        arrays.set(key, await scanArray(reader, key, limits.maxArrayLength ?? 16_777_216, fail));
        continue;
      }
      const value = await readScalar(reader, type, key, limits.maxKeptStringBytes ?? 1_048_576);
      if (value !== undefined) scalars.set(key, value);
    }
    const alignment = readAlignment(scalars, arrays, fail);

    if (BigInt(tensorCount) * BigInt(minTensorInfoBytes) > BigInt(reader.remaining)) {
      throw fail(`the header claims ${tensorCount} tensors, more than the rest of the file can describe`);
    }
    const tensors: ScannedTensor[] = [];
    const names = new Set<string>();
    for (let index = 0; index < tensorCount; index++) {
      const tensor = await readTensorInfo(reader, index, fail);
      if (names.has(tensor.name)) throw fail(`duplicate tensor name ${tensor.name}`);
      names.add(tensor.name);
      tensors.push(tensor);
    }

    const dataOffset = tensorCount > 0 ? alignUp(reader.position, alignment) : reader.position;
    checkTensorData(tensors, { dataOffset, alignment, fileSize: size }, fail);
    return { version, fileSize: size, metadataCount, scalars, arrays, tensors, alignment, dataOffset };
  } finally {
    await file.close();
  }
}

type Fail = (message: string) => GgufFormatError;

function describeMagic(magic: number): string {
  const bytes = [magic & 0xff, (magic >>> 8) & 0xff, (magic >>> 16) & 0xff, magic >>> 24];
  const printable = bytes.every((byte) => byte >= 0x20 && byte < 0x7f);
  return printable ? JSON.stringify(String.fromCharCode(...bytes)) : `bytes ${bytes.map((byte) => byte.toString(16).padStart(2, "0")).join(" ")}`;
}

function checkCount(count: bigint, what: string, limit: number, fail: Fail): number {
  if (count > BigInt(limit)) throw fail(`the header claims ${count} ${what}; at most ${limit} are accepted`);
  return Number(count);
}

async function readKey(reader: GgufFileCursor, index: number, fail: Fail): Promise<string> {
  const what = `key of metadata entry ${index}`;
  const length = await reader.uint64(`length of the ${what}`);
  if (length === 0n) throw fail(`the ${what} is empty`);
  if (length > BigInt(maxKeyBytes)) {
    throw fail(`the ${what} claims ${length} bytes at offset ${reader.position - 8}; keys are at most ${maxKeyBytes}`);
  }
  return reader.utf8(Number(length), `the ${what}`);
}

async function readValueType(reader: GgufFileCursor, key: string, fail: Fail): Promise<GgufValueTypeName> {
  const id = await reader.uint32(`value type of ${key}`);
  const type = ggufValueTypeName(id);
  if (type === undefined) throw fail(`${key} has unknown value type ${id}`);
  return type;
}

async function readScalar(
  reader: GgufFileCursor,
  type: Exclude<GgufValueTypeName, "array">,
  key: string,
  maxKeptStringBytes: number,
): Promise<GgufScalarValue | undefined> {
  if (type === "string") {
    const length = await reader.uint64(`length of ${key}`);
    if (length > BigInt(reader.remaining)) throw reader.pastEnd(length, `the value of ${key}`);
    if (length > BigInt(maxKeptStringBytes)) {
      reader.skip(length, `the value of ${key}`);
      return undefined;
    }
    return { type, value: await reader.utf8(Number(length), `the value of ${key}`) };
  }
  const view = await reader.bytes(ggufFixedValueSize(type) ?? 0, `the value of ${key}`);
  switch (type) {
    case "uint8":
      return { type, value: view.getUint8(0) };
    case "int8":
      return { type, value: view.getInt8(0) };
    case "uint16":
      return { type, value: view.getUint16(0, true) };
    case "int16":
      return { type, value: view.getInt16(0, true) };
    case "uint32":
      return { type, value: view.getUint32(0, true) };
    case "int32":
      return { type, value: view.getInt32(0, true) };
    case "float32":
      return { type, value: view.getFloat32(0, true) };
    case "float64":
      return { type, value: view.getFloat64(0, true) };
    case "uint64":
      return { type, value: view.getBigUint64(0, true) };
    case "int64":
      return { type, value: view.getBigInt64(0, true) };
    case "bool":
      return { type, value: view.getUint8(0) !== 0 };
  }
}

async function scanArray(
  reader: GgufFileCursor,
  key: string,
  maxArrayLength: number,
  fail: Fail,
): Promise<ScannedArray> {
  const elementType = await readValueType(reader, key, fail);
  if (elementType === "array") throw fail(`${key} is an array of arrays, which llama.cpp does not load`);
  const count = await reader.uint64(`element count of ${key}`);
  if (count > BigInt(maxArrayLength)) throw fail(`${key} claims ${count} elements; at most ${maxArrayLength} are accepted`);
  return scanArrayElements(reader, key, elementType, Number(count));
}

function readAlignment(
  scalars: ReadonlyMap<string, GgufScalarValue>,
  arrays: ReadonlyMap<string, unknown>,
  fail: Fail,
): number {
  if (arrays.has("general.alignment")) throw fail("general.alignment must be a uint32, not an array");
  const entry = scalars.get("general.alignment");
  if (entry === undefined) return 32;
  if (entry.type !== "uint32") throw fail(`general.alignment must be a uint32, not ${entry.type}`);
  if (entry.value === 0 || (entry.value & (entry.value - 1)) !== 0) throw fail(`general.alignment ${entry.value} is not a power of two`);
  return entry.value;
}

async function readTensorInfo(reader: GgufFileCursor, index: number, fail: Fail): Promise<ScannedTensor> {
  const nameLength = await reader.uint64(`name length of tensor ${index}`);
  if (nameLength > BigInt(maxTensorNameBytes)) {
    throw fail(`the name of tensor ${index} claims ${nameLength} bytes; ggml allows at most ${maxTensorNameBytes}`);
  }
  const name = await reader.utf8(Number(nameLength), `the name of tensor ${index}`);
  const dimensionCount = await reader.uint32(`dimension count of ${name}`);
  if (dimensionCount > maxDimensions) throw fail(`tensor ${name} has ${dimensionCount} dimensions; ggml allows at most ${maxDimensions}`);
  const dimensions: bigint[] = [];
  for (let dimension = 0; dimension < dimensionCount; dimension++) {
    const extent = await reader.uint64(`dimension ${dimension} of ${name}`);
    // ggml stores extents as int64: a value past its range is negative there.
    if (extent >= int64Limit) throw fail(`tensor ${name} has a negative extent in dimension ${dimension}`);
    dimensions.push(extent);
  }
  const elementCount = dimensions.reduce((product, extent) => product * extent, 1n);
  if (elementCount >= int64Limit) throw fail(`tensor ${name} has ${elementCount} elements, more than ggml can count`);

  const typeId = await reader.uint32(`type of ${name}`);
  const traits = ggmlTypeTraits.get(typeId);
  if (traits === undefined) throw fail(`tensor ${name} has unknown ggml type ${typeId}`);
  const rowLength = dimensions[0] ?? 1n;
  if (rowLength % BigInt(traits.blockSize) !== 0n) {
    throw fail(`tensor ${name} of type ${traits.name} has rows of ${rowLength} elements, not a multiple of its block size ${traits.blockSize}`);
  }
  const byteSize = (elementCount / BigInt(traits.blockSize)) * BigInt(traits.bytesPerBlock);
  const offset = await reader.uint64(`data offset of ${name}`);
  return { name, dimensions, typeId, elementCount, byteSize, offset };
}

function checkTensorData(
  tensors: readonly ScannedTensor[],
  layout: { dataOffset: number; alignment: number; fileSize: number },
  fail: Fail,
): void {
  const alignment = BigInt(layout.alignment);
  const fileSize = BigInt(layout.fileSize);
  let expectedOffset = 0n;
  for (const tensor of tensors) {
    const end = BigInt(layout.dataOffset) + tensor.offset + tensor.byteSize;
    if (end > fileSize) {
      throw fail(
        `tensor ${tensor.name}'s data (offset ${tensor.offset}, ${tensor.byteSize} bytes) ends at byte ${end}, ` +
          `past the end of the file (${fileSize} bytes): the file is truncated or damaged`,
      );
    }
    // llama.cpp requires tensors stored in order, each padded to the alignment.
    if (tensor.offset !== expectedOffset) throw fail(`tensor ${tensor.name} has data offset ${tensor.offset}, expected ${expectedOffset}`);
    expectedOffset += ((tensor.byteSize + alignment - 1n) / alignment) * alignment;
  }
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}
