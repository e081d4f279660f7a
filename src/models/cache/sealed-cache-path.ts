import { lstat, mkdir, realpath } from "node:fs/promises";
import path from "node:path";
import { checkCacheName, modelsFolder } from "./model-cache-paths.js";
import { UnsafeCachePathError } from "./unsafe-cache-path-error.js";

/**
 * The model cache's folder with every symbolic link in its own path resolved (`realpath`): the cache may live
 * on another disk through a link to it. Created first with `create`; `undefined` when it does not exist.
 */
export async function cacheRoot(home: string, options: { readonly create?: boolean } = {}): Promise<string | undefined> {
  const folder = path.resolve(modelsFolder(home));
  if (options.create === true) await mkdir(folder, { recursive: true });
  try {
    return await realpath(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * The file a cache name stands for, checked on disk before it is read, written or deleted: every part that
 * exists between the cache folder and the file is a real folder (the file itself a real file), never a
 * symbolic link, and its `realpath` stays under the cache folder's. A textual check of the name cannot see a
 * link planted inside the cache (`models/hf/acme` → `/home/you`), through which a delete or a download would
 * reach files outside it. Throws `UnsafeCachePathError` for a link, `ModelSpecError` for a name that is not
 * a plain cache name. Parts that do not exist yet are fine: a pull creates them under a checked folder.
 */
export async function sealedCachePath(root: string, cacheName: string, kind: "file" | "folder" = "file"): Promise<string> {
  const segments = checkCacheName(cacheName).split("/");
  let existing = root;
  for (const [index, segment] of segments.entries()) {
    const current = path.join(existing, segment);
    const info = await lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (info === undefined) break;
    if (info.isSymbolicLink()) {
      throw new UnsafeCachePathError(current, "is a symbolic link: the model cache does not follow links. Remove the link, or make the whole cache folder a link instead");
    }
    const folder = index < segments.length - 1 || kind === "folder";
    if (folder && !info.isDirectory()) throw new UnsafeCachePathError(current, "is not a folder, but the model cache needs one there");
    if (!folder && !info.isFile()) throw new UnsafeCachePathError(current, "is not a regular file");
    existing = current;
  }
  // Belt and braces: what exists of the path resolves to a place inside the cache.
  const real = await realpath(existing);
  if (real !== root && !real.startsWith(root + path.sep)) throw new UnsafeCachePathError(existing, `leads to ${real}, outside the model cache ${root}`);
  return path.join(root, ...segments);
}

/** Whether a sealed path names an existing regular file (`lstat`: a link is never one). */
export async function isCachedFile(filePath: string): Promise<boolean> {
  return (await lstat(filePath).catch(() => undefined))?.isFile() === true;
}
