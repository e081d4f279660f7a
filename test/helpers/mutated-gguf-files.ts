import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { readGgufBase, writeMutatedGguf, type GgufBase, type GgufHeaderEdit } from "./mutated-gguf.js";
import { testModelPath } from "./test-models.js";

/** Copies of the tiny model with edited headers, in a temporary folder; use them inside tests and hooks. */
export interface MutatedGgufFiles {
  /** The tiny model's header and tensor data, which every copy starts from. */
  readonly base: GgufBase;
  /** Writes a copy of the tiny model with `edit` applied to a new file and returns its path. */
  write(edit: GgufHeaderEdit): Promise<string>;
}

/**
 * Reads the tiny model and makes a temporary folder before the enclosing suite's tests, and removes the folder
 * with every copy after them. Call it at the top of a test file or a `describe`.
 */
export function useMutatedGgufFiles(folderPrefix: string): MutatedGgufFiles {
  let started: { folder: string; base: GgufBase } | undefined;
  let fileCount = 0;
  const current = (): { folder: string; base: GgufBase } => {
    if (started === undefined) throw new Error("the mutated GGUF files are used before their beforeAll hook ran");
    return started;
  };
  beforeAll(async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), folderPrefix));
    started = { folder, base: await readGgufBase(await testModelPath("tiny")) };
  });
  afterAll(async () => {
    if (started !== undefined) await rm(started.folder, { recursive: true, force: true });
  });
  return {
    get base() {
      return current().base;
    },
    async write(edit) {
      const { folder, base } = current();
      fileCount += 1;
      const filePath = path.join(folder, `case-${fileCount}.gguf`);
      await writeMutatedGguf(base, filePath, edit);
      return filePath;
    },
  };
}
