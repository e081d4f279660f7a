import { readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { defineConfig } from "vitest/config";
import { mockingUnitFiles } from "./test/mocking-unit-files.js";
import { realEngineTestSettings } from "./test/real-engine-test-settings.js";

// Each coverage run reports into a folder of its own: this checkout is shared, and Vitest empties its reports
// folder when it starts, which would delete the intermediate files of a run already in progress.
const coverageRoot = "coverage";
const coverageRun = path.join(coverageRoot, `${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}`);
removeOldCoverageRuns(24 * 60 * 60 * 1000);

export default defineConfig({
  test: {
    ...realEngineTestSettings,
    projects: [
      // Unit files share one module graph and process: Fastify, TypeBox and the SDKs are imported once, not once
      // per file (the unit tier 143 s → 51 s without coverage). Safe because src/ holds no module-level mutable
      // state; files that replace a module with vi.mock need a graph of their own, so they run isolated below.
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"], exclude: [...mockingUnitFiles], isolate: false } },
      { extends: true, test: { name: "isolated", include: [...mockingUnitFiles, "test/integration/**/*.test.ts", "test/browser/**/*.test.ts", "test/e2e/**/*.test.ts"] } },
    ],
    // Measured only with --coverage (npm test); the per-layer scripts run without it, and without the gate.
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      reporter: [["text", { skipFull: true }], "text-summary", "json-summary", "html"],
      reportsDirectory: coverageRun,
      // A failing test should not hide the numbers: the report still prints, and the run still fails.
      reportOnFailure: true,
      // The bar of issue #6: over all of src/, lines 90 % and branches 85 %. npm test fails below it.
      thresholds: { lines: 90, branches: 85 },
    },
  },
});

/** Deletes run folders older than `maxAgeMs`: no run lasts that long, so none of them is still being written. */
function removeOldCoverageRuns(maxAgeMs: number): void {
  let entries: string[];
  try {
    entries = readdirSync(coverageRoot);
  } catch {
    return; // no coverage run yet
  }
  for (const entry of entries) {
    const folder = path.join(coverageRoot, entry);
    try {
      const stats = statSync(folder);
      if (stats.isDirectory() && Date.now() - stats.mtimeMs > maxAgeMs) rmSync(folder, { recursive: true, force: true });
    } catch {
      // Removed by a concurrent run in the meantime.
    }
  }
}
