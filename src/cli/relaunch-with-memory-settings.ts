import { spawn } from "node:child_process";
import { memoryRelaunchEnvironment } from "./memory-relaunch-plan.js";

const forwardedSignals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

type Execve = (file: string, args: readonly string[], environment: NodeJS.ProcessEnv) => never;

/**
 * Runs `pensieve start` again with glibc's allocator settings when this process lacks them (see
 * `memoryRelaunchEnvironment`), and returns whether it did: then this process must do nothing else. Node 22.15+
 * replaces the process in place (`process.execve`). Older Node starts the server as a child and stays only to
 * forward signals and pass on its exit; the child has its own process group, so a Ctrl-C reaches it once, through
 * here, and it stops if this process dies (its IPC channel closes).
 */
export function relaunchWithMemorySettings(): boolean {
  const additions = memoryRelaunchEnvironment({ argv: process.argv, environment: process.env, usesGlibc });
  if (additions === undefined) return false;
  const environment = { ...process.env, ...additions };
  const args = [...process.execArgv, ...process.argv.slice(1)];
  const execve = (process as { execve?: Execve }).execve;
  if (execve !== undefined) execve(process.execPath, [process.execPath, ...args], environment);

  const child = spawn(process.execPath, args, { env: environment, stdio: ["inherit", "inherit", "inherit", "ipc"], detached: true });
  for (const signal of forwardedSignals) process.on(signal, () => child.kill(signal));
  child.on("error", (error) => {
    console.error(`pensieve: cannot start the server: ${error.message}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    // Die of the same signal, so whoever started pensieve sees what happened to the server.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
  return true;
}

function usesGlibc(): boolean {
  if (process.platform !== "linux") return false;
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  return header?.glibcVersionRuntime !== undefined;
}
