import type { ScannedArray } from "./gguf-header-scanner.js";
import type { GgufScalarValue } from "./gguf-value.js";

/** A value llama.cpp would refuse or abort on; the message is the reason given to the user. */
export class MetadataProblem extends Error {
  override readonly name = "MetadataProblem";
}

/**
 * Reads a scanned header's metadata the way llama.cpp's model loader does (llama-model-loader.cpp), or says
 * with `MetadataProblem` why it would not: a `uint32` key must be stored as one (`GGUFMeta::GKV::get_kv`
 * throws otherwise; and node-llama-cpp's own estimate, which runs first, reads the value whatever its type
 * and loops over a `block_count` of 1e9 stored as a float), and a per-layer key is one uint32 for every
 * layer or an array of exactly one value per layer (`get_key_or_arr`).
 */
export class ModelMetadataView {
  constructor(
    readonly architecture: string,
    private readonly scalars: ReadonlyMap<string, GgufScalarValue>,
    private readonly arrays: ReadonlyMap<string, ScannedArray>,
  ) {}

  /** `<architecture>.<name>`. */
  key(name: string): string {
    return `${this.architecture}.${name}`;
  }

  has(key: string): boolean {
    return this.scalars.has(key) || this.arrays.has(key);
  }

  /** A uint32 value, or `undefined` when the key is absent. */
  uint32(key: string): number | undefined {
    if (this.arrays.has(key)) throw new MetadataProblem(`${key} is an array; llama.cpp reads it as one uint32`);
    const entry = this.scalars.get(key);
    if (entry === undefined) return undefined;
    if (entry.type !== "uint32") throw new MetadataProblem(`${key} is stored as ${entry.type}; llama.cpp reads it as a uint32`);
    return entry.value;
  }

  /** A float32 (or other number) value, or `undefined` when the key is absent or not a number. */
  number(key: string): number | undefined {
    const entry = this.scalars.get(key);
    return typeof entry?.value === "number" ? entry.value : undefined;
  }

  string(key: string): string | undefined {
    const entry = this.scalars.get(key);
    return entry?.type === "string" ? entry.value : undefined;
  }

  /** The distinct elements of a numeric array that has few; `undefined` when absent, or too many to keep. */
  distinct(key: string): ReadonlySet<number> | undefined {
    return this.arrays.get(key)?.distinct;
  }

  /** Element count of an array, or `undefined` when there is no such array. */
  arrayLength(key: string): number | undefined {
    return this.arrays.get(key)?.length;
  }

  /**
   * One value per layer: the uint32 repeated, or the array's elements (bool, int32 and uint32 arrays, read as
   * uint32 as llama.cpp's `std::array<uint32_t, LLAMA_MAX_LAYERS>` does). `undefined` when the key is absent.
   */
  perLayer(key: string, layerCount: number): number[] | undefined {
    const array = this.arrays.get(key);
    if (array === undefined) {
      const value = this.uint32(key);
      return value === undefined ? undefined : new Array<number>(layerCount).fill(value);
    }
    if (array.length !== layerCount) {
      throw new MetadataProblem(`${key} has ${array.length} values for ${layerCount} layers; llama.cpp needs one per layer`);
    }
    if (!["bool", "int32", "uint32"].includes(array.elementType) || array.values === undefined) {
      throw new MetadataProblem(`${key} is an array of ${array.elementType}; llama.cpp reads uint32, int32 or bool`);
    }
    return array.values.map((value) => value >>> 0);
  }
}
