import { existsSync } from "node:fs";
import { mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireFileLock } from "../../../src/models/download/file-lock.js";

let folder: string;
let lockPath: string;
beforeEach(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "pensieve-lock-"));
  lockPath = path.join(folder, "model.gguf.lock");
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe("acquireFileLock", () => {
  it("hands the lock to a waiter as soon as the holder releases it", async () => {
    const first = await acquireFileLock(lockPath);
    const order: string[] = [];
    let waiting = (): void => undefined;
    const isWaiting = new Promise<void>((resolve) => (waiting = resolve));
    const second = acquireFileLock(lockPath, { onWaiting: (holder) => (order.push(`waiting for ${holder.pid}`), waiting()), pollIntervalMs: 60_000 });
    await isWaiting;
    order.push("released");
    await first.release();
    await (await second).release();
    expect(order).toEqual([`waiting for ${process.pid}`, "released"]);
    expect(existsSync(lockPath)).toBe(false);
  });

  it("stops waiting when aborted", async () => {
    const held = await acquireFileLock(lockPath);
    const controller = new AbortController();
    const waiter = acquireFileLock(lockPath, { signal: controller.signal, onWaiting: () => controller.abort(new Error("gave up")) });
    await expect(waiter).rejects.toThrow("gave up");
    await held.release();
  });

  it("waits on an unreadable lock while it is fresh, and takes it over once it is old", async () => {
    await writeFile(lockPath, "");
    const controller = new AbortController();
    const holders: unknown[] = [];
    await expect(
      acquireFileLock(lockPath, { signal: controller.signal, onWaiting: (holder) => (holders.push(holder), controller.abort(new Error("fresh"))) }),
    ).rejects.toThrow("fresh");
    expect(holders).toEqual([{}]);

    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(lockPath, anHourAgo, anHourAgo);
    const lock = await acquireFileLock(lockPath);
    await lock.release();
  });

  it("does not remove a lock that someone else took after it was released", async () => {
    const lock = await acquireFileLock(lockPath);
    await rm(lockPath);
    await writeFile(lockPath, JSON.stringify({ pid: process.pid, host: os.hostname() }));
    await lock.release();
    expect(existsSync(lockPath)).toBe(true);
  });
});
