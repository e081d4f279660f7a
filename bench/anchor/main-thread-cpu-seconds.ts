import { readFile } from "node:fs/promises";
import { procCpuSeconds } from "../../test/helpers/proc-cpu-seconds.js";

/**
 * The CPU time a process's main thread has used so far, in seconds. In Pensieve that thread runs all the
 * JavaScript (node-llama-cpp's token loop, the HTTP writes) and none of the model's compute, which runs on the
 * context's own threads; on a machine whose cores all compute, each millisecond of it per token is one the model
 * waits for or loses. (llama-server's main thread computes, so the figure means nothing there.) `schedstat` counts
 * nanoseconds; `stat`, where the kernel has no `schedstat`, counts 10 ms ticks.
 */
export async function mainThreadCpuSeconds(pid: number): Promise<number> {
  const thread = `/proc/${pid}/task/${pid}`;
  const nanoseconds = Number((await readFile(`${thread}/schedstat`, "utf8").catch(() => "")).split(" ")[0]);
  if (Number.isFinite(nanoseconds) && nanoseconds > 0) return nanoseconds / 1e9;
  return procCpuSeconds(await readFile(`${thread}/stat`, "utf8"));
}
