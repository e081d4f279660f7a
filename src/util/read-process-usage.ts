import { readFileSync } from "node:fs";

/** One raw reading of this process's resources; CPU time is cumulative, so usage comes from two readings. */
export interface ProcessUsageReading {
  /** User plus system CPU time since the process started, in microseconds. */
  readonly cpuMicroseconds: number;
  readonly rssBytes: number;
  /** Anonymous resident memory (heap, model buffers; not file-backed mmaps); `null` where the OS does not say. */
  readonly rssAnonBytes: number | null;
  /** The largest RSS since the process started, as the OS tracks it (`getrusage`'s `ru_maxrss`). */
  readonly peakRssBytes: number;
  readonly heapUsedBytes: number;
}

/** Reads this process's CPU time and memory; `RssAnon` comes from `/proc/self/status` on Linux. */
export function readProcessUsage(statusPath = "/proc/self/status"): ProcessUsageReading {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const status = readStatus(statusPath);
  return {
    cpuMicroseconds: cpu.user + cpu.system,
    rssBytes: memory.rss,
    rssAnonBytes: status === null ? null : parseProcFieldBytes(status, "RssAnon"),
    // In kilobytes on every OS (libuv converts macOS's bytes).
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    heapUsedBytes: memory.heapUsed,
  };
}

/**
 * A `Name:  1234 kB` field of a /proc file's text (`status`, `smaps_rollup`) in bytes, or `null` when absent.
 * `RssAnon` is the memory that really is ours: a model loaded with mmap counts in RSS as file-backed pages the
 * kernel may drop.
 */
export function parseProcFieldBytes(text: string, field: string): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, "m").exec(text);
  return match?.[1] === undefined ? null : Number(match[1]) * 1024;
}

function readStatus(statusPath: string): string | null {
  try {
    return readFileSync(statusPath, "utf8");
  } catch {
    // Not Linux (no /proc): the fields are simply unknown.
    return null;
  }
}
