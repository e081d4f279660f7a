import { randomUUID } from "node:crypto";
import { watch, type FSWatcher } from "node:fs";
import { open, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export interface FileLockOptions {
  readonly signal?: AbortSignal;
  /** Called once, when the lock is held by another live process (or another pull in this one). */
  readonly onWaiting?: (holder: { readonly pid?: number; readonly host?: string }) => void;
  /** How often to look again when no file event arrives. Defaults to `1000` ms. */
  readonly pollIntervalMs?: number;
}

export interface FileLock {
  release(): Promise<void>;
}

// An unreadable lock this old is from a holder that died before writing it.
const unreadableLockAgeMs = 30_000;

/**
 * Takes `lockPath` with an exclusive create (`O_EXCL`), waiting while another holder has it: woken by a
 * file-system event when it is removed, with a slow poll as a fallback. A lock whose process is gone (same
 * host) is taken over.
 */
export async function acquireFileLock(lockPath: string, options: FileLockOptions = {}): Promise<FileLock> {
  let announced = false;
  for (;;) {
    options.signal?.throwIfAborted();
    const handle = await open(lockPath, "wx").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "EEXIST") return undefined;
      throw error;
    });
    if (handle !== undefined) {
      // The nonce tells our lock from one another pull took after ours was removed as stale.
      const contents = JSON.stringify({ pid: process.pid, host: os.hostname(), nonce: randomUUID() });
      try {
        await handle.writeFile(contents);
      } finally {
        await handle.close();
      }
      return { release: () => removeIfUnchanged(lockPath, contents) };
    }
    const holder = await readHolder(lockPath);
    if (holder === "gone") continue;
    if (holder.stale) {
      await removeIfUnchanged(lockPath, holder.contents);
      continue;
    }
    if (!announced) options.onWaiting?.(holder.holder);
    announced = true;
    await waitForChange(lockPath, options);
  }
}

type Holder =
  | { readonly stale: false; readonly holder: { readonly pid?: number; readonly host?: string } }
  | { readonly stale: true; readonly contents: string }
  | "gone";

async function readHolder(lockPath: string): Promise<Holder> {
  let text: string;
  let modified: number;
  try {
    [text, modified] = await Promise.all([readFile(lockPath, "utf8"), stat(lockPath).then((info) => info.mtimeMs)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw error;
  }
  let holder: { pid?: unknown; host?: unknown } = {};
  try {
    holder = JSON.parse(text) as { pid?: unknown; host?: unknown };
  } catch {
    // Not written yet, or written by something else: only its age can tell.
  }
  if (typeof holder.pid !== "number" || typeof holder.host !== "string") {
    return Date.now() - modified > unreadableLockAgeMs ? { stale: true, contents: text } : { stale: false, holder: {} };
  }
  if (holder.host === os.hostname() && !isAlive(holder.pid)) return { stale: true, contents: text };
  return { stale: false, holder: { pid: holder.pid, host: holder.host } };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

// Removes the lock only if it is still the one we mean, not one a new holder created since.
async function removeIfUnchanged(lockPath: string, contents: string): Promise<void> {
  const current = await readFile(lockPath, "utf8").catch(() => undefined);
  if (current === contents) await rm(lockPath, { force: true });
}

function waitForChange(lockPath: string, options: FileLockOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    let watcher: FSWatcher | undefined;
    const finish = (error?: unknown): void => {
      clearTimeout(timer);
      watcher?.close();
      options.signal?.removeEventListener("abort", onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = (): void => finish(options.signal?.reason);
    const timer = setTimeout(finish, options.pollIntervalMs ?? 1000);
    if (options.signal?.aborted === true) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      watcher = watch(path.dirname(lockPath), (_event, fileName) => {
        if (fileName === null || fileName === path.basename(lockPath)) finish();
      });
      watcher.on("error", () => undefined);
    } catch {
      // No watching here (some network file systems): the poll does the work.
    }
    // The holder may have finished between our failed create and the watch starting.
    stat(lockPath).then(
      () => undefined,
      () => finish(),
    );
  });
}
