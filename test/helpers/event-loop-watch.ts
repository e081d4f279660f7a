import { readFileSync } from "node:fs";
import { procCpuSeconds } from "./proc-cpu-seconds.js";

export interface EventLoopReading<T> {
  readonly result: T;
  /** The longest the event loop of this process stood still while the work ran, in milliseconds of wall time. */
  readonly stallMs: number;
  /**
   * The most CPU time the loop's own thread spent within one stall, in milliseconds: the work that blocked it,
   * without the time a busy machine gave other processes meanwhile. Equals `stallMs` where it cannot be read.
   */
  readonly blockedCpuMs: number;
  /** The highest resident set size seen while the work ran, in bytes. */
  readonly peakRssBytes: number;
}

const tickMs = 10;

/**
 * Runs `work` while watching this process's event loop (a test server runs in it): how long the loop was blocked
 * at worst, how much of that was its own work, and the peak RSS. A timer due every 10 ms notes how late it runs
 * and the main thread's CPU time (Linux `/proc`, in 10 ms ticks); unlike `monitorEventLoopDelay`, which records
 * nothing until its second tick and after each `reset()`, this also sees a block that starts at once.
 */
export async function watchEventLoop<T>(work: () => Promise<T>): Promise<EventLoopReading<T>> {
  let lastWall = performance.now();
  let lastCpu = mainThreadCpuMs();
  let stallMs = 0;
  let blockedCpuMs = 0;
  let peakRssBytes = process.memoryUsage.rss();
  const sample = (): void => {
    const wall = performance.now();
    const cpu = mainThreadCpuMs();
    stallMs = Math.max(stallMs, wall - lastWall - tickMs);
    blockedCpuMs = Math.max(blockedCpuMs, cpu === undefined || lastCpu === undefined ? wall - lastWall - tickMs : cpu - lastCpu);
    lastWall = wall;
    lastCpu = cpu;
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, tickMs);
  try {
    const result = await work();
    sample();
    return { result, stallMs: Math.max(0, stallMs), blockedCpuMs: Math.max(0, blockedCpuMs), peakRssBytes };
  } finally {
    clearInterval(timer);
  }
}

/** CPU time (user + system) of this process's main thread, in ms; `undefined` where `/proc` has no such file. */
function mainThreadCpuMs(): number | undefined {
  try {
    return procCpuSeconds(readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8")) * 1000;
  } catch {
    return undefined;
  }
}
