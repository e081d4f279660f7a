import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../helpers/test-models.js";
import { mockingUnitFiles } from "../../mocking-unit-files.js";

function testFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

describe("unit files in the shared module graph", () => {
  it("lists exactly the unit files that call vi.mock as isolated", () => {
    const mocking = testFiles(path.join(repoRoot, "test/unit"))
      .filter((file) => /\bvi\.(?:mock|doMock)\(/.test(readFileSync(file, "utf8")))
      .map((file) => path.relative(repoRoot, file).split(path.sep).join("/"))
      .sort();
    expect(mocking).toEqual([...mockingUnitFiles].sort());
  });
});
