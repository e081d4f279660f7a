import { describe, expect, it } from "vitest";
import type { GgmlTensorType } from "../../../src/models/gguf/ggml-tensor-type.js";
import { ggmlTensorByteSize } from "../../../src/models/gguf/ggml-tensor-type.js";
import { filledTensorChunks } from "../../../src/models/generator/filled-tensor-chunks.js";
import { float16BitsToFloat32, float32ToFloat16Bits } from "../../../src/models/generator/float16.js";
import { randomTensorChunks } from "../../../src/models/generator/random-tensor-chunks.js";

function concatenate(chunks: Iterable<Uint8Array>): Uint8Array {
  // Copy each chunk: sources reuse their buffer.
  const copies = [...chunks].map((chunk) => chunk.slice());
  const all = new Uint8Array(copies.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of copies) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

/** Decodes ggml's block formats, as llama.cpp reads them. */
function decode(type: GgmlTensorType, bytes: Uint8Array): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case "f32":
      return Float64Array.from({ length: bytes.length / 4 }, (_, index) => view.getFloat32(index * 4, true));
    case "f16":
      return Float64Array.from({ length: bytes.length / 2 }, (_, index) => float16BitsToFloat32(view.getUint16(index * 2, true)));
    case "q8_0":
      return Float64Array.from({ length: (bytes.length / 34) * 32 }, (_, index) => {
        const block = Math.floor(index / 32) * 34;
        return float16BitsToFloat32(view.getUint16(block, true)) * view.getInt8(block + 2 + (index % 32));
      });
    case "q4_0":
      return Float64Array.from({ length: (bytes.length / 18) * 32 }, (_, index) => {
        const block = Math.floor(index / 32) * 18;
        const position = index % 32;
        // ggml: element j < 16 is the low nibble of byte j, element j + 16 its high nibble.
        const byte = view.getUint8(block + 2 + (position % 16));
        const nibble = position < 16 ? byte & 0x0f : byte >> 4;
        return float16BitsToFloat32(view.getUint16(block, true)) * (nibble - 8);
      });
    case "q6_k":
      return Float64Array.from({ length: (bytes.length / 210) * 256 }, (_, index) => {
        const block = Math.floor(index / 256) * 210;
        const position = index % 256;
        // ggml's dequantize_row_q6_K: two halves of 128; in each, 32 columns l of four rows of 32 weights.
        const half = Math.floor(position / 128);
        const row = Math.floor((position % 128) / 32);
        const column = position % 32;
        const lowByte = view.getUint8(block + half * 64 + column + (row % 2) * 32);
        const low = row < 2 ? lowByte & 0x0f : lowByte >> 4;
        const high = (view.getUint8(block + 128 + half * 32 + column) >> (2 * row)) & 3;
        const scale = view.getInt8(block + 192 + half * 8 + Math.floor(column / 16) + 2 * row);
        return float16BitsToFloat32(view.getUint16(block + 208, true)) * scale * ((low | (high << 4)) - 32);
      });
  }
}

function standardDeviation(values: Float64Array): number {
  const mean = values.reduce((total, value) => total + value, 0) / values.length;
  return Math.sqrt(values.reduce((total, value) => total + (value - mean) ** 2, 0) / values.length);
}

describe("randomTensorChunks", () => {
  const elementCount = 64 * 1024;

  it.each(["f32", "f16", "q8_0", "q4_0", "q6_k"] as const)("%s: right size, standard deviation about 0.02", (type) => {
    const bytes = concatenate(randomTensorChunks(type, elementCount, 1, "blk.0.attn_q.weight"));
    expect(bytes.length).toBe(ggmlTensorByteSize(type, [elementCount]));
    const deviation = standardDeviation(decode(type, bytes));
    expect(deviation).toBeGreaterThan(0.017);
    expect(deviation).toBeLessThan(0.023);
  });

  it("is reproducible for a seed and label, and differs between labels and seeds", () => {
    const first = concatenate(randomTensorChunks("q4_0", elementCount, 7, "a"));
    expect(concatenate(randomTensorChunks("q4_0", elementCount, 7, "a"))).toEqual(first);
    expect(concatenate(randomTensorChunks("q4_0", elementCount, 7, "b"))).not.toEqual(first);
    expect(concatenate(randomTensorChunks("q4_0", elementCount, 8, "a"))).not.toEqual(first);
  });

  it("streams a large tensor in bounded chunks", () => {
    let largest = 0;
    let total = 0;
    for (const chunk of randomTensorChunks("q8_0", 8 * 1024 * 1024, 1, "big")) {
      largest = Math.max(largest, chunk.length);
      total += chunk.length;
    }
    expect(total).toBe((8 * 1024 * 1024 * 34) / 32);
    expect(largest).toBeLessThanOrEqual(4 * 1024 * 1024);
  });
});

describe("filledTensorChunks", () => {
  it("fills F32 and F16 with the value and quantized types with zero blocks", () => {
    expect([...decode("f32", concatenate(filledTensorChunks("f32", 1000, 1)))].every((value) => value === 1)).toBe(true);
    expect([...decode("f16", concatenate(filledTensorChunks("f16", 1000, 40)))].every((value) => value === 40)).toBe(true);
    expect(concatenate(filledTensorChunks("q4_0", 32 * 100_000, 0)).every((byte) => byte === 0)).toBe(true);
    expect(() => [...filledTensorChunks("q8_0", 32, 1)]).toThrow(/only be 0/);
  });
});

describe("float32ToFloat16Bits", () => {
  it("converts exactly where half precision can, and rounds to nearest even elsewhere", () => {
    for (const value of [0, 1, -2, 40, 0.5, 65504, 2 ** -24, -(2 ** -14)]) expect(float16BitsToFloat32(float32ToFloat16Bits(value))).toBe(value);
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway, rounds to even
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00);
    expect(float32ToFloat16Bits(2 ** -26)).toBe(0);
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(Number.NaN)))).toBe(true);
  });
});
