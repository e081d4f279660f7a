import type { GgufValue, GgufValueTypeName } from "./gguf-value.js";
import { ggufValueTypeIds } from "./gguf-value.js";

const textEncoder = new TextEncoder();

/** A growable little-endian byte buffer for the GGUF header, which is small next to the tensor data. */
export class GgufByteBuilder {
  private bytes = new Uint8Array(64 * 1024);
  private view = new DataView(this.bytes.buffer);
  private length = 0;

  get byteLength(): number {
    return this.length;
  }

  /** The bytes written so far (a view: copy it before writing more if you keep it). */
  contents(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  writeUint8(value: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, value);
    this.length += 1;
  }

  writeInt8(value: number): void {
    this.reserve(1);
    this.view.setInt8(this.length, value);
    this.length += 1;
  }

  writeUint16(value: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, value, true);
    this.length += 2;
  }

  writeInt16(value: number): void {
    this.reserve(2);
    this.view.setInt16(this.length, value, true);
    this.length += 2;
  }

  writeUint32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  writeInt32(value: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, value, true);
    this.length += 4;
  }

  writeFloat32(value: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, value, true);
    this.length += 4;
  }

  writeFloat64(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  writeUint64(value: number | bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(value), true);
    this.length += 8;
  }

  writeInt64(value: bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.length, value, true);
    this.length += 8;
  }

  writeBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** A GGUF string: uint64 byte length, then UTF-8 bytes without a terminator. */
  writeString(value: string): void {
    const encoded = textEncoder.encode(value);
    this.writeUint64(encoded.length);
    this.writeBytes(encoded);
  }

  /** Writes the value's type id and then the value itself, as a metadata entry stores it. */
  writeTypedValue(value: GgufValue): void {
    this.writeUint32(ggufValueTypeIds[value.type]);
    if (value.type !== "array") {
      this.writeScalar(value.type, value.value);
      return;
    }
    this.writeUint32(ggufValueTypeIds[value.elementType]);
    this.writeUint64(value.values.length);
    for (let index = 0; index < value.values.length; index++) {
      this.writeScalar(value.elementType, value.values[index] as number | bigint | boolean | string);
    }
  }

  /** Zero bytes up to the next multiple of `alignment`. */
  padTo(alignment: number): void {
    const padding = (alignment - (this.length % alignment)) % alignment;
    this.reserve(padding);
    this.bytes.fill(0, this.length, this.length + padding);
    this.length += padding;
  }

  private writeScalar(type: Exclude<GgufValueTypeName, "array">, value: number | bigint | boolean | string): void {
    switch (type) {
      case "uint8":
        return this.writeUint8(expectInteger(type, value, 0, 0xff));
      case "int8":
        return this.writeInt8(expectInteger(type, value, -0x80, 0x7f));
      case "uint16":
        return this.writeUint16(expectInteger(type, value, 0, 0xffff));
      case "int16":
        return this.writeInt16(expectInteger(type, value, -0x8000, 0x7fff));
      case "uint32":
        return this.writeUint32(expectInteger(type, value, 0, 0xffffffff));
      case "int32":
        return this.writeInt32(expectInteger(type, value, -0x80000000, 0x7fffffff));
      case "float32":
        return this.writeFloat32(expectNumber(type, value));
      case "float64":
        return this.writeFloat64(expectNumber(type, value));
      case "uint64":
        return this.writeUint64(expectBigInt(type, value));
      case "int64":
        return this.writeInt64(expectBigInt(type, value));
      case "bool":
        if (typeof value !== "boolean") throw new TypeError(`a GGUF bool needs a boolean, got ${typeof value}`);
        return this.writeUint8(value ? 1 : 0);
      case "string":
        if (typeof value !== "string") throw new TypeError(`a GGUF string needs a string, got ${typeof value}`);
        return this.writeString(value);
    }
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
}

// The value types say which JavaScript type goes with which GGUF type, but arrays reach here element by
// element, and DataView wraps out-of-range integers silently: check at run time instead.
function expectInteger(type: string, value: unknown, minimum: number, maximum: number): number {
  const number = expectNumber(type, value);
  if (!Number.isInteger(number) || number < minimum || number > maximum) {
    throw new RangeError(`${number} does not fit a GGUF ${type}`);
  }
  return number;
}

function expectNumber(type: string, value: unknown): number {
  if (typeof value !== "number") throw new TypeError(`a GGUF ${type} needs a number, got ${typeof value}`);
  return value;
}

function expectBigInt(type: string, value: unknown): bigint {
  if (typeof value !== "bigint") throw new TypeError(`a GGUF ${type} needs a bigint, got ${typeof value}`);
  return value;
}
