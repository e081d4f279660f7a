import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";

/** A folder that exists for the tests of the enclosing suite; read `path` inside tests and hooks. */
export interface TemporaryFolder {
  readonly path: string;
}

/**
 * Makes a fresh folder under the system's temporary folder before the enclosing suite's tests (`beforeAll`) and
 * removes it, with everything in it, after them (`afterAll`). Call it at the top of a `describe` or of a file.
 */
export function useTemporaryFolder(prefix: string): TemporaryFolder {
  let folder: string | undefined;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), prefix));
  });
  afterAll(async () => {
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });
  return {
    get path() {
      if (folder === undefined) throw new Error(`the temporary folder ${prefix}… is used outside its suite`);
      return folder;
    },
  };
}
