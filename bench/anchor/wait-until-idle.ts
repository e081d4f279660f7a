import { readFile } from "node:fs/promises";
import { procCpuSeconds } from "../../test/helpers/proc-cpu-seconds.js";

/** The CPU time (user + system, all threads) a process has used so far, in seconds. */
async function processCpuSeconds(pid: number): Promise<number> {
  return procCpuSeconds(await readFile(`/proc/${pid}/stat`, "utf8"));
}

export interface IdleWait {
  /** How long the process kept working after the run, in seconds (0 when it was already idle). */
  readonly busySeconds: number;
  /** The CPU time it used meanwhile, in seconds. */
  readonly cpuSeconds: number;
}

/**
 * Waits until a server has gone quiet: under 5 % of one core over the last half second. A server may go on
 * working after its reply is sent (Pensieve evaluates the reply into its cache for the conversation's next turn);
 * the other server's run must not start while it does, or that run pays for it. At most `maxSeconds`.
 */
export async function waitUntilIdle(pid: number, maxSeconds = 60): Promise<IdleWait> {
  const windowMs = 500;
  const quietCpuSeconds = 0.05 * (windowMs / 1000);
  const started = performance.now();
  const startCpu = await processCpuSeconds(pid);
  let windowStart = startCpu;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = await processCpuSeconds(pid);
    const elapsed = (performance.now() - started) / 1000;
    if (now - windowStart < quietCpuSeconds || elapsed > maxSeconds) {
      // The quiet window itself is not busy time.
      return { busySeconds: Math.max(0, elapsed - windowMs / 1000), cpuSeconds: now - startCpu };
    }
    windowStart = now;
  }
}
