import { copyFile, mkdtemp, open, readFile, rm, truncate, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { readGgufFileInfo } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GgufByteBuilder } from "../../../src/models/gguf/gguf-byte-builder.js";
import type { GgufTensor } from "../../../src/models/gguf/gguf-tensor.js";
import type { GgufValue } from "../../../src/models/gguf/gguf-value.js";
import { scanGgufHeader } from "../../../src/models/gguf/gguf-header-scanner.js";
import { writeGgufFile } from "../../../src/models/gguf/gguf-writer.js";
import { inspectGguf } from "../../../src/models/inspect-gguf.js";
import { UnsafeModelFileError } from "../../../src/models/unsafe-model-file-error.js";
import { testModelPath } from "../../helpers/test-models.js";

let folder: string;
let tinyPath: string;
let fileCount = 0;
beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "pensieve-inspect-"));
  tinyPath = await testModelPath("tiny");
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function fileWith(bytes: Uint8Array): Promise<string> {
  fileCount += 1;
  const filePath = path.join(folder, `case-${fileCount}.gguf`);
  await writeFile(filePath, bytes);
  return filePath;
}

/** A copy of the tiny test model with `bytes` written at `offset`. */
async function patchedTiny(offset: number, bytes: Uint8Array): Promise<string> {
  fileCount += 1;
  const filePath = path.join(folder, `patched-${fileCount}.gguf`);
  await copyFile(tinyPath, filePath);
  const file = await open(filePath, "r+");
  await file.write(bytes, 0, bytes.length, offset);
  await file.close();
  return filePath;
}

function uint32(value: number): Uint8Array {
  const builder = new GgufByteBuilder();
  builder.writeUint32(value);
  return builder.contents().slice();
}

function uint64(value: bigint): Uint8Array {
  const builder = new GgufByteBuilder();
  builder.writeUint64(value);
  return builder.contents().slice();
}

interface HandTensor {
  readonly name: string;
  readonly dimensions: readonly bigint[];
  readonly type: number;
  readonly offset: bigint;
}

/** A GGUF written field by field, so each field can lie. Metadata values are written with the real writer. */
function handMade(options: {
  readonly tensorCount?: bigint;
  readonly metadataCount?: bigint;
  readonly metadata?: readonly (readonly [string, GgufValue])[];
  /** Raw bytes after the metadata entries (a hand-written entry). */
  readonly rawEntry?: (builder: GgufByteBuilder) => void;
  readonly tensors?: readonly HandTensor[];
  /** Bytes of tensor data after the aligned header. */
  readonly dataBytes?: number;
}): Uint8Array {
  const metadata = options.metadata ?? [["general.architecture", { type: "string", value: "llama" }]];
  const builder = new GgufByteBuilder();
  builder.writeBytes(new TextEncoder().encode("GGUF"));
  builder.writeUint32(3);
  builder.writeUint64(options.tensorCount ?? BigInt(options.tensors?.length ?? 0));
  builder.writeUint64(options.metadataCount ?? BigInt(metadata.length + (options.rawEntry === undefined ? 0 : 1)));
  for (const [key, value] of metadata) {
    builder.writeString(key);
    builder.writeTypedValue(value);
  }
  options.rawEntry?.(builder);
  for (const tensor of options.tensors ?? []) {
    builder.writeString(tensor.name);
    builder.writeUint32(tensor.dimensions.length);
    for (const extent of tensor.dimensions) builder.writeUint64(extent);
    builder.writeUint32(tensor.type);
    builder.writeUint64(tensor.offset);
  }
  builder.padTo(32);
  builder.writeBytes(new Uint8Array(options.dataBytes ?? 0));
  return builder.contents().slice();
}

const f32Tensor = (name: string, extent: bigint, offset = 0n): HandTensor => ({ name, dimensions: [extent], type: 0, offset });

async function expectRefused(filePath: string, message: RegExp): Promise<void> {
  const started = performance.now();
  const error = await inspectGguf(filePath).catch((caught: unknown) => caught);
  const elapsed = performance.now() - started;
  expect(error).toBeInstanceOf(UnsafeModelFileError);
  expect((error as UnsafeModelFileError).filePath).toBe(filePath);
  expect((error as Error).message).toMatch(message);
  expect(elapsed).toBeLessThan(1000);
}

describe("inspectGguf on a good file", () => {
  it("summarises the generated tiny model, agreeing with node-llama-cpp's reader", async () => {
    const summary = await inspectGguf(tinyPath);
    const theirs = await readGgufFileInfo(tinyPath, { readTensorInfo: true });
    expect(summary).toEqual({
      architecture: "llama",
      name: "pensieve-tiny-q8_0",
      contextLength: 4096,
      fileType: "Q8_0",
      tensorCount: theirs.tensorCount,
      metadataCount: expect.any(Number),
      sizeBytes: (await readFile(tinyPath)).length,
      parameters: (theirs.fullTensorInfo ?? theirs.tensorInfo ?? []).reduce(
        (sum, tensor) => sum + tensor.dimensions.reduce<number>((product, extent) => product * Number(extent), 1),
        0,
      ),
      ggufVersion: 3,
    });
    expect(theirs.metadata.general.architecture).toBe(summary.architecture);
  });

  it("accepts a file whose tensors are exactly at the end, and one without tensors", async () => {
    const tensors = [f32Tensor("a", 8n), f32Tensor("b", 4n, 32n)];
    await expect(inspectGguf(await fileWith(handMade({ tensors, dataBytes: 32 + 16 })))).resolves.toMatchObject({ tensorCount: 2, parameters: 12 });
    await expect(inspectGguf(await fileWith(handMade({})))).resolves.toMatchObject({ architecture: "llama", tensorCount: 0 });
  });
});

describe("inspectGguf reading values", () => {
  it("reads every scalar type, skips arrays, keeps long strings up to the cap and skips longer ones", async () => {
    const longName = "n".repeat(100_000); // larger than the reader's window
    const metadata: [string, GgufValue][] = [
      ["general.architecture", { type: "string", value: "qwen2" }],
      ["general.name", { type: "string", value: longName }],
      ["qwen2.context_length", { type: "uint32", value: 32768 }],
      ["general.file_type", { type: "uint64", value: 15n }],
      ["split.count", { type: "uint16", value: 3 }],
      ["x.uint8", { type: "uint8", value: 1 }],
      ["x.int8", { type: "int8", value: -1 }],
      ["x.int16", { type: "int16", value: -2 }],
      ["x.float32", { type: "float32", value: 0.5 }],
      ["x.float64", { type: "float64", value: 0.25 }],
      ["x.int64", { type: "int64", value: -3n }],
      ["x.bool", { type: "bool", value: true }],
      ["x.array", { type: "array", elementType: "uint32", values: [1, 2, 3] }],
    ];
    const filePath = await fileWith(handMade({ metadata }));
    expect(await inspectGguf(filePath)).toMatchObject({ architecture: "qwen2", name: longName, contextLength: 32768, fileType: "Q4_K_M", splitCount: 3 });
    const capped = await inspectGguf(filePath, { maxKeptStringBytes: 1000 });
    expect(capped.name).toBeUndefined();
    expect(capped.architecture).toBe("qwen2");
  });

  it("names an unknown file type by number, and refuses a context length that is not a uint32", async () => {
    const metadata: [string, GgufValue][] = [
      ["general.architecture", { type: "string", value: "llama" }],
      ["general.file_type", { type: "int32", value: 999 }],
    ];
    const summary = await inspectGguf(await fileWith(handMade({ metadata })));
    expect(summary.fileType).toBe("type 999");
    expect(summary.contextLength).toBeUndefined();
    const withContext = handMade({ metadata: [...metadata, ["llama.context_length", { type: "float32", value: 1.5 }]] });
    await expect(inspectGguf(await fileWith(withContext))).rejects.toThrow(/llama\.context_length is stored as float32; llama\.cpp reads it as a uint32/);
  });

  it("keeps the values of short numeric arrays of every type, and the distinct values of long ones with few", async () => {
    const metadata: [string, GgufValue][] = [
      ["general.architecture", { type: "string", value: "llama" }],
      ["a.uint8", { type: "array", elementType: "uint8", values: [1, 255] }],
      ["a.int8", { type: "array", elementType: "int8", values: [-1, 2] }],
      ["a.uint16", { type: "array", elementType: "uint16", values: [65_535] }],
      ["a.int16", { type: "array", elementType: "int16", values: [-300] }],
      ["a.int32", { type: "array", elementType: "int32", values: [-5, 7] }],
      ["a.float64", { type: "array", elementType: "float64", values: [0.5] }],
      ["a.uint64", { type: "array", elementType: "uint64", values: [2n ** 40n] }],
      ["a.int64", { type: "array", elementType: "int64", values: [-3n] }],
      ["a.bool", { type: "array", elementType: "bool", values: [true, false] }],
      ["a.types", { type: "array", elementType: "int32", values: Array.from({ length: 100_000 }, (_, index) => (index % 3) + 1) }],
      ["a.scores", { type: "array", elementType: "float32", values: Array.from({ length: 100_000 }, (_, index) => index) }],
    ];
    const { arrays } = await scanGgufHeader(await fileWith(handMade({ metadata })));
    expect(Object.fromEntries([...arrays].map(([key, array]) => [key, array.values]))).toMatchObject({
      "a.uint8": [1, 255],
      "a.int8": [-1, 2],
      "a.uint16": [65_535],
      "a.int16": [-300],
      "a.int32": [-5, 7],
      "a.float64": [0.5],
      "a.uint64": [2 ** 40],
      "a.int64": [-3],
      "a.bool": [1, 0],
      "a.types": undefined,
    });
    expect(arrays.get("a.types")).toMatchObject({ length: 100_000, distinct: new Set([1, 2, 3]) });
    expect(arrays.get("a.scores")).toEqual({ elementType: "float32", length: 100_000 });
  });

  it("lets a missing file's error through as it is", async () => {
    await expect(inspectGguf(path.join(folder, "absent.gguf"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("inspectGguf refuses a hostile or damaged file quickly, with the reason", () => {
  const stringArray = (key: string, count: bigint, firstLength: bigint) => (builder: GgufByteBuilder) => {
    builder.writeString(key);
    builder.writeUint32(9);
    builder.writeUint32(8);
    builder.writeUint64(count);
    builder.writeUint64(firstLength);
  };
  const cases: readonly (readonly [string, () => Promise<string>, RegExp])[] = [
    ["an empty file", () => fileWith(new Uint8Array(0)), /not a GGUF file: only 0 bytes/],
    ["a three-byte file", () => fileWith(new TextEncoder().encode("GGU")), /not a GGUF file: only 3 bytes/],
    ["bad magic", () => patchedTiny(0, new TextEncoder().encode("GGML")), /not a GGUF file: it starts with "GGML", not "GGUF"/],
    ["an ELF binary", () => fileWith(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])), /it starts with bytes 7f 45 4c 46/],
    ["version 99", () => patchedTiny(4, uint32(99)), /unsupported GGUF version 99 \(versions 2 and 3 are supported\)/],
    ["version 1", () => patchedTiny(4, uint32(1)), /unsupported GGUF version 1/],
    ["a big-endian version", () => patchedTiny(4, uint32(0x03000000)), /big-endian or damaged/],
    ["a tensor count of 2^40", () => patchedTiny(8, uint64(2n ** 40n)), /claims 1099511627776 tensors; at most 100000 are accepted/],
    ["a tensor count of 2^64-1", () => patchedTiny(8, uint64(2n ** 64n - 1n)), /claims 18446744073709551615 tensors/],
    ["a huge metadata count", () => patchedTiny(16, uint64(2n ** 40n)), /claims 1099511627776 metadata entries; at most 100000/],
    ["a metadata count past the entries", () => patchedTiny(16, uint64(5000n)), /duplicate metadata key|unknown value type|past the end|claims|empty/],
    ["a tensor count the file cannot describe", () => fileWith(handMade({ tensorCount: 50_000n })), /claims 50000 tensors, more than the rest of the file can describe/],
    [
      "a key length past the end",
      () => fileWith(handMade({ rawEntry: (builder) => builder.writeUint64(60_000n) })),
      /key of metadata entry 1 needs 60000 bytes at offset \d+, past the end of the file/,
    ],
    ["an absurd key length", () => fileWith(handMade({ rawEntry: (builder) => builder.writeUint64(2n ** 50n) })), /claims 1125899906842624 bytes .*keys are at most 65535/],
    [
      "a string value past the end",
      () =>
        fileWith(
          handMade({
            rawEntry: (builder) => {
              builder.writeString("general.name");
              builder.writeUint32(8);
              builder.writeUint64(2n ** 40n);
            },
          }),
        ),
      /value of general\.name needs 1099511627776 bytes at offset \d+, past the end of the file/,
    ],
    [
      "an absurd array length",
      () =>
        fileWith(
          handMade({
            rawEntry: (builder) => {
              builder.writeString("tokenizer.ggml.token_type");
              builder.writeUint32(9);
              builder.writeUint32(5);
              builder.writeUint64(2n ** 40n);
            },
          }),
        ),
      /tokenizer\.ggml\.token_type claims 1099511627776 elements; at most 16777216 are accepted/,
    ],
    [
      "an array longer than the file",
      () =>
        fileWith(
          handMade({
            rawEntry: (builder) => {
              builder.writeString("tokenizer.ggml.scores");
              builder.writeUint32(9);
              builder.writeUint32(6);
              builder.writeUint64(1_000_000n);
            },
          }),
        ),
      /the 1000000 elements of tokenizer\.ggml\.scores needs 4000000 bytes .* past the end of the file/,
    ],
    ["a string array longer than the file", () => fileWith(handMade({ rawEntry: stringArray("tokenizer.ggml.tokens", 1_000_000n, 1n) })), /the 1000000 strings of tokenizer\.ggml\.tokens .*past the end/],
    ["a string in an array past the end", () => fileWith(handMade({ rawEntry: stringArray("tokenizer.ggml.tokens", 1n, 2n ** 40n) })), /tokenizer\.ggml\.tokens\[0\] needs 1099511627776 bytes/],
    [
      "an array of arrays",
      () =>
        fileWith(
          handMade({
            rawEntry: (builder) => {
              builder.writeString("nested");
              builder.writeUint32(9);
              builder.writeUint32(9);
              builder.writeUint64(1n);
            },
          }),
        ),
      /nested is an array of arrays/,
    ],
    [
      "an unknown value type",
      () =>
        fileWith(
          handMade({
            rawEntry: (builder) => {
              builder.writeString("odd");
              builder.writeUint32(13);
            },
          }),
        ),
      /odd has unknown value type 13/,
    ],
    ["a duplicate key", () => fileWith(handMade({ metadata: [["general.architecture", { type: "string", value: "llama" }], ["general.architecture", { type: "string", value: "x" }]] })), /duplicate metadata key general\.architecture/],
    ["alignment 0", () => fileWith(handMade({ metadata: [["general.architecture", { type: "string", value: "llama" }], ["general.alignment", { type: "uint32", value: 0 }]] })), /general\.alignment 0 is not a power of two/],
    ["alignment 48", () => fileWith(handMade({ metadata: [["general.architecture", { type: "string", value: "llama" }], ["general.alignment", { type: "uint32", value: 48 }]] })), /general\.alignment 48 is not a power of two/],
    ["a string alignment", () => fileWith(handMade({ metadata: [["general.architecture", { type: "string", value: "llama" }], ["general.alignment", { type: "string", value: "32" }]] })), /general\.alignment must be a uint32, not string/],
    [
      "an array alignment",
      () => fileWith(handMade({ metadata: [["general.architecture", { type: "string", value: "llama" }], ["general.alignment", { type: "array", elementType: "uint32", values: [32] }]] })),
      /general\.alignment must be a uint32, not an array/,
    ],
    ["an empty key", () => fileWith(handMade({ rawEntry: (builder) => builder.writeUint64(0n) })), /the key of metadata entry 1 is empty/],
    ["no architecture", () => fileWith(handMade({ metadata: [["general.name", { type: "string", value: "anonymous" }]] })), /no general\.architecture/],
    ["a tensor offset past the end", () => fileWith(handMade({ tensors: [f32Tensor("token_embd.weight", 8n, 2n ** 40n)], dataBytes: 32 })), /tensor token_embd\.weight's data \(offset 1099511627776, 32 bytes\) ends at byte \d+, past the end of the file/],
    ["tensor data past the end", () => fileWith(handMade({ tensors: [f32Tensor("output.weight", 1024n)], dataBytes: 64 })), /output\.weight's data \(offset 0, 4096 bytes\) .*past the end of the file \(\d+ bytes\): the file is truncated or damaged/],
    ["tensors out of order", () => fileWith(handMade({ tensors: [f32Tensor("a", 8n, 32n), f32Tensor("b", 8n, 0n)], dataBytes: 64 })), /tensor a has data offset 32, expected 0/],
    ["an unknown ggml type", () => fileWith(handMade({ tensors: [{ name: "t", dimensions: [32n], type: 99, offset: 0n }], dataBytes: 256 })), /tensor t has unknown ggml type 99/],
    ["a removed ggml type", () => fileWith(handMade({ tensors: [{ name: "t", dimensions: [32n], type: 31, offset: 0n }], dataBytes: 256 })), /unknown ggml type 31/],
    ["five dimensions", () => fileWith(handMade({ tensors: [{ name: "t", dimensions: [1n, 1n, 1n, 1n, 1n], type: 0, offset: 0n }], dataBytes: 32 })), /tensor t has 5 dimensions; ggml allows at most 4/],
    ["a negative extent", () => fileWith(handMade({ tensors: [{ name: "t", dimensions: [2n ** 63n], type: 0, offset: 0n }] })), /tensor t has a negative extent in dimension 0/],
    ["an element count overflow", () => fileWith(handMade({ tensors: [{ name: "t", dimensions: [2n ** 32n, 2n ** 32n], type: 0, offset: 0n }] })), /tensor t has 18446744073709551616 elements/],
    ["a row that is not whole blocks", () => fileWith(handMade({ tensors: [{ name: "t", dimensions: [33n], type: 8, offset: 0n }], dataBytes: 64 })), /tensor t of type Q8_0 has rows of 33 elements, not a multiple of its block size 32/],
    ["a 64-byte tensor name", () => fileWith(handMade({ tensors: [f32Tensor("n".repeat(64), 8n)], dataBytes: 32 })), /the name of tensor 0 claims 64 bytes; ggml allows at most 63/],
    ["a duplicate tensor name", () => fileWith(handMade({ tensors: [f32Tensor("t", 8n), f32Tensor("t", 8n, 32n)], dataBytes: 64 })), /duplicate tensor name t/],
    [
      "a file cut in half",
      async () => {
        const filePath = await patchedTiny(0, new Uint8Array(0));
        await truncate(filePath, Math.floor((await readFile(filePath)).length / 2));
        return filePath;
      },
      /past the end of the file .*: the file is truncated or damaged/,
    ],
    [
      "a file cut inside its header",
      async () => {
        const filePath = await patchedTiny(0, new Uint8Array(0));
        await truncate(filePath, 100);
        return filePath;
      },
      /past the end of the file/,
    ],
  ];

  it.each(cases)("%s", async (_name, makeFile, message) => {
    await expectRefused(await makeFile(), message);
  });
});

describe("inspectGguf on random damage", () => {
  it("either summarises a damaged file or refuses it with UnsafeModelFileError: nothing else escapes", async () => {
    const metadata = new Map<string, GgufValue>([
      ["general.architecture", { type: "string", value: "llama" }],
      ["general.name", { type: "string", value: "fuzz" }],
      ["llama.context_length", { type: "uint32", value: 256 }],
      ["tokenizer.ggml.tokens", { type: "array", elementType: "string", values: ["<s>", "</s>", "a", "b"] }],
      ["tokenizer.ggml.scores", { type: "array", elementType: "float32", values: [0, 0, 1, 2] }],
    ]);
    const tensor = (name: string, extent: number): GgufTensor => ({ name, dimensions: [extent], type: "f32", data: () => [new Uint8Array(extent * 4)] });
    const basePath = path.join(folder, "fuzz-base.gguf");
    await writeGgufFile(basePath, { metadata, tensors: [tensor("a", 8), tensor("b", 16)] });
    const base = await readFile(basePath);
    const headerLength = base.length - 32 - 64;

    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(headerLength - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(base.length), { nil: undefined }),
        async (edits, cut) => {
          const bytes = Buffer.from(base);
          for (const [offset, value] of edits) bytes[offset] = value;
          const filePath = await fileWith(cut === undefined ? bytes : bytes.subarray(0, cut));
          try {
            await inspectGguf(filePath);
          } catch (error) {
            if (!(error instanceof UnsafeModelFileError)) throw error;
          } finally {
            await rm(filePath);
          }
        },
      ),
      { numRuns: 300, seed: 20240601 },
    );
  });
});
