import { lstat, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import { ModelSpecError } from "../model-spec-error.js";
import { parseModelSpec } from "../model-spec.js";
import { findCachedModel } from "./find-cached-model.js";
import { listCachedModels } from "./list-cached-models.js";
import { cacheNameOf, cachedModelPath, checkCacheName, modelsFolder } from "./model-cache-paths.js";

export interface RemovedModel {
  readonly name: string;
  readonly sizeBytes: number;
}

/**
 * Removes one cached model, named by its cache name (`hf/Qwen/Qwen3-4B-GGUF/Qwen3-4B-Q4_K_M.gguf`), by its
 * file name when that is unambiguous, or by the preset, `hf:` or URL spec it was pulled with. A name that
 * could leave the cache folder is refused with `ModelSpecError`. Leftover `.partial` data goes too, and
 * folders left empty.
 */
export async function removeCachedModel(home: string, name: string): Promise<RemovedModel> {
  const filePath = await locate(home, name.trim());
  const info = await lstat(filePath).catch(() => undefined);
  if (info === undefined || !info.isFile()) throw new ModelSpecError(`no cached model ${JSON.stringify(name)}: see \`pensieve models\``);
  await rm(filePath);
  await rm(`${filePath}.partial`, { force: true });
  await removeEmptyFolders(path.dirname(filePath), path.resolve(modelsFolder(home)));
  return { name: cacheNameOf(home, filePath), sizeBytes: info.size };
}

async function locate(home: string, name: string): Promise<string> {
  if (name.includes("\\") || path.isAbsolute(name) || name.split("/").includes("..")) {
    throw new ModelSpecError(`${JSON.stringify(name)} is not a model in the cache: give a name from \`pensieve models\``);
  }
  if (/^(hf:|https?:\/\/)/i.test(name) || !name.includes("/")) {
    const spec = parseModelSpec(name);
    if (spec.kind !== "path") {
      const found = await findCachedModel(home, spec);
      if (found === undefined) throw new ModelSpecError(`${name} is not in the model cache`);
      return found;
    }
  }
  if (name.includes("/")) return cachedModelPath(home, checkCacheName(name));
  // A bare file name: fine when exactly one cached model has it.
  const matches = (await listCachedModels(home)).filter((model) => path.basename(model.path) === name);
  const [match, ...others] = matches;
  if (match === undefined) return cachedModelPath(home, checkCacheName(name));
  if (others.length > 0) throw new ModelSpecError(`several cached models are called ${name}: ${matches.map((model) => model.name).join(", ")}`);
  return match.path;
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
