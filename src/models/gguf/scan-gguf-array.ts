import type { GgufFileCursor } from "./gguf-file-cursor.js";
import { ggufFixedValueSize, type GgufValueTypeName } from "./gguf-value.js";

export interface ScannedArray {
  readonly elementType: GgufValueTypeName;
  readonly length: number;
  /** The elements of a numeric or bool array of up to 1024 (per-layer values: at most 512), as numbers. */
  readonly values?: readonly number[];
  /** The distinct elements of a numeric array that has at most 64 of them (token types, say). */
  readonly distinct?: ReadonlySet<number>;
}

const maxKeptArrayLength = 1024;
const maxDistinctValues = 64;
const chunkBytes = 64 * 1024;

/**
 * Reads past the elements of an array whose element type and length the caller has read and capped. Short
 * numeric arrays keep their values, and numeric arrays of few distinct values keep those, read a chunk at a
 * time; once neither can be kept, the rest is skipped unread, so a long array costs nothing.
 */
export async function scanArrayElements(
  reader: GgufFileCursor,
  key: string,
  elementType: Exclude<GgufValueTypeName, "array">,
  length: number,
): Promise<ScannedArray> {
  if (elementType === "string") {
    // At least their 8-byte length each, which bounds the loop by the file before it starts.
    if (length * 8 > reader.remaining) throw reader.pastEnd(length * 8, `the ${length} strings of ${key}`);
    for (let index = 0; index < length; index++) {
      // Synchronous when the window holds the length: a vocabulary has a few hundred thousand of these.
      const stringLength = reader.has(8) ? reader.readUint64() : await reader.uint64(`length of ${key}[${index}]`);
      reader.skip(stringLength, `${key}[${index}]`);
    }
    return { elementType, length };
  }
  const size = ggufFixedValueSize(elementType) ?? 1;
  if (BigInt(length) * BigInt(size) > BigInt(reader.remaining)) throw reader.pastEnd(BigInt(length) * BigInt(size), `the ${length} elements of ${key}`);
  const values: number[] | undefined = length <= maxKeptArrayLength ? [] : undefined;
  let distinct: Set<number> | undefined = new Set();
  const perChunk = Math.floor(chunkBytes / size);
  for (let start = 0; start < length; start += perChunk) {
    const count = Math.min(perChunk, length - start);
    if (values === undefined && distinct === undefined) {
      reader.skip(count * size, `the ${length} elements of ${key}`);
      continue;
    }
    const view = await reader.bytes(count * size, `the ${length} elements of ${key}`);
    for (let index = 0; index < count; index++) {
      const value = elementAt(view, index * size, elementType);
      values?.push(value);
      distinct?.add(value);
      if (distinct !== undefined && distinct.size > maxDistinctValues) distinct = undefined;
    }
  }
  return { elementType, length, ...(values === undefined ? {} : { values }), ...(distinct === undefined ? {} : { distinct }) };
}

function elementAt(view: DataView, offset: number, type: Exclude<GgufValueTypeName, "array" | "string">): number {
  switch (type) {
    case "uint8":
      return view.getUint8(offset);
    case "int8":
      return view.getInt8(offset);
    case "bool":
      return view.getUint8(offset) === 0 ? 0 : 1;
    case "uint16":
      return view.getUint16(offset, true);
    case "int16":
      return view.getInt16(offset, true);
    case "uint32":
      return view.getUint32(offset, true);
    case "int32":
      return view.getInt32(offset, true);
    case "float32":
      return view.getFloat32(offset, true);
    case "float64":
      return view.getFloat64(offset, true);
    case "uint64":
      return Number(view.getBigUint64(offset, true));
    case "int64":
      return Number(view.getBigInt64(offset, true));
  }
}
