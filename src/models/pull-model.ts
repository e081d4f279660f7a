import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { cacheRoot, isCachedFile, sealedCachePath } from "./cache/sealed-cache-path.js";
import { DownloadInterruptedError } from "./download/download-errors.js";
import type { DownloadProgress } from "./download/download-progress.js";
import { downloadToFile, type DownloadedFile } from "./download/download-to-file.js";
import { acquireFileLock } from "./download/file-lock.js";
import type { NetworkPolicy } from "./download/network-policy.js";
import type { HubConnection } from "./hub/hugging-face-hub.js";
import { inspectGguf, type GgufSummary } from "./inspect-gguf.js";
import { parseModelSpec } from "./model-spec.js";
import { resolveDownloadSource, type DownloadSource } from "./resolve-download-source.js";
import { UnsafeModelFileError } from "./unsafe-model-file-error.js";

export interface PullModelOptions {
  /** A preset, `hf:` spec or URL (see `parseModelSpec`). */
  readonly spec: string;
  /** Pensieve's home: models go in `<home>/models`. */
  readonly home: string;
  /** A Hugging Face token, sent to the hub only. */
  readonly token?: string;
  /** Defaults to `https://huggingface.co`. */
  readonly hubUrl?: string;
  /** Defaults to the real DNS and address classes. */
  readonly policy?: NetworkPolicy;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DownloadProgress) => void;
  readonly onEvent?: (event: PullEvent) => void;
  /** Automatic resumes after a dropped connection, each from where the file ends. Defaults to `3`. */
  readonly resumeAttempts?: number;
  /** Milliseconds, for the transfer rate. Defaults to `performance.now`. */
  readonly now?: () => number;
  /** Defaults to `60_000` ms. */
  readonly idleTimeoutMs?: number;
}

/** Milestones of a pull, for the command's messages. */
export type PullEvent =
  | { readonly type: "resolved"; readonly source: DownloadSource }
  | { readonly type: "waiting"; readonly lockPath: string; readonly holderPid?: number }
  | { readonly type: "resuming"; readonly fromBytes: number }
  | { readonly type: "retrying"; readonly attempt: number; readonly error: DownloadInterruptedError };

export interface PulledModel {
  /** The cache name: what `pensieve models` lists and `pensieve rm` takes. */
  readonly name: string;
  readonly path: string;
  readonly sizeBytes: number;
  /** The file's sha256, when this pull downloaded it. */
  readonly sha256?: string;
  /** What the sha256 was checked against; absent when nothing published one (a plain URL). */
  readonly verifiedAgainst?: "preset" | "hub";
  /** The file was there already (possibly pulled by a concurrent pull this one waited for). */
  readonly alreadyCached: boolean;
  readonly summary: GgufSummary;
}

/**
 * Downloads a model into the cache: resolves the spec, takes a lock per file (a second pull of the same file
 * waits for the first, then finds the file there), streams into `<file>.partial` with resume, verifies the
 * size and sha256, checks the GGUF header (`inspectGguf`), and renames the file into place. Every path in the
 * cache is checked on disk first (`sealedCachePath`): a symbolic link on the way is refused with
 * `UnsafeCachePathError`, never written through.
 */
export async function pullModel(options: PullModelOptions): Promise<PulledModel> {
  const connection: HubConnection = {
    ...(options.hubUrl === undefined ? {} : { baseUrl: options.hubUrl }),
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  const source = await resolveDownloadSource(parseModelSpec(options.spec), connection);
  options.onEvent?.({ type: "resolved", source });
  const root = await cacheRoot(options.home, { create: true });
  if (root === undefined) throw new Error(`the model cache folder of ${options.home} vanished as it was created`);
  // Nothing is created, written or read through a symbolic link inside the cache (UnsafeCachePathError).
  const sealed = (suffix = ""): Promise<string> => sealedCachePath(root, `${source.cacheName}${suffix}`);
  const targetPath = await sealed();
  if (await isCachedFile(targetPath)) return cached(source, targetPath);

  await sealed(".partial");
  await mkdir(path.dirname(targetPath), { recursive: true });
  // mkdir follows whatever it finds: look again now that the folders exist.
  const lockPath = await sealed(".lock");
  const lock = await acquireFileLock(lockPath, {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onWaiting: (holder) => options.onEvent?.({ type: "waiting", lockPath, ...(holder.pid === undefined ? {} : { holderPid: holder.pid }) }),
  });
  try {
    if (await isCachedFile(await sealed())) return cached(source, targetPath);
    const partialPath = await sealed(".partial");
    const downloaded = await downloadWithResumes(options, source, partialPath);
    let summary: GgufSummary;
    try {
      summary = await inspectGguf(partialPath);
    } catch (error) {
      if (!(error instanceof UnsafeModelFileError)) throw error;
      await rm(partialPath, { force: true });
      throw new UnsafeModelFileError(source.url.href, `${error.reason}; the download was deleted`, { cause: error });
    }
    await rename(partialPath, await sealed());
    return {
      name: source.cacheName,
      path: targetPath,
      sizeBytes: downloaded.bytes,
      sha256: downloaded.sha256,
      ...(source.hashFrom === undefined ? {} : { verifiedAgainst: source.hashFrom }),
      alreadyCached: false,
      summary,
    };
  } finally {
    await lock.release();
  }
}

async function downloadWithResumes(options: PullModelOptions, source: DownloadSource, partialPath: string): Promise<DownloadedFile> {
  const resumeAttempts = options.resumeAttempts ?? 3;
  for (let attempt = 0; ; attempt++) {
    const onDisk = await stat(partialPath).then((info) => info.size, () => 0);
    if (onDisk > 0) options.onEvent?.({ type: "resuming", fromBytes: onDisk });
    try {
      return await downloadToFile({
        url: source.url,
        partialPath,
        ...(source.sizeBytes === undefined ? {} : { expectedSize: source.sizeBytes }),
        ...(source.sha256 === undefined ? {} : { expectedSha256: source.sha256 }),
        ...(source.token === undefined ? {} : { token: source.token }),
        ...(options.policy === undefined ? {} : { policy: options.policy }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
        ...(options.now === undefined ? {} : { now: options.now }),
        ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
      });
    } catch (error) {
      // Only a connection that worked and then dropped is worth resuming at once.
      if (!(error instanceof DownloadInterruptedError) || error.bytesOnDisk <= onDisk || attempt >= resumeAttempts) throw error;
      options.onEvent?.({ type: "retrying", attempt: attempt + 1, error });
    }
  }
}

async function cached(source: DownloadSource, targetPath: string): Promise<PulledModel> {
  const summary = await inspectGguf(targetPath);
  return { name: source.cacheName, path: targetPath, sizeBytes: summary.sizeBytes, alreadyCached: true, summary };
}
