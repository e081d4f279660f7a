import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BaselineMismatchError, compare, type RegressionRecord } from "../../../bench/regression-baseline.js";
import { repoRoot } from "../../helpers/test-models.js";

const baseline: RegressionRecord = {
  shape: "qwen2.5-0.5b",
  type: "q4_0",
  vocabulary: "qwen2",
  threads: 1,
  normalized: { singleToken: 5, tenTokens: 12 },
  peakRssMb: 800,
};

describe("the regression bench's compare", () => {
  it("passes within the tolerances and names each regression past them", () => {
    expect(compare({ ...baseline, normalized: { singleToken: 5.49, tenTokens: 10 }, peakRssMb: 840 }, baseline)).toEqual([]);
    expect(compare({ ...baseline, normalized: { singleToken: 5.6, tenTokens: 12 }, peakRssMb: 841 }, baseline)).toEqual([
      "singleToken: 5.60 vs baseline 5.00 (+12.0 %, limit +10 %)",
      "peak RSS: 841 MB vs baseline 800 MB (limit +5 %)",
    ]);
  });

  it.each([
    [{ threads: 2 }, 'threads 1 in the baseline, 2 in this run'],
    [{ shape: "tiny" }, 'shape "qwen2.5-0.5b" in the baseline, "tiny" in this run'],
    [{ type: "q8_0" }, 'type "q4_0" in the baseline, "q8_0" in this run'],
    [{ vocabulary: "builtin" }, 'vocabulary "qwen2" in the baseline, "builtin" in this run'],
  ] as const)("refuses a baseline measured on another setup (%j)", (change, message) => {
    const run = { ...baseline, ...change };
    expect(() => compare(run, baseline)).toThrow(BaselineMismatchError);
    expect(() => compare(run, baseline)).toThrow(message);
  });

  it("refuses a baseline that does not record its setup, even when the numbers would pass", () => {
    const { shape: _shape, threads: _threads, ...unrecorded } = baseline;
    expect(() => compare(baseline, unrecorded)).toThrow("shape not recorded in the baseline");
    expect(() => compare(baseline, unrecorded)).toThrow("threads not recorded in the baseline");
  });

  it("accepts the committed baseline for its own setup", async () => {
    const committed = JSON.parse(await readFile(path.join(repoRoot, "bench/baselines/regression-qwen2.json"), "utf8")) as RegressionRecord;
    expect(compare({ ...baseline, normalized: committed.normalized, peakRssMb: committed.peakRssMb }, committed)).toEqual([]);
  });
});
