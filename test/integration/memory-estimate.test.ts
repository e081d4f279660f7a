import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { FamilyShapeName } from "../../src/models/generator/families/family-shapes.js";
import { makeModel } from "../../src/models/generator/make-model.js";
import { compareMemoryEstimates, type ComparedLoad, type MemoryLoad } from "../helpers/compare-memory-estimate.js";
import { wideFamilyModelPath, type WideFamilyModel } from "../helpers/wide-family-test-models.js";
import { useTemporaryFolder } from "../helpers/temporary-folder.js";
import { testModelPath } from "../helpers/test-models.js";

/** Loads measured together in one process, each test awaiting its own: started by the first test that asks. */
function measuredTogether(loads: () => Promise<MemoryLoad[]>): (index: number) => Promise<ComparedLoad> {
  let compared: Promise<ComparedLoad[]> | undefined;
  return async (index) => {
    compared ??= loads().then(compareMemoryEstimates);
    const result = (await compared)[index];
    if (result === undefined) throw new Error(`no load ${index}`);
    return result;
  };
}

/** Each part within 15 % of llama.cpp's own figure (both zero when the model has none of it). */
function expectWithin(label: string, estimated: number, measured: number, source = "llama.cpp"): void {
  const error = measured === 0 ? estimated : Math.abs(estimated - measured) / measured;
  console.log(`${label}: estimate ${(estimated / 2 ** 20).toFixed(2)} MiB, ${source} ${(measured / 2 ** 20).toFixed(2)} MiB (${(error * 100).toFixed(1)} %)`);
  expect(error, label).toBeLessThan(0.15);
}

function expectParts(name: string, { estimate, measured }: ComparedLoad): void {
  expectWithin(`${name} weights`, estimate.weightsBytes, measured.modelBytes);
  expectWithin(`${name} KV cache`, estimate.kvCacheBytes, measured.kvCacheBytes);
  expectWithin(`${name} recurrent state`, estimate.recurrentStateBytes, measured.recurrentStateBytes);
  expectWithin(`${name} compute + output`, estimate.computeBytes, measured.computeBytes + measured.outputBytes);
  expect(estimate.bytesPerCheckpoint > 0, `${name} needs checkpoints`).toBe(measured.needsCheckpoints);
  expectWithin(`${name} one checkpoint`, estimate.bytesPerCheckpoint, measured.checkpointBytes);
}

describe("memory estimate against llama.cpp's own buffer sizes", () => {
  const measured = measuredTogether(async () => [
    { modelPath: await testModelPath("qwen2.5-0.5b-q4_0"), contextSize: 8192, sequences: 2, promptTokens: 96 },
    { modelPath: await testModelPath("tiny"), contextSize: 32768, sequences: 1, promptTokens: 96 },
  ]);

  it("full attention (llama shape, Qwen2.5-0.5B size): weights, KV for two sequences, compute", { timeout: 300_000 }, async () => {
    expectParts("qwen2.5-0.5b × 2 at 8192", await measured(0));
  });

  it("a tiny model at a long context, where the attention masks outweigh the logits", { timeout: 300_000 }, async () => {
    expectParts("tiny at 32768", await measured(1));
  });
});

/**
 * Today's architectures, generated: hybrid Gated DeltaNet (recurrent state per sequence, KV for one layer in
 * four, checkpoints of the state), MoE (every expert loaded), sliding window (KV and checkpoints limited to the
 * window). 700 prompt tokens: more than the windows (128), so a checkpoint holds a full window.
 */
describe("memory estimate of today's architectures against llama.cpp", () => {
  const folder = useTemporaryFolder("pensieve-memory-");
  const models = new Map<FamilyShapeName, string>();

  beforeAll(async () => {
    for (const shape of ["qwen35", "qwen35moe", "gemma4", "gpt-oss", "qwen3moe"] as const) {
      const made = await makeModel({ shape, type: "q8_0", outputPath: path.join(folder.path, `${shape}.gguf`) });
      models.set(shape, made.outputPath);
    }
  });

  const cases: readonly [FamilyShapeName, string][] = [
    ["qwen35", "hybrid: KV for the attention layer, state and checkpoints for the Gated DeltaNet ones"],
    ["qwen35moe", "hybrid MoE: all experts and the shared expert loaded"],
    ["gemma4", "sliding window: window-sized KV for its layers, a copy of the tied embedding"],
    ["gpt-oss", "sliding window every other layer, MoE"],
    ["qwen3moe", "MoE with full attention: no checkpoints needed"],
  ];
  const wideCases: readonly [WideFamilyModel, string][] = [
    ["qwen35moe-wide", "a hybrid MoE of Qwen3.6-35B-A3B's widths"],
    ["gpt-oss-wide", "gpt-oss-20b's widths"],
    ["gemma4-wide", "Gemma 4's widths, a 1024-token window"],
  ];
  for (const [name, what] of wideCases) {
    it(`${what} at 32768 tokens: every part, and the total against the measured RSS`, { timeout: 600_000 }, async () => {
      // A process of its own: its RSS growth is checked, so no load may come before it.
      const [compared] = await compareMemoryEstimates([{ modelPath: await wideFamilyModelPath(name), contextSize: 32768, sequences: 1, promptTokens: 1200 }]);
      if (compared === undefined) throw new Error("nothing measured");
      expectParts(`${name} at 32768`, compared);
      // RSS only where the weights dominate: llama.cpp reserves the logits of a whole batch, but writes a row per output.
      // Of a KV cache that takes memory as it fills (the patch's, built from source), what the prompt filled.
      const { estimate, filledKvCacheBytes, measured } = compared;
      const residentKvCacheBytes = measured.lazyKvCache ? filledKvCacheBytes : estimate.kvCacheBytes;
      expectWithin(`${name} at 32768 total, KV cache as filled`, estimate.totalBytes - estimate.kvCacheBytes + residentKvCacheBytes, measured.measuredBytes, "RSS growth");
    });
  }

  const measured = measuredTogether(async () => cases.map(([shape]) => ({ modelPath: models.get(shape) ?? "", contextSize: 4096, sequences: 2, promptTokens: 700 })));
  cases.forEach(([shape, what], index) => {
    it(`${shape} (${what})`, { timeout: 300_000 }, async () => {
      expectParts(`${shape} × 2 at 4096`, await measured(index));
    });
  });
});
