import path from "node:path";
import { findCachedModel } from "./cache/find-cached-model.js";
import { ModelNotDownloadedError } from "./model-not-downloaded-error.js";
import { parseModelSpec } from "./model-spec.js";
import { pullModel, type PullModelOptions } from "./pull-model.js";

export interface ResolveModelPathOptions {
  /** Pensieve's home: the model cache is `<home>/models`. */
  readonly home: string;
  /** Pull a spec that is not cached yet, with these options. Absent: throw `ModelNotDownloadedError` instead. */
  readonly pull?: Omit<PullModelOptions, "spec" | "home">;
}

/**
 * The GGUF file `--model <spec>` means: a local path as given (resolved against the working folder), or the
 * cached file of a preset, `hf:` spec or URL, pulled first when `pull` is given. Does not touch the network
 * for a cached model. Throws `ModelSpecError` for a bad spec, `ModelNotDownloadedError` for a missing one.
 */
export async function resolveModelPath(spec: string, options: ResolveModelPathOptions): Promise<string> {
  const parsed = parseModelSpec(spec);
  if (parsed.kind === "path") return path.resolve(parsed.path);
  const cachedPath = await findCachedModel(options.home, parsed);
  if (cachedPath !== undefined) return cachedPath;
  if (options.pull === undefined) throw new ModelNotDownloadedError(spec);
  return (await pullModel({ ...options.pull, spec, home: options.home })).path;
}
