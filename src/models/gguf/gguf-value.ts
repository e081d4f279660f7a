/** GGUF metadata value types, by name; the ids are the ones the file format stores. */
export const ggufValueTypeIds = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

export type GgufValueTypeName = keyof typeof ggufValueTypeIds;

/** Value types held in a JavaScript `number` without loss. */
export type GgufNumberTypeName = "uint8" | "int8" | "uint16" | "int16" | "uint32" | "int32" | "float32" | "float64";

/** 64-bit integer types, held as `bigint` so no value is rounded. */
export type GgufBigIntTypeName = "uint64" | "int64";

export type GgufScalarValue =
  | { readonly type: GgufNumberTypeName; readonly value: number }
  | { readonly type: GgufBigIntTypeName; readonly value: bigint }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "string"; readonly value: string };

/** Arrays are homogeneous; nested arrays are legal GGUF but no tokenizer uses them, so they are not supported. */
export type GgufArrayValue =
  | { readonly type: "array"; readonly elementType: GgufNumberTypeName; readonly values: ArrayLike<number> }
  | { readonly type: "array"; readonly elementType: GgufBigIntTypeName; readonly values: readonly bigint[] }
  | { readonly type: "array"; readonly elementType: "bool"; readonly values: readonly boolean[] }
  | { readonly type: "array"; readonly elementType: "string"; readonly values: readonly string[] };

/** One metadata value together with the GGUF type it is stored as. */
export type GgufValue = GgufScalarValue | GgufArrayValue;

/** Metadata in file order; a `Map` keeps insertion order, which the writer preserves. */
export type GgufMetadata = ReadonlyMap<string, GgufValue>;

const valueTypeNamesById = new Map<number, GgufValueTypeName>(
  Object.entries(ggufValueTypeIds).map(([name, id]) => [id, name as GgufValueTypeName]),
);

/** The type name for a stored type id, or `undefined` for an id this format version does not define. */
export function ggufValueTypeName(id: number): GgufValueTypeName | undefined {
  return valueTypeNamesById.get(id);
}

/** Byte width of a fixed-size value type; `undefined` for strings and arrays. */
export function ggufFixedValueSize(type: GgufValueTypeName): number | undefined {
  switch (type) {
    case "uint8":
    case "int8":
    case "bool":
      return 1;
    case "uint16":
    case "int16":
      return 2;
    case "uint32":
    case "int32":
    case "float32":
      return 4;
    case "uint64":
    case "int64":
    case "float64":
      return 8;
    case "string":
    case "array":
      return undefined;
  }
}
