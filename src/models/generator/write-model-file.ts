import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { writeGgufFile, type GgufWriteOptions, type GgufWriteResult } from "../gguf/gguf-writer.js";

/**
 * Writes a GGUF to `outputPath + ".partial"` and renames it into place when complete, so an interrupted run
 * never leaves a truncated file under the real name. Creates the folder if needed. Two writers of the same
 * `outputPath` at once would share the partial file: callers that may race write to distinct paths and rename.
 */
export async function writeModelFile(outputPath: string, options: GgufWriteOptions): Promise<GgufWriteResult> {
  await mkdir(path.dirname(outputPath), { recursive: true });
  const partialPath = `${outputPath}.partial`;
  try {
    const result = await writeGgufFile(partialPath, options);
    await rename(partialPath, outputPath);
    return result;
  } catch (error) {
    await rm(partialPath, { force: true });
    throw error;
  }
}
