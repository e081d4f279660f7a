import { createHash, type Hash } from "node:crypto";
import { constants, createReadStream } from "node:fs";
import { open, rm, stat, type FileHandle } from "node:fs/promises";
import {
  DownloadConnectionError,
  DownloadInterruptedError,
  ModelDownloadError,
  ModelIntegrityError,
  httpErrorFor,
} from "./download-errors.js";
import type { DownloadProgress } from "./download-progress.js";
import type { NetworkPolicy } from "./network-policy.js";
import { safeRequest, type SafeResponse } from "./safe-http-request.js";
import { TransferRateMeter } from "./transfer-rate-meter.js";

export interface DownloadToFileOptions {
  readonly url: URL;
  /** Where the bytes go. Bytes already there are resumed with a Range request. */
  readonly partialPath: string;
  /** Checked against what the server announces and against the bytes received. */
  readonly expectedSize?: number;
  /** Lower-case hex; checked once the last byte is in. */
  readonly expectedSha256?: string;
  readonly token?: string;
  readonly policy?: NetworkPolicy;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Milliseconds, for the transfer rate. Defaults to `performance.now`. */
  readonly now?: () => number;
  /** Defaults to `60_000` ms. */
  readonly idleTimeoutMs?: number;
}

export interface DownloadedFile {
  readonly bytes: number;
  readonly sha256: string;
  readonly resumedFromBytes: number;
}

const progressIntervalMs = 100;
// Not defined on Windows.
const noFollow = constants.O_NOFOLLOW ?? 0;

/**
 * Downloads `url` into `partialPath`, resuming what is already there when the server honours the Range
 * request (a 206 whose Content-Range starts where the file ends; anything else restarts from byte 0). A
 * dropped connection keeps the partial file and throws `DownloadInterruptedError`; a wrong size or hash
 * deletes it and throws `ModelIntegrityError`.
 */
export async function downloadToFile(options: DownloadToFileOptions): Promise<DownloadedFile> {
  const { url, partialPath, expectedSize } = options;
  let onDisk = await sizeOf(partialPath);
  if (expectedSize !== undefined && onDisk > expectedSize) onDisk = await restart(partialPath);
  if (onDisk > 0 && onDisk === expectedSize) return verify(options, onDisk, await hashPrefix(partialPath, onDisk, createHash("sha256")), onDisk);

  let opened: OpenedBody;
  try {
    opened = await openBody(options, onDisk);
  } catch (error) {
    // With bytes on disk this is a resumable interruption; with none, simply a host that cannot be reached.
    if (error instanceof DownloadConnectionError && onDisk > 0) throw new DownloadInterruptedError(url.href, onDisk, { cause: error });
    throw error;
  }
  if (opened.response === undefined) return verify(options, onDisk, await hashPrefix(partialPath, onDisk, createHash("sha256")), onDisk);
  const { response, start } = opened;
  const announced = announcedTotal(response, start);
  const total = expectedSize ?? announced;
  if (expectedSize !== undefined && announced !== undefined && announced !== expectedSize) {
    response.body.resume();
    await rm(partialPath, { force: true });
    throw new ModelIntegrityError(url.href, "size", String(expectedSize), `${announced} (announced by the server)`);
  }

  const hash = start > 0 ? await hashPrefix(partialPath, start, createHash("sha256")) : createHash("sha256");
  const meter = new TransferRateMeter(options.now ?? (() => performance.now()));
  const report = progressReporter(options, total, start, meter);
  let received = start;
  // Each chunk is on disk before the next is read, so a dropped connection keeps every byte that arrived.
  // O_NOFOLLOW: a link put where the partial file goes is refused (ELOOP), never written through.
  const file = await open(partialPath, (start > 0 ? constants.O_RDWR : constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC) | noFollow);
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      options.signal?.throwIfAborted();
      // Never write past the promised size: a server that keeps sending is not sending this file.
      if (total !== undefined && received + chunk.length > total) throw new ModelIntegrityError(url.href, "size", String(total), `more than ${total}`);
      hash.update(chunk);
      await writeFully(file, chunk, received);
      received += chunk.length;
      report(received, false);
    }
    // Before the rename that publishes the file: a crash must not leave a short file under the final name.
    await file.datasync();
  } catch (error) {
    response.body.destroy();
    await file.close();
    if (error instanceof ModelIntegrityError) {
      await rm(partialPath, { force: true });
      throw error;
    }
    if (options.signal?.aborted === true) throw options.signal.reason;
    throw new DownloadInterruptedError(url.href, received, { cause: error });
  }
  await file.close();
  report(received, true);
  return verify(options, received, hash, start);
}

interface OpenedBody {
  /** Absent when the file on disk is already complete. */
  readonly response: SafeResponse | undefined;
  /** The byte the body starts at. */
  readonly start: number;
}

async function openBody(options: DownloadToFileOptions, onDisk: number): Promise<OpenedBody> {
  const response = await get(options, onDisk);
  if (onDisk > 0) {
    if (response.status === 206 && rangeStart(response.headers["content-range"]) === onDisk) return { response, start: onDisk };
    // The server ignored the Range header: the whole file follows, so start over with it.
    if (response.status === 200) return checked(options, response, 0);
    if (response.status === 416 || response.status === 206) {
      response.body.resume();
      if (response.status === 416 && completeLength(response.headers["content-range"]) === onDisk) return { response: undefined, start: onDisk };
      await restart(options.partialPath);
      return checked(options, await get(options, 0), 0);
    }
  }
  return checked(options, response, 0);
}

function checked(options: DownloadToFileOptions, response: SafeResponse, start: number): OpenedBody {
  if (response.status !== 200) {
    response.body.resume();
    throw httpErrorFor(response.status, response.url.href, options.token !== undefined, headerText(response.headers["x-error-message"]));
  }
  const encoding = headerText(response.headers["content-encoding"]);
  if (encoding !== undefined && encoding !== "identity") {
    response.body.resume();
    throw new ModelDownloadError(`${response.url.href} was sent with Content-Encoding ${encoding}; a model must arrive as is`);
  }
  return { response, start };
}

function get(options: DownloadToFileOptions, from: number): Promise<SafeResponse> {
  return safeRequest(options.url, {
    headers: { "accept-encoding": "identity", ...(from > 0 ? { range: `bytes=${from}-` } : {}) },
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
  });
}

async function verify(options: DownloadToFileOptions, bytes: number, hash: Hash, resumedFromBytes: number): Promise<DownloadedFile> {
  const { url, partialPath, expectedSize, expectedSha256 } = options;
  if (expectedSize !== undefined && bytes !== expectedSize) {
    await rm(partialPath, { force: true });
    throw new ModelIntegrityError(url.href, "size", String(expectedSize), String(bytes));
  }
  const sha256 = hash.digest("hex");
  if (expectedSha256 !== undefined && sha256 !== expectedSha256.toLowerCase()) {
    await rm(partialPath, { force: true });
    throw new ModelIntegrityError(url.href, "sha256", expectedSha256.toLowerCase(), sha256);
  }
  return { bytes, sha256, resumedFromBytes };
}

function progressReporter(
  options: DownloadToFileOptions,
  total: number | undefined,
  start: number,
  meter: TransferRateMeter,
): (received: number, done: boolean) => void {
  const now = options.now ?? (() => performance.now());
  let lastReport = -Infinity;
  return (received, done) => {
    if (options.onProgress === undefined) return;
    const time = now();
    // The last byte is reported once, as done, after the file is synced.
    if (!done && (time - lastReport < progressIntervalMs || received === total)) return;
    lastReport = time;
    const bytesPerSecond = meter.record(received);
    const etaSeconds = total !== undefined && bytesPerSecond > 0 ? (total - received) / bytesPerSecond : undefined;
    options.onProgress({
      downloadedBytes: received,
      ...(total === undefined ? {} : { totalBytes: total }),
      bytesPerSecond,
      ...(etaSeconds === undefined ? {} : { etaSeconds }),
      resumedFromBytes: start,
      done,
    });
  };
}

/** The whole file's size as the response states it: Content-Range's total for a 206, Content-Length for a 200. */
function announcedTotal(response: SafeResponse, start: number): number | undefined {
  if (start > 0) return completeLength(response.headers["content-range"]);
  return parseByteCount(headerText(response.headers["content-length"]));
}

// "bytes 100-199/200" → 100.
function rangeStart(contentRange: string | undefined): number | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange ?? "");
  return parseByteCount(match?.[1]);
}

// "bytes 100-199/200" or "bytes */200" → 200.
function completeLength(contentRange: string | undefined): number | undefined {
  const match = /^bytes (?:\d+-\d+|\*)\/(\d+)$/.exec(contentRange ?? "");
  return parseByteCount(match?.[1]);
}

function parseByteCount(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function hashPrefix(filePath: string, byteCount: number, hash: Hash): Promise<Hash> {
  for await (const chunk of createReadStream(filePath, { start: 0, end: byteCount - 1 })) hash.update(chunk as Buffer);
  return hash;
}

async function sizeOf(filePath: string): Promise<number> {
  try {
    return (await stat(filePath)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}

async function restart(filePath: string): Promise<0> {
  await rm(filePath, { force: true });
  return 0;
}

async function writeFully(file: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await file.write(bytes, offset, bytes.length - offset, position + offset);
    offset += bytesWritten;
  }
}
