import { spawn } from "node:child_process";
import os from "node:os";
import { usesGlibc } from "../util/uses-glibc.js";
import { launcherPidVariable, memoryRelaunchEnvironment } from "./memory-relaunch-plan.js";

const forwardedSignals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

type Execve = (file: string, args: readonly string[], environment: NodeJS.ProcessEnv) => never;

/**
 * Runs `pensieve start` again with glibc's allocator settings when this process lacks them (see
 * `memoryRelaunchEnvironment`), and returns whether it did: then this process must do nothing else. Node 22.15+
 * replaces the process in place (`process.execve`). Older Node starts the server as a child and stays only to
 * forward signals and pass on its exit. The child runs in its own session, so a Ctrl-C reaches it once, through
 * here; it stops if this process dies (`watchLauncher`).
 */
export function relaunchWithMemorySettings(): boolean {
  const additions = memoryRelaunchEnvironment({ argv: process.argv, environment: process.env, usesGlibc });
  if (additions === undefined) return false;
  const args = [...process.execArgv, ...process.argv.slice(1)];
  const execve = (process as { execve?: Execve }).execve;
  if (execve !== undefined) execve(process.execPath, [process.execPath, ...args], { ...process.env, ...additions });

  const environment = { ...process.env, ...additions, [launcherPidVariable]: String(process.pid) };
  const child = spawn(process.execPath, args, { env: environment, stdio: ["inherit", "inherit", "inherit", "ipc"], detached: true });
  for (const signal of forwardedSignals) process.on(signal, () => child.kill(signal));
  child.on("error", (error) => {
    console.error(`pensieve: cannot start the server: ${error.message}`);
    process.exit(1);
  });
  // A server killed by a signal exits 128 + its number, as a shell reports it; re-raising the signal here would
  // leave a second core dump, and does nothing when this process is a container's PID 1.
  child.on("exit", (code, signal) => process.exit(signal === null ? (code ?? 1) : 128 + (os.constants.signals[signal] ?? 0)));
  return true;
}
