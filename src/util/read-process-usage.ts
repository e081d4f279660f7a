import { readFileSync } from "node:fs";

/** One raw reading of this process's resources; CPU time is cumulative, so usage comes from two readings. */
export interface ProcessUsageReading {
  /** User plus system CPU time since the process started, in microseconds. */
  readonly cpuMicroseconds: number;
  readonly rssBytes: number;
  /** Anonymous resident memory (heap, model buffers; not file-backed mmaps); `null` where the OS does not say. */
  readonly rssAnonBytes: number | null;
  readonly heapUsedBytes: number;
}

/** Reads this process's CPU time and memory; `RssAnon` comes from `/proc/self/status` on Linux. */
export function readProcessUsage(statusPath = "/proc/self/status"): ProcessUsageReading {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    cpuMicroseconds: cpu.user + cpu.system,
    rssBytes: memory.rss,
    rssAnonBytes: readAnonymousRss(statusPath),
    heapUsedBytes: memory.heapUsed,
  };
}

/**
 * `RssAnon` in bytes from the text of `/proc/<pid>/status`, or `null` when absent. A model loaded with mmap
 * counts in RSS as file-backed pages the kernel may drop; RssAnon is the memory that really is ours.
 */
export function parseAnonymousRss(statusText: string): number | null {
  const match = /^RssAnon:\s+(\d+)\s+kB$/m.exec(statusText);
  return match?.[1] === undefined ? null : Number(match[1]) * 1024;
}

function readAnonymousRss(statusPath: string): number | null {
  try {
    return parseAnonymousRss(readFileSync(statusPath, "utf8"));
  } catch {
    // Not Linux (no /proc): the field is simply unknown.
    return null;
  }
}
