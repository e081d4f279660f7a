import { launcherPidVariable } from "./memory-relaunch-plan.js";

/**
 * In a server started by a launcher that stays (`relaunchWithMemorySettings` on Node before 22.15): stops it, as
 * SIGTERM would, once the launcher is gone (its IPC channel closes), so no orphan keeps the port and the memory.
 * A process given an IPC channel by anyone else (a process manager's fork mode) is left alone.
 */
export function watchLauncher(): void {
  const launcherPid = process.env[launcherPidVariable];
  if (launcherPid === undefined || !process.channel) return;
  // Not for the processes this one starts.
  delete process.env[launcherPidVariable];
  process.channel.unref();
  const stop = (): void => void process.kill(process.pid, "SIGTERM");
  if (!process.connected || process.ppid !== Number(launcherPid)) stop();
  else process.once("disconnect", stop);
}
