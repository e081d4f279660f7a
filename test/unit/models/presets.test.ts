import { describe, expect, it } from "vitest";
import { presetFit } from "../../../src/cli/commands/preset-fit.js";
import { defaultPresetName, findPreset, modelPresets } from "../../../src/models/presets.js";

const gib = 1024 ** 3;

describe("model presets", () => {
  it("have unique names, a shape for every layer, and the default among them", () => {
    expect(new Set(modelPresets.map((preset) => preset.name)).size).toBe(modelPresets.length);
    expect(findPreset(defaultPresetName)).toBeDefined();
    for (const preset of modelPresets) {
      expect(preset.memoryShape.layers.length, preset.name).toBeGreaterThan(0);
      expect(preset.memoryShape.layers.some((layer) => layer.kind === "attention"), preset.name).toBe(true);
      expect(preset.file.endsWith(".gguf"), preset.name).toBe(true);
    }
  });

  it("include today's families with their memory kinds: hybrid state, MoE weights, sliding windows", () => {
    const qwen36 = findPreset("qwen3.6-35b-a3b")?.memoryShape;
    expect(qwen36?.layers.filter((layer) => layer.kind === "recurrent")).toHaveLength(30);
    expect(qwen36?.experts).toEqual({ feedForwardLength: 512, usedCount: 8 });
    expect(findPreset("gemma-4-e4b")?.memoryShape.layers.filter((layer) => layer.kind === "shared")).toHaveLength(18);
    expect(findPreset("gpt-oss-20b")?.memoryShape.layers.filter((layer) => layer.kind === "attention" && layer.slidingWindow)).toHaveLength(12);
    for (const name of ["qwen3.5-4b", "qwen3.5-9b", "qwen3.8-27b", "gemma-4-26b-a4b", "glm-4.7-flash", "qwen3-coder-30b-a3b"]) expect(findPreset(name), name).toBeDefined();
  });

  it("mark what could not be checked against the model card", () => {
    expect(findPreset("qwen3.8-27b")?.unchecked).toMatch(/^everything/);
    expect(findPreset("gpt-oss-20b")?.unchecked).toBeUndefined();
  });

  it("default to one that fits a 16 GB laptop without a GPU with a 32k context, with room to spare", () => {
    // `start` allows 90 % of the free memory; a 16 GB laptop running an editor and a browser has about 10 GB free.
    const fit = presetFit(findPreset(defaultPresetName) ?? modelPresets[0]!, 9 * gib);
    expect(fit).toMatchObject({ fits: true, contextSize: 32768 });
    expect(fit.totalBytes).toBeLessThan(6 * gib);
    expect(presetFit(findPreset("qwen3.6-35b-a3b")!, 9 * gib).fits).toBe(false);
  });
});
