import { ModelSpecError } from "./model-spec-error.js";
import { findPreset, type ModelPreset } from "./presets.js";

/** What `--model` or `pensieve pull` was given, parsed. */
export type ModelSpec =
  | { readonly kind: "path"; readonly path: string }
  | { readonly kind: "preset"; readonly preset: ModelPreset }
  | { readonly kind: "hugging-face-file"; readonly owner: string; readonly repository: string; readonly file: string; readonly revision: string }
  | {
      readonly kind: "hugging-face-quantization";
      readonly owner: string;
      readonly repository: string;
      /** Absent: the repository's only GGUF file. */
      readonly quantization?: string;
      readonly revision: string;
    }
  | { readonly kind: "url"; readonly url: URL };

const repositoryPart = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const quantizationPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const revisionPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Parses a model spec:
 * - `hf:<owner>/<repository>/<file.gguf>`: one file (it may be in a folder of the repository);
 * - `hf:<owner>/<repository>:<quantisation>`, such as `hf:Qwen/Qwen3-4B-GGUF:Q4_K_M`, or without `:<quantisation>`
 *   for a repository with one model file;
 * - an `https://` URL (a `huggingface.co/…/resolve/…` URL becomes a hub file, so its hash is checked);
 *   `http://` parses, but is only fetched from this machine;
 * - a preset name (`qwen3-4b`: see `modelPresets`);
 * - anything else is a local path. `file://` and other schemes are refused.
 * Throws `ModelSpecError`.
 */
export function parseModelSpec(text: string): ModelSpec {
  const spec = text.trim();
  if (spec === "") throw new ModelSpecError("the model spec is empty");
  if (/^hf:/i.test(spec)) return parseHubSpec(spec.slice(3), spec);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(spec)?.[1]?.toLowerCase();
  if (scheme === "https" || scheme === "http") return parseUrlSpec(spec);
  if (scheme !== undefined) throw new ModelSpecError(`${scheme}:// is not accepted: give a local path, an https:// URL, hf:<owner>/<repository>… or a preset`);
  const preset = findPreset(spec);
  return preset === undefined ? { kind: "path", path: spec } : { kind: "preset", preset };
}

/** The spec written back in its canonical form, for messages. */
export function formatModelSpec(spec: ModelSpec): string {
  switch (spec.kind) {
    case "path":
      return spec.path;
    case "preset":
      return spec.preset.name;
    case "hugging-face-file":
      return `hf:${spec.owner}/${spec.repository}/${spec.file}`;
    case "hugging-face-quantization":
      return `hf:${spec.owner}/${spec.repository}${spec.quantization === undefined ? "" : `:${spec.quantization}`}`;
    case "url":
      return spec.url.href;
  }
}

function parseHubSpec(rest: string, original: string): ModelSpec {
  const [owner, repositoryAndMore, ...fileParts] = rest.split("/");
  if (owner === undefined || repositoryAndMore === undefined) {
    throw new ModelSpecError(`${original}: expected hf:<owner>/<repository>/<file.gguf> or hf:<owner>/<repository>:<quantisation>`);
  }
  if (fileParts.length > 0) {
    const repository = repositoryAndMore;
    checkRepositoryPart(owner, "owner", original);
    checkRepositoryPart(repository, "repository", original);
    return { kind: "hugging-face-file", owner, repository, file: checkRepositoryFile(fileParts.join("/"), original), revision: "main" };
  }
  const colon = repositoryAndMore.indexOf(":");
  const repository = colon === -1 ? repositoryAndMore : repositoryAndMore.slice(0, colon);
  const quantization = colon === -1 ? undefined : repositoryAndMore.slice(colon + 1);
  checkRepositoryPart(owner, "owner", original);
  checkRepositoryPart(repository, "repository", original);
  if (quantization !== undefined && !quantizationPattern.test(quantization)) {
    throw new ModelSpecError(`${original}: ${JSON.stringify(quantization)} is not a quantisation name (such as Q4_K_M)`);
  }
  return { kind: "hugging-face-quantization", owner, repository, ...(quantization === undefined ? {} : { quantization }), revision: "main" };
}

function parseUrlSpec(spec: string): ModelSpec {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new ModelSpecError(`${spec} is not a valid URL`);
  }
  return hubFileFromUrl(url, spec) ?? { kind: "url", url };
}

// https://huggingface.co/<owner>/<repository>/resolve/<revision>/<file>: as a hub file, the hub's hash is checked.
function hubFileFromUrl(url: URL, spec: string): ModelSpec | undefined {
  if (url.protocol !== "https:" || url.hostname !== "huggingface.co" || url.hash !== "") return undefined;
  if (url.search !== "" && url.search !== "?download=true") return undefined;
  const [, owner, repository, revision, file] = /^\/([^/]+)\/([^/]+)\/(?:resolve|blob)\/([^/]+)\/(.+\.gguf)$/i.exec(url.pathname) ?? [];
  if (owner === undefined || repository === undefined || revision === undefined || file === undefined) return undefined;
  let decodedRevision: string;
  let decodedFile: string;
  try {
    decodedRevision = decodeURIComponent(revision);
    decodedFile = file.split("/").map((part) => decodeURIComponent(part)).join("/");
  } catch {
    throw new ModelSpecError(`${spec}: the URL's path is not valid percent-encoding`);
  }
  if (!repositoryPart.test(owner) || !repositoryPart.test(repository) || !revisionPattern.test(decodedRevision)) return undefined;
  return { kind: "hugging-face-file", owner, repository, file: checkRepositoryFile(decodedFile, spec), revision: decodedRevision };
}

function checkRepositoryPart(part: string, what: string, original: string): void {
  if (!repositoryPart.test(part) || part.includes("..")) {
    throw new ModelSpecError(`${original}: ${JSON.stringify(part)} is not a valid Hugging Face ${what} name`);
  }
}

/** A file path inside a repository: relative, no `.`/`..` segments, no backslashes or control characters. */
function checkRepositoryFile(file: string, original: string): string {
  const segments = file.split("/");
  const unsafe = segments.some((segment) => segment === "" || segment === "." || segment === ".." || /[\\\0-\x1f\x7f]/.test(segment));
  if (unsafe) throw new ModelSpecError(`${original}: ${JSON.stringify(file)} is not a safe file path inside a repository`);
  if (!/\.gguf$/i.test(file)) throw new ModelSpecError(`${original}: ${JSON.stringify(file)} is not a .gguf file`);
  return file;
}
