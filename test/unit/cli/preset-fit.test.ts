import { describe, expect, it } from "vitest";
import { describeFit, detectMachineMemory, presetFit } from "../../../src/cli/commands/preset-fit.js";
import { findPreset } from "../../../src/models/presets.js";

describe("preset fit", () => {
  it("gives the largest context that fits, shrinking it as memory shrinks, and says what is needed when none does", () => {
    const coder = findPreset("qwen3-coder-30b-a3b");
    if (coder === undefined) throw new Error("the qwen3-coder-30b-a3b preset is gone");
    const roomy = presetFit(coder, 64 * 1024 ** 3);
    const tight = presetFit(coder, 18.5 * 1024 ** 3);
    const short = presetFit(coder, 8 * 1024 ** 3);
    expect(roomy).toMatchObject({ fits: true, contextSize: 32768 });
    expect(tight.fits).toBe(true);
    expect(tight.contextSize).toBeLessThan(32768);
    expect(tight.totalBytes).toBeLessThanOrEqual(18.5 * 1024 ** 3);
    expect(short).toMatchObject({ fits: false, contextSize: 2048 });
    expect(describeFit(roomy)).toMatch(/^yes, 32768 tokens \([\d.]+ GiB\)$/);
    expect(describeFit(short)).toMatch(/^no: [\d.]+ GiB at 2048 tokens$/);
  });

  it("reads this machine's memory: RAM as start allows it, and the GPU's when llama.cpp finds one", { timeout: 60_000 }, async () => {
    const memory = await detectMachineMemory();
    expect(memory.ramBytes).toBeGreaterThan(0);
    if (memory.gpu !== null) expect(memory.gpu.freeBytes).toBeGreaterThan(0);
  });
});
