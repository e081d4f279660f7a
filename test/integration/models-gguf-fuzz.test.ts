import { rm } from "node:fs/promises";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GgufValue } from "../../src/models/gguf/gguf-value.js";
import { inspectGguf } from "../../src/models/inspect-gguf.js";
import { UnsafeModelFileError } from "../../src/models/unsafe-model-file-error.js";
import { GgufLoadProbe, type GgufLoadOutcome } from "../helpers/gguf-load-probe.js";
import type { GgufHeaderEdit, MutatedTensorInfo } from "../helpers/mutated-gguf.js";
import { useMutatedGgufFiles } from "../helpers/mutated-gguf-files.js";
import { wellFormedLayouts } from "../helpers/well-formed-layouts.js";

// Every GGUF either is refused by inspectGguf with a reason, or loads in llama.cpp (or llama.cpp refuses it
// with an error): never an abort, a crash or a hang. Files that pass the check are loaded in a child process
// (GgufLoadProbe) the way the server loads a model, so an abort kills the child and fails the test instead
// of killing the test process. PENSIEVE_GGUF_FUZZ_RUNS and PENSIEVE_GGUF_FUZZ_SEED explore further.

const runs = Number(process.env["PENSIEVE_GGUF_FUZZ_RUNS"] ?? 200);
const seed = Number(process.env["PENSIEVE_GGUF_FUZZ_SEED"] ?? 20_251_201);
// Generous: the machine is shared; a load of the tiny model takes well under a second.
const probeTimeoutMs = 60_000;

const ggufFiles = useMutatedGgufFiles("pensieve-gguf-fuzz-");
let probe: GgufLoadProbe;
beforeAll(() => {
  probe = new GgufLoadProbe();
});
afterAll(async () => {
  await probe.close();
});

function describeOutcome(outcome: GgufLoadOutcome): string {
  switch (outcome.outcome) {
    case "loaded":
      return "loaded";
    case "failed":
      return `failed: ${outcome.message}`;
    case "crashed":
      return `crashed (${outcome.signal ?? `exit ${outcome.exitCode}`}) while ${outcome.phase}: ${outcome.stderr.slice(-600)}`;
    case "stalled":
      return `stalled while ${outcome.phase}: ${outcome.stderr.slice(-600)}`;
  }
}

describe("well-formed layouts of every architecture whose shapes are checked", () => {
  it("pass the check and load in llama.cpp", { timeout: 300_000 }, async () => {
    for (const [name, edit] of wellFormedLayouts) {
      const filePath = await ggufFiles.write(edit);
      await expect(inspectGguf(filePath), name).resolves.toBeDefined();
      expect(`${name}: ${describeOutcome(await probe.probe(filePath, probeTimeoutMs))}`).toBe(`${name}: loaded`);
    }
  });
});

const uint32 = (value: number): GgufValue => ({ type: "uint32", value });
const extremeIntegers = fc.constantFrom(0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 32, 63, 64, 65, 128, 511, 512, 513, 1023, 1024, 1025, 65_536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1);
const integerKeys = [
  "llama.context_length",
  "llama.embedding_length",
  "llama.block_count",
  "llama.feed_forward_length",
  "llama.attention.head_count",
  "llama.attention.head_count_kv",
  "llama.rope.dimension_count",
  "llama.attention.key_length",
  "llama.attention.value_length",
  "llama.expert_count",
  "llama.expert_used_count",
  "llama.expert_group_count",
  "llama.expert_group_used_count",
  "llama.nextn_predict_layers",
  "llama.vocab_size",
  "llama.attention.sliding_window",
  "tokenizer.ggml.bos_token_id",
  "tokenizer.ggml.eos_token_id",
  "tokenizer.ggml.unknown_token_id",
  "tokenizer.ggml.padding_token_id",
];
const integerValue: fc.Arbitrary<GgufValue> = fc.oneof(
  { arbitrary: extremeIntegers.map(uint32), weight: 4 },
  fc.integer({ min: -(2 ** 31), max: -1 }).map((value): GgufValue => ({ type: "int32", value })),
  fc.array(extremeIntegers, { maxLength: 4 }).map((values): GgufValue => ({ type: "array", elementType: "uint32", values })),
  fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 1, maxLength: 3 }).map((values): GgufValue => ({ type: "array", elementType: "int32", values })),
);
const floatKeys = ["llama.attention.layer_norm_rms_epsilon", "llama.rope.freq_base", "llama.rope.scaling.factor", "llama.attention.scale"];
const floatValue = fc.constantFrom(Number.NaN, -1, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-5, 1e30).map((value): GgufValue => ({ type: "float32", value }));
const stringEntries: readonly (readonly [string, readonly string[]])[] = [
  ["llama.rope.scaling.type", ["none", "linear", "yarn", "longrope", "bogus", ""]],
  // Not "rwkv": an RWKV vocabulary that lacks a byte makes tokenizing throw out_of_range through node-llama-cpp,
  // which aborts; telling needs the token strings, which the check does not read (see SECURITY.md).
  ["tokenizer.ggml.model", ["llama", "gpt2", "bert", "t5", "plamo2", "none", "no_vocab", "bogus"]],
];
const tokenizerArrays = (length: number): [string, GgufValue][] => [
  ["tokenizer.ggml.tokens", { type: "array", elementType: "string", values: Array.from({ length }, (_, index) => `t${index}`) }],
  ["tokenizer.ggml.scores", { type: "array", elementType: "float32", values: new Array<number>(length).fill(0) }],
  ["tokenizer.ggml.token_type", { type: "array", elementType: "int32", values: new Array<number>(length).fill(1) }],
];

const metadataEdit: fc.Arbitrary<[string, GgufValue | undefined][]> = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom(...integerKeys), integerValue).map((entry) => [entry]), weight: 6 },
  fc.tuple(fc.constantFrom(...floatKeys), floatValue).map((entry) => [entry]),
  fc.constantFrom(...stringEntries).chain(([key, values]) => fc.constantFrom(...values).map((value): [string, GgufValue][] => [[key, { type: "string", value }]])),
  fc.constantFrom(...integerKeys, ...floatKeys, "tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type").map((key): [string, undefined][] => [[key, undefined]]),
  // One of the three tokenizer arrays, or all three, of another length than the embedding's rows.
  fc.tuple(fc.constantFrom(0, 1, 2, 3575, 3577), fc.nat(3)).map(([length, which]) => tokenizerArrays(length).filter((_, index) => which === 3 || index === which)),
);

const tensorTypes = fc.constantFrom(0, 1, 2, 8, 9, 12, 15, 20, 24, 26, 28, 30, 39, 41);
const tensorEdit: fc.Arbitrary<[string, MutatedTensorInfo | undefined]> = fc.tuple(fc.nat(), fc.nat(8), tensorTypes, fc.boolean()).map(([pick, shapeKind, typeId, remove]) => {
  const tensor = ggufFiles.base.tensors[pick % ggufFiles.base.tensors.length];
  if (tensor === undefined) throw new Error("the tiny model has tensors");
  if (remove && shapeKind === 0) return [tensor.name, undefined];
  const [first = 1n, second = 1n] = tensor.dimensions;
  const shapes: readonly (readonly bigint[])[] = [
    tensor.dimensions,
    [second, first],
    [first * second],
    [first, second, 1n],
    [first, 0n],
    [0n],
    [],
    [first * 2n, second / 2n > 0n ? second / 2n : 1n],
    [2n ** 31n, 2n ** 31n],
  ];
  return [tensor.name, { dimensions: shapes[shapeKind] ?? tensor.dimensions, typeId }];
});

const headerEdit: fc.Arbitrary<GgufHeaderEdit> = fc
  .tuple(fc.array(metadataEdit, { minLength: 1, maxLength: 3 }), fc.array(tensorEdit, { maxLength: 2 }), fc.boolean())
  .map(([metadata, tensors, withTensors]) => ({
    metadata: new Map(metadata.flat()),
    ...(withTensors ? { tensors: new Map(tensors) } : {}),
  }));

describe("fuzzed headers of the tiny model", () => {
  it(`are refused with a reason, or load without killing the process (${runs} files)`, { timeout: 600_000 }, async () => {
    const tally = { refused: 0, loaded: 0, failed: 0 };
    await fc.assert(
      fc.asyncProperty(headerEdit, async (edit) => {
        const filePath = await ggufFiles.write(edit);
        try {
          const refusal = await inspectGguf(filePath).then(
            () => undefined,
            (error: unknown) => error,
          );
          if (refusal !== undefined) {
            expect(refusal).toBeInstanceOf(UnsafeModelFileError);
            expect((refusal as UnsafeModelFileError).reason).not.toBe("");
            tally.refused += 1;
            return;
          }
          const outcome = await probe.probe(filePath, probeTimeoutMs);
          expect(["loaded", "failed"], describeOutcome(outcome)).toContain(outcome.outcome);
          tally[outcome.outcome as "loaded" | "failed"] += 1;
        } finally {
          await rm(filePath, { force: true });
        }
      }),
      { numRuns: runs, seed, endOnFailure: true },
    );
    // The corpus reaches both sides of the check, and llama.cpp itself.
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.loaded + tally.failed).toBeGreaterThan(0);
  });
});
