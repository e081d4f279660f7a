import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  anchorMismatch,
  compareAnchorRatios,
  keepAnchorBaseline,
  readAnchorBaseline,
  writeAnchorBaseline,
  type AnchorBaseline,
} from "../../../bench/anchor/anchor-baseline.js";

const anchor: AnchorBaseline = {
  against: "llama-server",
  date: "2026-01-01T00:00:00.000Z",
  llamaCppCommit: "de3ff815ea7d559ee917f063901b8986f038abc6",
  model: { shape: "qwen2.5-0.5b", type: "q4_0", file: "anchor.gguf" },
  threads: 2,
  decodeThreads: 1,
  runs: 3,
  llamaServerKernels: "prebuilt",
  ratios: { "decode@2600": { ratio: 0.9, better: "higher" }, "peak-rss@1x32768": { ratio: 1.2, better: "lower" } },
};

describe("compareAnchorRatios", () => {
  it("fails a throughput ratio that fell, or a memory ratio that grew, past the tolerance", () => {
    const failures = compareAnchorRatios(
      { "decode@2600": { ratio: 0.8, better: "higher" }, "peak-rss@1x32768": { ratio: 1.33, better: "lower" } },
      anchor.ratios,
      0.1,
    );
    expect(failures).toHaveLength(2);
    expect(failures[0]).toContain("decode@2600");
    expect(failures[1]).toContain("peak-rss@1x32768");
  });

  it("passes changes within the tolerance and gains in either direction, and skips figures not measured", () => {
    expect(compareAnchorRatios({ "decode@2600": { ratio: 0.82, better: "higher" }, "peak-rss@1x32768": { ratio: 1.3, better: "lower" } }, anchor.ratios, 0.1)).toEqual([]);
    expect(compareAnchorRatios({ "decode@2600": { ratio: 1.5, better: "higher" }, "peak-rss@1x32768": { ratio: 0.5, better: "lower" } }, anchor.ratios, 0.1)).toEqual([]);
    expect(compareAnchorRatios({}, anchor.ratios, 0.1)).toEqual([]);
  });
});

describe("anchorMismatch", () => {
  it("refuses to compare runs with other threads or another model", () => {
    expect(anchorMismatch(anchor, anchor)).toBeNull();
    expect(anchorMismatch({ ...anchor, threads: 4 }, anchor)).toContain("4 threads");
    expect(anchorMismatch({ ...anchor, model: { ...anchor.model, shape: "tiny" } }, anchor)).toContain("tiny");
  });

  it("refuses to compare runs whose llama-server ran other CPU kernels, a baseline without the field being the native build's", () => {
    expect(anchorMismatch(anchor, { ...anchor, llamaServerKernels: "native" })).toContain("native CPU kernels");
    const { llamaServerKernels: _llamaServerKernels, ...olderBaseline } = anchor;
    expect(anchorMismatch(anchor, olderBaseline)).toContain("llama-server on native CPU kernels");
    expect(anchorMismatch({ ...anchor, llamaServerKernels: "native" }, olderBaseline)).toBeNull();
  });

  it("never compares a run against a llama-server given with --llama-server, whose build is not known", () => {
    const given = { ...anchor, llamaServerKernels: "given" } as const;
    expect(anchorMismatch(given, given)).toContain("this run ran a llama-server given with --llama-server");
    expect(anchorMismatch(anchor, given)).toContain("the baseline ran a llama-server given");
  });
});

describe("the anchor entry of a baseline file", () => {
  let folder: string;
  let baselinePath: string;
  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), "anchor-baseline-"));
    baselinePath = path.join(folder, "regression-qwen2.json");
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it("is added beside the regression figures, and kept when they are rewritten", async () => {
    await writeFile(baselinePath, JSON.stringify({ normalized: { singleToken: 4.9 }, peakRssMb: 831 }));
    expect(await readAnchorBaseline(baselinePath)).toBeNull();
    await writeAnchorBaseline(baselinePath, anchor);
    const written = JSON.parse(await readFile(baselinePath, "utf8")) as Record<string, unknown>;
    expect(written).toMatchObject({ normalized: { singleToken: 4.9 }, peakRssMb: 831, anchor });

    const rewritten = await keepAnchorBaseline(baselinePath, { normalized: { singleToken: 5.1 }, peakRssMb: 840 });
    expect(rewritten).toEqual({ normalized: { singleToken: 5.1 }, peakRssMb: 840, anchor });
  });

  it("is not invented for a baseline without one, and is refused without a baseline file", async () => {
    await writeFile(baselinePath, JSON.stringify({ normalized: {}, peakRssMb: 1 }));
    expect(await keepAnchorBaseline(baselinePath, { peakRssMb: 2 })).toEqual({ peakRssMb: 2 });
    await expect(writeAnchorBaseline(path.join(folder, "missing.json"), anchor)).rejects.toThrow("does not exist");
  });
});
