import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { repoRoot, testModelPath } from "../helpers/test-models.js";

const run = promisify(execFile);

interface Measurement {
  readonly state: string;
  readonly reason: string | null;
  readonly estimateMib: number;
  /** The estimate less the KV cache the exchange never reached, where the cache takes memory as it fills. */
  readonly residentEstimateMib: number;
  readonly measuredMib: number;
}

/** Memory is measured in a process of its own: test/helpers/measure-load-memory.ts. */
async function measure(modelPath: string, limitGib: number, contextSize: number): Promise<Measurement> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", path.join(repoRoot, "test/helpers/measure-load-memory.ts"), modelPath, String(limitGib), String(contextSize)], {
    cwd: repoRoot,
    timeout: 240_000,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Measurement;
}

describe("memory budget (phi3-mini shape, Q4_0, ~2.1 GB)", () => {
  it("loads within the limit it was given, and the estimate is within 15 % of the measured RSS", async () => {
    const result = await measure(await testModelPath("phi3-mini-q4_0"), 6, 2048);
    console.log(`phi3-mini q4_0, context 2048: estimate ${result.estimateMib} MiB (${result.residentEstimateMib} resident), measured RSS growth ${result.measuredMib} MiB`);
    expect(result.state).toBe("ready");
    expect(result.measuredMib).toBeLessThanOrEqual(6 * 1024);
    expect(Math.abs(result.measuredMib - result.residentEstimateMib) / result.measuredMib).toBeLessThan(0.15);
  }, 300_000);

  it("refuses a limit it cannot fit, with the numbers and the setting to lower", async () => {
    const result = await measure(await testModelPath("phi3-mini-q4_0"), 1, 2048);
    expect(result.state).toBe("failed");
    expect(result.reason).toMatch(/needs about [\d.]+ GiB \(weights [\d.]+ GiB \+ context [\d.]+ GiB for 2048 tokens × 1 sequence\(s\)\) but the memory limit is 1\.00 GiB: lower --ctx-size or --parallel/);
    expect(result.measuredMib).toBeLessThan(200);
  }, 300_000);
});
