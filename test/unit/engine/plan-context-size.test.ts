import { describe, expect, it } from "vitest";
import { defaultContextSize, planContextSize } from "../../../src/engine/llama/plan-context-size.js";
import { testModelPath } from "../../helpers/test-models.js";

const mib = 1024 * 1024;

describe("planContextSize", () => {
  it("without a memory limit: the size asked for, else node-llama-cpp's automatic choice within the bounds", async () => {
    expect(await planContextSize({ modelPath: "/nowhere.gguf", contextSize: 4096 }, 2)).toBe(4096);
    expect(await planContextSize({ modelPath: "/nowhere.gguf" }, 2)).toEqual({ min: 2048, max: 32768 });
    expect(defaultContextSize).toEqual({ min: 2048, max: 32768 });
  });

  it("with a limit: the size asked for when it fits, and says the plan in the log", async () => {
    const lines: string[] = [];
    const planned = await planContextSize({ modelPath: await testModelPath("tiny"), contextSize: 4096, memoryLimitBytes: 4096 * mib, log: (_level, line) => lines.push(line) }, 2);
    expect(planned).toBe(4096);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^memory plan: about \d+ MiB \(weights \d+ MiB, context 4096 × 2: \d+ MiB\) within a limit of 4096 MiB$/);
  });

  it("with a limit and no size asked for: the largest that fits, at most the model's trained context", async () => {
    // The tiny test model is trained for 4096 tokens, below the automatic maximum.
    const planned = await planContextSize({ modelPath: await testModelPath("tiny"), memoryLimitBytes: 4096 * mib }, 1);
    expect(planned).toBe(4096);
  });

  it("refuses a size that does not fit the limit", async () => {
    await expect(planContextSize({ modelPath: await testModelPath("tiny"), contextSize: 32768, memoryLimitBytes: 1 * mib }, 4)).rejects.toThrow(/--ctx-size or --parallel/);
  });
});
