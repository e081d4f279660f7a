import { describe, expect, it } from "vitest";
import { estimateModelMemory } from "../../../src/engine/llama/estimate-model-memory.js";
import { layerPattern, ssmRecurrentWidths, type ModelMemoryShape } from "../../../src/models/model-memory-shape.js";

const base = { architecture: "test", weightsBytes: 1_000_000, embeddingLength: 64, vocabularySize: 1000, feedForwardLength: 128 } as const;
const attention = (keyWidth: number, slidingWindow = false) => ({ kind: "attention", keyWidth, valueWidth: keyWidth, slidingWindow }) as const;

describe("estimateModelMemory", () => {
  it("counts keys and values of every attention layer for every cell of every sequence (F16)", () => {
    const shape: ModelMemoryShape = { ...base, layers: layerPattern(4, () => attention(128)) };
    const estimate = estimateModelMemory(shape, { contextSize: 4096, sequences: 2 });
    expect(estimate.kvCacheBytes).toBe(4 * 4096 * 2 * (128 + 128) * 2);
    expect(estimate.recurrentStateBytes).toBe(0);
    expect(estimate.checkpointBytes).toBe(0);
    expect(estimate.totalBytes).toBe(estimate.weightsBytes + estimate.contextBytes);
  });

  it("pads the context up to 256 cells, as llama.cpp sizes its cache", () => {
    const shape: ModelMemoryShape = { ...base, layers: [attention(64)] };
    expect(estimateModelMemory(shape, { contextSize: 1000, sequences: 1 }).kvCacheBytes).toBe(1024 * 128 * 2);
  });

  it("gives a hybrid model KV for its attention layers only, a fixed state per sequence, and checkpoints of it", () => {
    const recurrent = ssmRecurrentWidths({ convKernel: 4, innerSize: 256, stateSize: 32, groupCount: 4 });
    expect(recurrent).toEqual({ stateWidth: 3 * (256 + 2 * 4 * 32) + 32 * 256, mixerWidth: 256 + 2 * 4 * 32 });
    const width = recurrent.stateWidth;
    const shape: ModelMemoryShape = {
      ...base,
      recurrent,
      layers: layerPattern(8, (index) => ((index + 1) % 4 === 0 ? attention(64) : { kind: "recurrent" })),
    };
    const short = estimateModelMemory(shape, { contextSize: 4096, sequences: 2 });
    const long = estimateModelMemory(shape, { contextSize: 32768, sequences: 2 });
    expect(short.kvCacheBytes).toBe(2 * 4096 * 2 * 128 * 2);
    expect(short.recurrentStateBytes).toBe(6 * width * 4 * 2);
    expect(long.recurrentStateBytes).toBe(short.recurrentStateBytes);
    expect(short.bytesPerCheckpoint).toBe(6 * width * 4);
    // As many as node-llama-cpp keeps (32 a sequence; these are small, far from the 1 GiB cap), whatever the context; fewer when asked.
    expect(short.checkpointBytes).toBe(short.bytesPerCheckpoint * 32 * 2);
    expect(long.checkpointBytes).toBe(short.checkpointBytes);
    expect(estimateModelMemory(shape, { contextSize: 4096, sequences: 2, checkpointsPerSequence: 1 }).checkpointBytes).toBe(short.bytesPerCheckpoint * 2);
    // The compute buffer's peak is inside a layer: the mask beside the Gated DeltaNet recurrence's activations.
    const recurrence = 4 * recurrent.mixerWidth + 2 * 64;
    expect(short.computeBytes).toBe(4096 * 512 * 2 + recurrence * 512 * 4 + (1000 * 2 + 512) * 4);
  });

  it("holds checkpoints within the engine's cap of 1 GiB a sequence, and at least one", () => {
    const shape: ModelMemoryShape = { ...base, recurrent: { stateWidth: 16 * 1024 * 1024, mixerWidth: 64 }, layers: [{ kind: "recurrent" }, { kind: "recurrent" }, attention(64)] };
    const estimate = estimateModelMemory(shape, { contextSize: 4096, sequences: 1 });
    expect(estimate.bytesPerCheckpoint).toBe(128 * 1024 * 1024);
    expect(estimate.checkpointBytes).toBe(1024 ** 3);
    const huge = estimateModelMemory({ ...shape, recurrent: { stateWidth: 256 * 1024 * 1024, mixerWidth: 64 } }, { contextSize: 4096, sequences: 1 });
    expect(huge.checkpointBytes).toBe(huge.bytesPerCheckpoint);
  });

  it("limits sliding-window layers to the window plus a batch, and leaves shared-KV layers out", () => {
    const shape: ModelMemoryShape = {
      ...base,
      slidingWindow: 512,
      layers: [attention(64, true), attention(64, true), attention(128), { kind: "shared" }, { kind: "shared" }],
    };
    const estimate = estimateModelMemory(shape, { contextSize: 32768, sequences: 1 });
    const windowCells = 1024; // 512 + a batch of 512, padded to 256
    expect(estimate.kvCacheBytes).toBe(2 * windowCells * 128 * 2 + 32768 * 256 * 2);
    // A checkpoint keeps the window's cells and the token after them: llama.cpp prunes the rest.
    expect(estimate.bytesPerCheckpoint).toBe(2 * 513 * 128 * 2);
    const small = estimateModelMemory(shape, { contextSize: 512, sequences: 1, batchSize: 512 });
    expect(small.kvCacheBytes).toBe(2 * 512 * 128 * 2 + 512 * 256 * 2);
  });

  it("takes a MoE model's weights whole, and sizes the compute buffer by the larger of the logits and a layer's activations", () => {
    const moe: ModelMemoryShape = { ...base, weightsBytes: 5e9, vocabularySize: 100, feedForwardLength: 0, experts: { feedForwardLength: 512, usedCount: 8 }, layers: [attention(64)] };
    const estimate = estimateModelMemory(moe, { contextSize: 1024, sequences: 1 });
    expect(estimate.weightsBytes).toBe(5e9);
    const output = 100 * 4 + 512 * 4;
    // Inside a layer: the attention mask (a row of 1024 cells per batch token, F16) beside the experts' activations.
    // Each used expert's gate, up, product and output, then their sum.
    expect(estimate.computeBytes).toBe(1024 * 512 * 2 + ((3 * 512 + 64) * 8 + 64) * 512 * 4 + output);
    const wideVocabulary = estimateModelMemory({ ...moe, vocabularySize: 200_000 }, { contextSize: 1024, sequences: 1 });
    expect(wideVocabulary.computeBytes).toBe((200_000 + 128) * 512 * 4 + 200_000 * 4 + 512 * 4);
  });
});
