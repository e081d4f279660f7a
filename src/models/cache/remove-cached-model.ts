import { lstat, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import { ModelSpecError } from "../model-spec-error.js";
import { parseModelSpec } from "../model-spec.js";
import { findCachedModel } from "./find-cached-model.js";
import { listCachedModels } from "./list-cached-models.js";
import { checkCacheName } from "./model-cache-paths.js";
import { cacheRoot, sealedCachePath } from "./sealed-cache-path.js";

export interface RemovedModel {
  readonly name: string;
  readonly sizeBytes: number;
}

/**
 * Removes one cached model, named by its cache name (`hf/Qwen/Qwen3-4B-GGUF/Qwen3-4B-Q4_K_M.gguf`), by its
 * file name when that is unambiguous, or by the preset, `hf:` or URL spec it was pulled with. A name that
 * could leave the cache folder is refused with `ModelSpecError`, and a symbolic link on the way to the file
 * with `UnsafeCachePathError` (nothing is deleted through it). Leftover `.partial` data goes too, and folders
 * left empty.
 */
export async function removeCachedModel(home: string, name: string): Promise<RemovedModel> {
  const root = await cacheRoot(home);
  const cacheName = await locate(home, root, name.trim());
  const notCached = new ModelSpecError(`no cached model ${JSON.stringify(name)}: see \`pensieve models\``);
  if (root === undefined) throw notCached;
  const filePath = await sealedCachePath(root, cacheName);
  const partialPath = await sealedCachePath(root, `${cacheName}.partial`);
  const info = await lstat(filePath).catch(() => undefined);
  if (info === undefined) throw notCached;
  await rm(filePath);
  await rm(partialPath, { force: true });
  await removeEmptyFolders(path.dirname(filePath), root);
  return { name: cacheName, sizeBytes: info.size };
}

/** The cache name `name` stands for. */
async function locate(home: string, root: string | undefined, name: string): Promise<string> {
  if (name.includes("\\") || path.isAbsolute(name) || name.split("/").includes("..")) {
    throw new ModelSpecError(`${JSON.stringify(name)} is not a model in the cache: give a name from \`pensieve models\``);
  }
  if (/^(hf:|https?:\/\/)/i.test(name) || !name.includes("/")) {
    const spec = parseModelSpec(name);
    if (spec.kind !== "path") {
      const found = await findCachedModel(home, spec);
      if (found === undefined || root === undefined) throw new ModelSpecError(`${name} is not in the model cache`);
      return path.relative(root, found).split(path.sep).join("/");
    }
  }
  if (name.includes("/")) return checkCacheName(name);
  // A bare file name: fine when exactly one cached model has it.
  const matches = (await listCachedModels(home)).filter((model) => path.basename(model.path) === name);
  const [match, ...others] = matches;
  if (match === undefined) return checkCacheName(name);
  if (others.length > 0) throw new ModelSpecError(`several cached models are called ${name}: ${matches.map((model) => model.name).join(", ")}`);
  return match.name;
}

async function removeEmptyFolders(folder: string, root: string): Promise<void> {
  for (let current = folder; current.startsWith(root + path.sep); current = path.dirname(current)) {
    try {
      await rmdir(current);
    } catch {
      return; // not empty (or gone): stop climbing
    }
  }
}
