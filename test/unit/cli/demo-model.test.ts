import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureDemoModel } from "../../../src/cli/demo-model.js";
import { generatorVersion } from "../../../src/models/generator/make-model.js";

describe("ensureDemoModel", () => {
  let home: string | undefined;
  afterEach(async () => {
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it("generates the demo model under the home folder once, then reuses it", async () => {
    home = await mkdtemp(path.join(os.tmpdir(), "pensieve-home-"));
    const modelPath = await ensureDemoModel(home);
    expect(modelPath).toBe(path.join(home, "models", `pensieve-demo-g${generatorVersion}.gguf`));
    const first = await stat(modelPath);
    expect(first.size).toBeGreaterThan(0);
    expect(await ensureDemoModel(home)).toBe(modelPath);
    expect((await stat(modelPath)).mtimeMs).toBe(first.mtimeMs);
  });
});
