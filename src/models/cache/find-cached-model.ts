import { access, readdir } from "node:fs/promises";
import path from "node:path";
import { selectQuantizationFile } from "../hub/select-quantization-file.js";
import { ModelSpecError } from "../model-spec-error.js";
import type { ModelSpec } from "../model-spec.js";
import { cachedModelPath, hubCacheName, urlCacheName } from "./model-cache-paths.js";

/**
 * The cached file a preset, hub or URL spec stands for, without touching the network; `undefined` when it
 * is not downloaded (or the spec is a local path). A quantisation spec is matched against the files
 * downloaded from that repository.
 */
export async function findCachedModel(home: string, spec: ModelSpec): Promise<string | undefined> {
  switch (spec.kind) {
    case "path":
      return undefined;
    case "preset":
      return existing(cachedModelPath(home, hubCacheName(spec.preset.owner, spec.preset.repository, spec.preset.file)));
    case "hugging-face-file":
      return existing(cachedModelPath(home, hubCacheName(spec.owner, spec.repository, spec.file)));
    case "url":
      return existing(cachedModelPath(home, urlCacheName(spec.url)));
    case "hugging-face-quantization": {
      const anyFile = cachedModelPath(home, hubCacheName(spec.owner, spec.repository, "any.gguf"));
      const folder = path.dirname(anyFile);
      const files = await readdir(folder).catch(() => [] as string[]);
      try {
        const { file } = selectQuantizationFile(files, spec.quantization, `${spec.owner}/${spec.repository}`);
        return existing(path.join(folder, file));
      } catch (error) {
        if (error instanceof ModelSpecError) return undefined;
        throw error;
      }
    }
  }
}

async function existing(filePath: string): Promise<string | undefined> {
  try {
    await access(filePath);
    return filePath;
  } catch {
    return undefined;
  }
}
