import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { inspectGguf, type GgufSummary } from "../inspect-gguf.js";
import { cacheRoot } from "./sealed-cache-path.js";

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

/**
 * Every `.gguf` file in the model cache, by name, each with its header summary. Symbolic links inside the
 * cache are never followed: each is listed with a problem that says so, so that it does not go unnoticed.
 */
export async function listCachedModels(home: string): Promise<CachedModel[]> {
  const root = await cacheRoot(home);
  if (root === undefined) return [];
  const found = await findModelFiles(root, 0);
  const nameOf = (filePath: string): string => path.relative(root, filePath).split(path.sep).join("/");
  const models = await Promise.all(
    found.map(async ({ filePath, link }): Promise<CachedModel> => {
      const name = nameOf(filePath);
      if (link) return { name, path: filePath, sizeBytes: 0, problem: `${filePath} is a symbolic link: the model cache does not follow links` };
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

async function findModelFiles(folder: string, depth: number): Promise<{ filePath: string; link: boolean }[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const found: { filePath: string; link: boolean }[] = [];
  for (const entry of entries) {
    const entryPath = path.join(folder, entry.name);
    if (entry.isSymbolicLink()) found.push({ filePath: entryPath, link: true });
    else if (entry.isDirectory() && depth < maxDepth) found.push(...(await findModelFiles(entryPath, depth + 1)));
    else if (entry.isFile() && /\.gguf$/i.test(entry.name)) found.push({ filePath: entryPath, link: false });
  }
  return found;
}
