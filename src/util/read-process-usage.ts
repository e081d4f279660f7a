import { readFileSync } from "node:fs";

/** One raw reading of this process's resources; CPU time is cumulative, so usage comes from two readings. */
export interface ProcessUsageReading {
  /** User plus system CPU time since the process started, in microseconds. */
  readonly cpuMicroseconds: number;
  readonly rssBytes: number;
  /** Anonymous resident memory (heap, model buffers; not file-backed mmaps); `null` where the OS does not say. */
  readonly rssAnonBytes: number | null;
  /** The kernel's high-water mark of RSS since the process started (`VmHWM`); `null` where the OS does not say. */
  readonly peakRssBytes: number | null;
  readonly heapUsedBytes: number;
}

/** Reads this process's CPU time and memory; `RssAnon` and `VmHWM` come from one read of `/proc/self/status` on Linux. */
export function readProcessUsage(statusPath = "/proc/self/status"): ProcessUsageReading {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const status = readStatus(statusPath);
  return {
    cpuMicroseconds: cpu.user + cpu.system,
    rssBytes: memory.rss,
    rssAnonBytes: status === null ? null : parseStatusBytes(status, "RssAnon"),
    peakRssBytes: status === null ? null : parseStatusBytes(status, "VmHWM"),
    heapUsedBytes: memory.heapUsed,
  };
}

/**
 * A `Name:  1234 kB` field of `/proc/<pid>/status` in bytes, or `null` when absent. `RssAnon` is the memory that
 * really is ours (a model loaded with mmap counts in RSS as file-backed pages the kernel may drop); `VmHWM` is the
 * peak RSS, which the kernel tracks exactly where sampling would miss a short spike.
 */
export function parseStatusBytes(statusText: string, field: "RssAnon" | "VmHWM" | "VmRSS"): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, "m").exec(statusText);
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
