import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ggmlTensorTypes } from "../../../src/models/gguf/ggml-tensor-type.js";
import { GgufFormatError } from "../../../src/models/gguf/gguf-format-error.js";
import { readGgufMetadata } from "../../../src/models/gguf/gguf-metadata-reader.js";
import type { GgufTensor } from "../../../src/models/gguf/gguf-tensor.js";
import type { GgufValue } from "../../../src/models/gguf/gguf-value.js";
import { writeGgufFile } from "../../../src/models/gguf/gguf-writer.js";

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "pensieve-gguf-"));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const everyValueType = new Map<string, GgufValue>([
  ["test.uint8", { type: "uint8", value: 255 }],
  ["test.int8", { type: "int8", value: -128 }],
  ["test.uint16", { type: "uint16", value: 65535 }],
  ["test.int16", { type: "int16", value: -32768 }],
  ["test.uint32", { type: "uint32", value: 4294967295 }],
  ["test.int32", { type: "int32", value: -2147483648 }],
  ["test.float32", { type: "float32", value: -1.5 }],
  ["test.float64", { type: "float64", value: Math.PI }],
  ["test.uint64", { type: "uint64", value: 2n ** 64n - 1n }],
  ["test.int64", { type: "int64", value: -(2n ** 63n) }],
  ["test.bool.true", { type: "bool", value: true }],
  ["test.bool.false", { type: "bool", value: false }],
  ["test.string", { type: "string", value: "plain ▁words, 日本語, emoji 🦙" }],
  // TextDecoder drops a leading BOM by default; a token starting with one must survive.
  ["test.string.bom", { type: "string", value: "\uFEFF//" }],
  ["test.string.empty", { type: "string", value: "" }],
  ["test.array.uint8", { type: "array", elementType: "uint8", values: [0, 1, 255] }],
  ["test.array.int8", { type: "array", elementType: "int8", values: [-128, 0, 127] }],
  ["test.array.uint16", { type: "array", elementType: "uint16", values: [0, 65535] }],
  ["test.array.int16", { type: "array", elementType: "int16", values: [-32768, 32767] }],
  ["test.array.uint32", { type: "array", elementType: "uint32", values: [0, 4294967295] }],
  ["test.array.int32", { type: "array", elementType: "int32", values: [1, 2, 3, 5, 6] }],
  ["test.array.float32", { type: "array", elementType: "float32", values: [0, -0.25, 1000.5] }],
  ["test.array.float64", { type: "array", elementType: "float64", values: [Math.E, -1e300] }],
  ["test.array.uint64", { type: "array", elementType: "uint64", values: [0n, 2n ** 64n - 1n] }],
  ["test.array.int64", { type: "array", elementType: "int64", values: [-1n, 2n ** 63n - 1n] }],
  ["test.array.bool", { type: "array", elementType: "bool", values: [true, false, true] }],
  ["test.array.string", { type: "array", elementType: "string", values: ["<unk>", "▁the", "", "\n", "\uFEFF#"] }],
  ["test.array.empty", { type: "array", elementType: "string", values: [] }],
]);

function bytesTensor(name: string, dimensions: number[], type: GgufTensor["type"], bytes: Uint8Array, chunkSize = 7): GgufTensor {
  return {
    name,
    dimensions,
    type,
    *data() {
      for (let offset = 0; offset < bytes.length; offset += chunkSize) yield bytes.subarray(offset, offset + chunkSize);
    },
  };
}

function patternBytes(length: number, salt: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => (index * 31 + salt) & 0xff);
}

describe("writeGgufFile + readGgufMetadata", () => {
  it("round-trips a value of every GGUF type, in order", async () => {
    const filePath = path.join(folder, "values.gguf");
    const result = await writeGgufFile(filePath, { metadata: everyValueType, tensors: [] });
    expect(result).toEqual({ bytes: (await stat(filePath)).size, tensorCount: 0 });

    const read = await readGgufMetadata(filePath);
    expect(read.version).toBe(3);
    expect([...read.metadata.keys()]).toEqual([...everyValueType.keys()]);
    for (const [key, value] of everyValueType) {
      expect(read.metadata.get(key), key).toEqual(value);
    }
  });

  it("writes the header the format specifies: magic, version 3, counts", async () => {
    const filePath = path.join(folder, "header.gguf");
    await writeGgufFile(filePath, {
      metadata: new Map([["general.architecture", { type: "string", value: "llama" }]]),
      tensors: [bytesTensor("a", [4], "f32", patternBytes(16, 1))],
    });
    const bytes = await readFile(filePath);
    expect(bytes.subarray(0, 4).toString("latin1")).toBe("GGUF");
    expect(bytes.readUInt32LE(4)).toBe(3);
    expect(bytes.readBigUInt64LE(8)).toBe(1n);
    expect(bytes.readBigUInt64LE(16)).toBe(1n);
  });

  it("writes tensor infos and data at aligned offsets", async () => {
    const filePath = path.join(folder, "tensors.gguf");
    const norm = patternBytes(3 * 4, 1); // f32 [3]: 12 bytes, so the next tensor needs padding
    const half = patternBytes(5 * 2 * 2, 2); // f16 [5, 2]
    const q8 = patternBytes(34 * 2, 3); // q8_0 [32, 2]: two blocks
    const q4 = patternBytes(18 * 3, 4); // q4_0 [96]: three blocks
    const tensors = [
      bytesTensor("norm", [3], "f32", norm),
      bytesTensor("half", [5, 2], "f16", half, 1),
      bytesTensor("q8", [32, 2], "q8_0", q8, 1000),
      bytesTensor("q4", [96], "q4_0", q4),
    ];
    const result = await writeGgufFile(filePath, { metadata: new Map(), tensors });
    expect(result.tensorCount).toBe(4);

    const read = await readGgufMetadata(filePath);
    expect(read.alignment).toBe(32);
    expect(read.tensorDataOffset % 32).toBe(0);
    expect(read.tensorInfos).toEqual([
      { name: "norm", dimensions: [3], typeId: ggmlTensorTypes.f32.id, offset: 0 },
      { name: "half", dimensions: [5, 2], typeId: ggmlTensorTypes.f16.id, offset: 32 },
      { name: "q8", dimensions: [32, 2], typeId: ggmlTensorTypes.q8_0.id, offset: 64 },
      { name: "q4", dimensions: [96], typeId: ggmlTensorTypes.q4_0.id, offset: 160 },
    ]);
    const file = await readFile(filePath);
    expect(file.length).toBe(read.tensorDataOffset + 224);
    expect(result.bytes).toBe(file.length);
    const dataAt = (offset: number, length: number) => new Uint8Array(file.subarray(read.tensorDataOffset + offset, read.tensorDataOffset + offset + length));
    expect(dataAt(0, 12)).toEqual(norm);
    expect(dataAt(12, 20)).toEqual(new Uint8Array(20)); // zero padding
    expect(dataAt(32, 20)).toEqual(half);
    expect(dataAt(64, 68)).toEqual(q8);
    expect(dataAt(160, 54)).toEqual(q4);
  });

  it("honours a general.alignment other than 32", async () => {
    const filePath = path.join(folder, "aligned-64.gguf");
    await writeGgufFile(filePath, {
      metadata: new Map([["general.alignment", { type: "uint32", value: 64 }]]),
      tensors: [bytesTensor("a", [1], "f32", patternBytes(4, 1)), bytesTensor("b", [1], "f32", patternBytes(4, 2))],
    });
    const read = await readGgufMetadata(filePath);
    expect(read.alignment).toBe(64);
    expect(read.tensorDataOffset % 64).toBe(0);
    expect(read.tensorInfos.map((info) => info.offset)).toEqual([0, 64]);
  });

  it("refuses a data source of the wrong size, duplicate names, and values out of range", async () => {
    const filePath = path.join(folder, "bad.gguf");
    await expect(writeGgufFile(filePath, { metadata: new Map(), tensors: [bytesTensor("short", [4], "f32", patternBytes(12, 0))] })).rejects.toThrow(
      /short.*12 bytes, expected 16/,
    );
    await expect(writeGgufFile(filePath, { metadata: new Map(), tensors: [bytesTensor("long", [2], "f32", patternBytes(12, 0))] })).rejects.toThrow(/long/);
    const twice = bytesTensor("twice", [1], "f32", patternBytes(4, 0));
    await expect(writeGgufFile(filePath, { metadata: new Map(), tensors: [twice, twice] })).rejects.toThrow(/duplicate tensor name twice/);
    await expect(writeGgufFile(filePath, { metadata: new Map([["x", { type: "uint8", value: 256 }]]), tensors: [] })).rejects.toThrow(/uint8/);
    await expect(writeGgufFile(filePath, { metadata: new Map(), tensors: [bytesTensor("q", [16], "q8_0", new Uint8Array())] })).rejects.toThrow(/multiple of 32/);
  });
});

describe("readGgufMetadata on damaged files", () => {
  async function writeValid(name: string): Promise<Buffer> {
    const filePath = path.join(folder, name);
    await writeGgufFile(filePath, { metadata: new Map([["general.name", { type: "string", value: "x".repeat(100) }]]), tensors: [] });
    return readFile(filePath);
  }

  it("rejects a file that is not GGUF", async () => {
    const filePath = path.join(folder, "not-gguf.gguf");
    await writeFile(filePath, "GGML and then some more bytes to fill the header");
    await expect(readGgufMetadata(filePath)).rejects.toThrow(/bad magic/);
  });

  it("rejects an unsupported version", async () => {
    const bytes = await writeValid("version.gguf");
    bytes.writeUInt32LE(4, 4);
    const filePath = path.join(folder, "version-4.gguf");
    await writeFile(filePath, bytes);
    await expect(readGgufMetadata(filePath)).rejects.toThrow(/unsupported GGUF version 4/);
  });

  it("says clearly when a string's length runs past the end of the file", async () => {
    const bytes = await writeValid("long-string.gguf");
    // The value's length field sits after the header (24), the key (8 + 12) and the value type (4).
    const lengthOffset = 24 + 8 + "general.name".length + 4;
    expect(bytes.readBigUInt64LE(lengthOffset)).toBe(100n);
    bytes.writeBigUInt64LE(1_000_000n, lengthOffset);
    const filePath = path.join(folder, "long-string-damaged.gguf");
    await writeFile(filePath, bytes);
    const error = await readGgufMetadata(filePath).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GgufFormatError);
    expect((error as Error).message).toMatch(/value of general.name claims 1000000 bytes .* past the end of the file/);
  });

  it("rejects a truncated file and counts larger than the file", async () => {
    const bytes = await writeValid("truncated.gguf");
    const truncatedPath = path.join(folder, "truncated-damaged.gguf");
    await writeFile(truncatedPath, bytes.subarray(0, 60));
    await expect(readGgufMetadata(truncatedPath)).rejects.toThrow(GgufFormatError);

    const countPath = path.join(folder, "count-damaged.gguf");
    const countBytes = Buffer.from(bytes);
    countBytes.writeBigUInt64LE(2n ** 40n, 16);
    await writeFile(countPath, countBytes);
    await expect(readGgufMetadata(countPath)).rejects.toThrow(/metadata entry count .* cannot fit/);
  });

  it("rejects an array whose element count exceeds the file", async () => {
    const filePath = path.join(folder, "array.gguf");
    await writeGgufFile(filePath, { metadata: new Map([["a", { type: "array", elementType: "uint32", values: [1, 2] }]]), tensors: [] });
    const bytes = await readFile(filePath);
    // header 24, key 8 + 1, value type 4, element type 4, then the count
    bytes.writeBigUInt64LE(2n ** 50n, 24 + 9 + 4 + 4);
    await writeFile(filePath, bytes);
    await expect(readGgufMetadata(filePath)).rejects.toThrow(/a claims \d+ elements, more than the file holds/);
  });

  it("parses a header larger than its read window (long strings, many strings)", async () => {
    const filePath = path.join(folder, "large-header.gguf");
    const longString = "▁long".repeat(300_000); // 2.4 MB of UTF-8: more than the 1 MiB window
    const manyStrings = Array.from({ length: 100_000 }, (_, index) => `token-${index}`);
    await writeGgufFile(filePath, {
      metadata: new Map<string, GgufValue>([
        ["long", { type: "string", value: longString }],
        ["many", { type: "array", elementType: "string", values: manyStrings }],
      ]),
      tensors: [bytesTensor("after", [8], "f32", patternBytes(32, 5))],
    });
    const read = await readGgufMetadata(filePath);
    expect(read.metadata.get("long")).toEqual({ type: "string", value: longString });
    expect(read.metadata.get("many")).toEqual({ type: "array", elementType: "string", values: manyStrings });
    expect(read.tensorInfos).toEqual([{ name: "after", dimensions: [8], typeId: 0, offset: 0 }]);
  });
});
