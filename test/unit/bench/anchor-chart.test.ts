import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { figureResult } from "../../../bench/anchor/anchor-figures.js";
import { runAnchorBench } from "../../../bench/anchor/run-anchor-bench.js";
import { useTemporaryFolder } from "../../helpers/temporary-folder.js";

const results = {
  date: "2026-12-01T10:00:00.000Z",
  against: "llama-server",
  machine: { cpus: 2, cpuModel: "Test CPU", node: "v20", platform: "linux" },
  llamaCpp: { commit: "de3ff815ea7d559ee917f063901b8986f038abc6", release: "b1234" },
  model: { shape: "qwen2.5-0.5b", type: "q4_0", file: "anchor.gguf" },
  settings: { threads: 2, decodeThreads: 1, runs: 3 },
  figures: [figureResult({ id: "decode@2600", label: "decode, 2.6k context", unit: "tokens/s", better: "higher" }, [{ value: 45 }], [{ value: 50 }])],
};

describe("npm run bench -- --anchor llama-server --chart-from <results.json>", () => {
  const folder = useTemporaryFolder("pensieve-anchor-chart-");

  it("draws a saved run's chart beside it, titled with its settings and date, measuring nothing", async () => {
    const file = path.join(folder.path, "anchor-llama-server-run.json");
    await writeFile(file, JSON.stringify(results));
    expect(await runAnchorBench(["--anchor", "llama-server", "--chart-from", file])).toBe(0);
    const svg = await readFile(path.join(folder.path, "anchor-llama-server-run.svg"), "utf8");
    expect(svg).toContain("qwen2.5-0.5b q4_0, 2 threads (1 decode), llama.cpp b1234 de3ff815, median of 3, 2026-12-01, Test CPU");
    expect(svg).toContain("×0.90");
  });

  it("refuses a file that is not an anchor run's results", async () => {
    const file = path.join(folder.path, "bench-run.json");
    await writeFile(file, JSON.stringify({ date: results.date, raw: {}, http: {} }));
    expect(await runAnchorBench(["--anchor", "llama-server", "--chart-from", file])).toBe(1);
  });
});
