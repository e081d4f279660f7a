import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

describe("the pensieve entry point", () => {
  const argv = process.argv;
  let folder: string | undefined;
  afterEach(async () => {
    process.argv = argv;
    vi.restoreAllMocks();
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  it("registers the commands and runs the one process.argv names", async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), "pensieve-main-"));
    const outputPath = path.join(folder, "demo.gguf");
    vi.spyOn(console, "log").mockImplementation(() => {});
    process.argv = ["node", "pensieve", "make-model", "--scripted", "-o", outputPath];
    // Importing the module parses process.argv at its top level and resolves when the command has finished.
    await import("../../../src/cli/main.js");
    expect((await stat(outputPath)).size).toBeGreaterThan(0);
  });
});
