import { open } from "node:fs/promises";
import { GgufFileCursor } from "./gguf-file-cursor.js";
import { GgufFormatError } from "./gguf-format-error.js";
import {
  ggufFixedValueSize,
  ggufValueTypeName,
  type GgufArrayValue,
  type GgufScalarValue,
  type GgufValue,
  type GgufValueTypeName,
} from "./gguf-value.js";

export interface GgufTensorInfo {
  readonly name: string;
  /** ne0 first, as stored. */
  readonly dimensions: readonly number[];
  /** The ggml type id as stored; it may be a type this project does not write (Q4_K and so on). */
  readonly typeId: number;
  /** Offset of the tensor's data from the start of the data section. */
  readonly offset: number;
}

export interface GgufFileMetadata {
  readonly version: number;
  /** Every metadata entry in file order, each with its stored type. */
  readonly metadata: ReadonlyMap<string, GgufValue>;
  readonly tensorInfos: readonly GgufTensorInfo[];
  readonly alignment: number;
  /** Where tensor data starts in the file. */
  readonly tensorDataOffset: number;
}

const ggufMagic = 0x46554747; // "GGUF" read as a little-endian uint32
// The smallest possible entries, used to bound counts by the bytes left before trusting them.
const minimumEntryBytes = 8 + 4 + 1; // key length, value type, a one-byte value
const minimumTensorInfoBytes = 8 + 4 + 8 + 4 + 8; // name length, dimension count, one dimension, type, offset
const maximumDimensions = 4;

/**
 * Reads a GGUF file's header: its metadata entries with their GGUF types, and its tensor infos. Reads only
 * the header, so a multi-gigabyte model costs a few reads. Every length and count is checked against the
 * bytes left in the file, so a damaged or hostile file fails with a `GgufFormatError` instead of a huge
 * allocation.
 */
export async function readGgufMetadata(filePath: string): Promise<GgufFileMetadata> {
  const file = await open(filePath, "r");
  try {
    const { size } = await file.stat();
    const cursor = new GgufFileCursor(file, size, filePath);
    await cursor.ensure(4 + 4 + 8 + 8, "the GGUF header");
    if (cursor.readUint32() !== ggufMagic) throw new GgufFormatError("not a GGUF file (bad magic)", filePath);
    const version = cursor.readUint32();
    if (version !== 2 && version !== 3) {
      // Version 1 used 32-bit counts; a big-endian file shows up here as a huge version number.
      throw new GgufFormatError(`unsupported GGUF version ${version} (supported: 2, 3, little-endian)`, filePath);
    }
    const tensorCount = cursor.readSafeUint64("tensor count");
    const entryCount = cursor.readSafeUint64("metadata entry count");
    if (entryCount * minimumEntryBytes > cursor.remaining) {
      throw new GgufFormatError(`metadata entry count ${entryCount} cannot fit in the file`, filePath);
    }

    const metadata = new Map<string, GgufValue>();
    for (let index = 0; index < entryCount; index++) {
      const key = await readString(cursor, `key of metadata entry ${index}`);
      if (metadata.has(key)) throw new GgufFormatError(`duplicate metadata key ${key}`, filePath);
      await ensure(cursor, 4, `value type of ${key}`);
      const type = readValueType(cursor, key);
      metadata.set(key, type === "array" ? await readArray(cursor, key) : await readScalar(cursor, type, key));
    }

    if (tensorCount * minimumTensorInfoBytes > cursor.remaining) {
      throw new GgufFormatError(`tensor count ${tensorCount} cannot fit in the file`, filePath);
    }
    const tensorInfos: GgufTensorInfo[] = [];
    for (let index = 0; index < tensorCount; index++) {
      tensorInfos.push(await readTensorInfo(cursor, index));
    }

    const alignment = readAlignment(metadata, filePath);
    const tensorDataOffset = Math.ceil(cursor.position / alignment) * alignment;
    return { version, metadata, tensorInfos, alignment, tensorDataOffset };
  } finally {
    await file.close();
  }
}

async function ensure(cursor: GgufFileCursor, byteCount: number, what: string): Promise<void> {
  if (!cursor.has(byteCount)) await cursor.ensure(byteCount, what);
}

async function readString(cursor: GgufFileCursor, what: string): Promise<string> {
  await ensure(cursor, 8, `length of ${what}`);
  const length = cursor.readSafeUint64(`length of ${what}`);
  if (length > cursor.remaining) {
    throw new GgufFormatError(
      `${what} claims ${length} bytes at offset ${cursor.position}, past the end of the file (${cursor.remaining} bytes left)`,
      cursor.filePath,
    );
  }
  await ensure(cursor, length, what);
  return cursor.readUtf8(length, what);
}

function readValueType(cursor: GgufFileCursor, key: string): GgufValueTypeName {
  const id = cursor.readUint32();
  const type = ggufValueTypeName(id);
  if (type === undefined) throw new GgufFormatError(`${key} has unknown value type ${id}`, cursor.filePath);
  return type;
}

async function readScalar(cursor: GgufFileCursor, type: Exclude<GgufValueTypeName, "array">, key: string): Promise<GgufScalarValue> {
  if (type === "string") return { type, value: await readString(cursor, `value of ${key}`) };
  await ensure(cursor, ggufFixedValueSize(type) ?? 0, `value of ${key}`);
  return readFixedScalar(cursor, type);
}

function readFixedScalar(cursor: GgufFileCursor, type: Exclude<GgufValueTypeName, "array" | "string">): GgufScalarValue {
  switch (type) {
    case "uint8":
      return { type, value: cursor.readUint8() };
    case "int8":
      return { type, value: cursor.readInt8() };
    case "uint16":
      return { type, value: cursor.readUint16() };
    case "int16":
      return { type, value: cursor.readInt16() };
    case "uint32":
      return { type, value: cursor.readUint32() };
    case "int32":
      return { type, value: cursor.readInt32() };
    case "float32":
      return { type, value: cursor.readFloat32() };
    case "float64":
      return { type, value: cursor.readFloat64() };
    case "uint64":
      return { type, value: cursor.readUint64() };
    case "int64":
      return { type, value: cursor.readInt64() };
    case "bool":
      return { type, value: cursor.readUint8() !== 0 };
  }
}

async function readArray(cursor: GgufFileCursor, key: string): Promise<GgufArrayValue> {
  await ensure(cursor, 4 + 8, `array header of ${key}`);
  const elementType = readValueType(cursor, key);
  const count = cursor.readSafeUint64(`element count of ${key}`);
  if (elementType === "array") throw new GgufFormatError(`${key} is a nested array, which is not supported`, cursor.filePath);
  const elementSize = ggufFixedValueSize(elementType) ?? 8; // a string is at least its 8-byte length
  if (count * elementSize > cursor.remaining) {
    throw new GgufFormatError(`${key} claims ${count} elements, more than the file holds`, cursor.filePath);
  }

  if (elementType === "string") {
    const values: string[] = new Array<string>(count);
    for (let index = 0; index < count; index++) values[index] = await readString(cursor, `${key}[${index}]`);
    return { type: "array", elementType, values };
  }
  await ensure(cursor, count * elementSize, `elements of ${key}`);
  switch (elementType) {
    case "uint64":
    case "int64": {
      const values: bigint[] = new Array<bigint>(count);
      for (let index = 0; index < count; index++) values[index] = readFixedScalar(cursor, elementType).value as bigint;
      return { type: "array", elementType, values };
    }
    case "bool": {
      const values: boolean[] = new Array<boolean>(count);
      for (let index = 0; index < count; index++) values[index] = cursor.readUint8() !== 0;
      return { type: "array", elementType, values };
    }
    default: {
      const values: number[] = new Array<number>(count);
      for (let index = 0; index < count; index++) values[index] = readFixedScalar(cursor, elementType).value as number;
      return { type: "array", elementType, values };
    }
  }
}

async function readTensorInfo(cursor: GgufFileCursor, index: number): Promise<GgufTensorInfo> {
  const name = await readString(cursor, `name of tensor ${index}`);
  await ensure(cursor, 4, `dimension count of ${name}`);
  const dimensionCount = cursor.readUint32();
  if (dimensionCount < 1 || dimensionCount > maximumDimensions) {
    throw new GgufFormatError(`tensor ${name} has ${dimensionCount} dimensions; ggml allows 1 to 4`, cursor.filePath);
  }
  await ensure(cursor, dimensionCount * 8 + 4 + 8, `info of tensor ${name}`);
  const dimensions: number[] = [];
  for (let dimension = 0; dimension < dimensionCount; dimension++) {
    dimensions.push(cursor.readSafeUint64(`dimension ${dimension} of ${name}`));
  }
  const typeId = cursor.readUint32();
  const offset = cursor.readSafeUint64(`data offset of ${name}`);
  return { name, dimensions, typeId, offset };
}

function readAlignment(metadata: ReadonlyMap<string, GgufValue>, filePath: string): number {
  const entry = metadata.get("general.alignment");
  if (entry === undefined) return 32;
  if (entry.type !== "uint32" || entry.value === 0 || (entry.value & (entry.value - 1)) !== 0) {
    throw new GgufFormatError("general.alignment must be a uint32 power of two", filePath);
  }
  return entry.value;
}
