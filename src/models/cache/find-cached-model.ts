import { readdir } from "node:fs/promises";
import { selectQuantizationFile } from "../hub/select-quantization-file.js";
import { ModelSpecError } from "../model-spec-error.js";
import type { ModelSpec } from "../model-spec.js";
import { hubCacheName, urlCacheName } from "./model-cache-paths.js";
import { cacheRoot, isCachedFile, sealedCachePath } from "./sealed-cache-path.js";

/**
 * The cached file a preset, hub or URL spec stands for, without touching the network; `undefined` when it
 * is not downloaded (or the spec is a local path). A quantisation spec is matched against the files
 * downloaded from that repository. Throws `UnsafeCachePathError` when the way to the file is a symbolic link.
 */
export async function findCachedModel(home: string, spec: ModelSpec): Promise<string | undefined> {
  if (spec.kind === "path") return undefined;
  const root = await cacheRoot(home);
  if (root === undefined) return undefined;
  switch (spec.kind) {
    case "preset":
      return existing(root, hubCacheName(spec.preset.owner, spec.preset.repository, spec.preset.file));
    case "hugging-face-file":
      return existing(root, hubCacheName(spec.owner, spec.repository, spec.file));
    case "url":
      return existing(root, urlCacheName(spec.url));
    case "hugging-face-quantization": {
      const folderName = hubCacheName(spec.owner, spec.repository, "any.gguf").replace(/\/any\.gguf$/, "");
      const folder = await sealedCachePath(root, folderName, "folder");
      const files = await readdir(folder).catch(() => [] as string[]);
      try {
        const { file } = selectQuantizationFile(files, spec.quantization, `${spec.owner}/${spec.repository}`);
        return existing(root, `${folderName}/${file}`);
      } catch (error) {
        if (error instanceof ModelSpecError) return undefined;
        throw error;
      }
    }
  }
}

async function existing(root: string, cacheName: string): Promise<string | undefined> {
  const filePath = await sealedCachePath(root, cacheName);
  return (await isCachedFile(filePath)) ? filePath : undefined;
}
