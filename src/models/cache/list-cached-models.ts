import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { inspectGguf, type GgufSummary } from "../inspect-gguf.js";
import { cacheNameOf, modelsFolder } from "./model-cache-paths.js";

export interface CachedModel {
  /** The cache name, `/`-separated, relative to the cache folder: what `pensieve rm` takes. */
  readonly name: string;
  readonly path: string;
  readonly sizeBytes: number;
  /** The header summary; absent when the file failed inspection (see `problem`). */
  readonly summary?: GgufSummary;
  readonly problem?: string;
}

const maxDepth = 6;

/** Every `.gguf` file in the model cache, by name, each with its header summary. Symbolic links are not followed. */
export async function listCachedModels(home: string): Promise<CachedModel[]> {
  const root = path.resolve(modelsFolder(home));
  const files = await findModelFiles(root, 0);
  const models = await Promise.all(
    files.map(async (filePath): Promise<CachedModel> => {
      const name = cacheNameOf(home, filePath);
      const sizeBytes = (await stat(filePath)).size;
      try {
        return { name, path: filePath, sizeBytes, summary: await inspectGguf(filePath) };
      } catch (error) {
        return { name, path: filePath, sizeBytes, problem: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  return models.sort((left, right) => left.name.localeCompare(right.name));
}

async function findModelFiles(folder: string, depth: number): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const found: string[] = [];
  for (const entry of entries) {
    const entryPath = path.join(folder, entry.name);
    if (entry.isDirectory() && depth < maxDepth) found.push(...(await findModelFiles(entryPath, depth + 1)));
    else if (entry.isFile() && /\.gguf$/i.test(entry.name)) found.push(entryPath);
  }
  return found;
}
