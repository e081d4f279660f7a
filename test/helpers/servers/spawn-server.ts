import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { repoRoot } from "../test-models.js";
import { parseProcFieldBytes } from "../../../src/util/read-process-usage.js";

export interface SpawnedServer {
  readonly baseUrl: string;
  readonly process: ChildProcessWithoutNullStreams;
  /**
   * Resident memory of the process that serves, from /proc: total and anonymous (heap, KV cache; not the mapped
   * model). On glibc that is the launcher's child (`relaunchWithMemorySettings`); the launcher is `process`.
   */
  memory(): Promise<{ rssBytes: number; rssAnonBytes: number }>;
  /** The pid of the process that serves. */
  servingPid(): Promise<number>;
  /** Waits for the process to exit by itself and returns its exit code. */
  exited(): Promise<number | null>;
  /** Sends SIGTERM unless it has exited already, and returns its exit code. */
  stop(): Promise<number | null>;
}

/**
 * The real CLI in its own process, as users run it: for its signals and exit codes, the memory relaunch, and
 * memory measured apart from the test's. Its URL is read from the banner, the one thing a user sees.
 */
export async function spawnServer(
  modelPath: string,
  flags: readonly string[] = [],
  environment: NodeJS.ProcessEnv = process.env,
  /** The CLI to run: the TypeScript source by default, or a built `dist/cli/main.js`. */
  cli = path.join(repoRoot, "src/cli/main.ts"),
): Promise<SpawnedServer> {
  const child = spawn(
    process.execPath,
    [...(cli.endsWith(".ts") ? ["--import", "tsx"] : []), cli, "start", "--model", modelPath, "--port", "0", "--no-prompt-cache", "--log-level", "warn", "--seed", "1", ...flags],
    { cwd: repoRoot, env: environment, stdio: ["pipe", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr.resume();
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const check = (): void => {
      const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1] !== undefined) resolve(match[1]);
    };
    child.stdout.on("data", check);
    void exited.then(() => reject(new Error(`server exited before it was ready:\n${output}`)));
  });
  return {
    baseUrl,
    process: child,
    memory: async () => processMemory(await servingPid(child.pid ?? 0)),
    servingPid: async () => servingPid(child.pid ?? 0),
    exited: () => exited,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      return exited;
    },
  };
}

export async function processMemory(pid: number): Promise<{ rssBytes: number; rssAnonBytes: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return { rssBytes: parseProcFieldBytes(status, "VmRSS") ?? 0, rssAnonBytes: parseProcFieldBytes(status, "RssAnon") ?? 0 };
}

/**
 * The launcher's child when `pid` relaunched the server with glibc's memory settings, or `pid` itself. The
 * relaunched server has the launcher's very command line; other children (node-llama-cpp's binding checks) do not.
 */
export async function servingPid(pid: number): Promise<number> {
  const commandLine = async (of: number | string): Promise<string> => readFile(`/proc/${of}/cmdline`, "utf8").catch(() => "");
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => "")).trim().split(/\s+/).filter(Boolean);
  const own = await commandLine(pid);
  for (const child of children) if ((await commandLine(child)) === own) return Number(child);
  return pid;
}
