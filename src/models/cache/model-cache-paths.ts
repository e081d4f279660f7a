import path from "node:path";
import { ModelSpecError } from "../model-spec-error.js";

// One segment of a cache name: no leading dot (so no `.`, `..` or hidden files), no separators.
const safeSegment = /^[A-Za-z0-9_][A-Za-z0-9._+-]{0,254}$/;

/** The model cache: `<home>/models`. */
export function modelsFolder(home: string): string {
  return path.join(home, "models");
}

/** Cache name of a hub file: `hf/<owner>/<repository>/<file name>` (a folder inside the repository is dropped). */
export function hubCacheName(owner: string, repository: string, file: string): string {
  return checkCacheName(`hf/${owner}/${repository}/${file.split("/").at(-1) ?? file}`);
}

/** Cache name of a URL download: `url/<host>[-<port>]/<file name from the URL path>`. */
export function urlCacheName(url: URL): string {
  const host = `${url.hostname.replace(/^\[|\]$/g, "").replace(/[^A-Za-z0-9.-]/g, "_")}${url.port === "" ? "" : `-${url.port}`}`;
  const lastSegment = url.pathname.split("/").at(-1) ?? "";
  let fileName: string;
  try {
    fileName = decodeURIComponent(lastSegment);
  } catch {
    throw new ModelSpecError(`${url.href}: the file name in the URL is not valid percent-encoding`);
  }
  if (/[/\\]/.test(fileName)) throw new ModelSpecError(`${url.href}: the file name ${JSON.stringify(fileName)} contains a path separator`);
  if (!/\.gguf$/i.test(fileName)) throw new ModelSpecError(`${url.href}: the URL must end in a .gguf file name`);
  return checkCacheName(`url/${host}/${fileName}`);
}

/**
 * Checks a cache name (`/`-separated, relative) and returns it: every segment is a plain file name, so the
 * name cannot leave the cache folder. Throws `ModelSpecError` otherwise.
 */
export function checkCacheName(name: string): string {
  const segments = name.split("/");
  const bad = segments.find((segment) => !safeSegment.test(segment));
  if (bad !== undefined || path.isAbsolute(name)) {
    throw new ModelSpecError(`${JSON.stringify(name)} is not a safe model name (plain names separated by "/"; no "..", no absolute paths)`);
  }
  return name;
}

/**
 * The file a cache name stands for, checked textually to lie inside the cache folder. Before a read, write or
 * delete, `sealedCachePath` also checks the disk for symbolic links.
 */
export function cachedModelPath(home: string, cacheName: string): string {
  const folder = path.resolve(modelsFolder(home));
  const filePath = path.resolve(folder, ...checkCacheName(cacheName).split("/"));
  // Belt and braces: the name check already rules this out.
  if (!filePath.startsWith(folder + path.sep)) throw new ModelSpecError(`${JSON.stringify(cacheName)} leaves the model cache`);
  return filePath;
}
