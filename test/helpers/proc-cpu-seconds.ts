/** Linux's clock ticks per second for /proc CPU times (`getconf CLK_TCK`: 100 on every Linux this runs on). */
const ticksPerSecond = 100;

/**
 * The CPU time (user + system) in a `/proc/<pid>/stat` or `/proc/<pid>/task/<tid>/stat` text, in seconds: a
 * process's over all its threads, or one thread's.
 */
export function procCpuSeconds(stat: string): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}
