import { Command } from "commander";
import { afterAll, afterEach, beforeAll, expect, vi } from "vitest";
import { registerStartCommand } from "../../src/cli/commands/start-command.js";

/**
 * `pensieve start` in process, so its lines count for coverage (a spawned CLI does not). `process.exit` must
 * be stubbed to push into `exitCodes` (`recordExitCodes`); the server is stopped through the signal handler
 * that start installs, called directly.
 */
export function startProgram(): { root: Command; output: { out: string; err: string } } {
  const output = { out: "", err: "" };
  const root = new Command()
    .exitOverride()
    .configureOutput({ writeOut: (text) => (output.out += text), writeErr: (text) => (output.err += text) });
  registerStartCommand(root);
  return { root, output };
}

/**
 * Hooks for a test file that runs `pensieve start` in process: `process.exit` records its code instead of
 * exiting, and environment stubs are undone after each test. Returns the recorded codes.
 */
export function recordExitCodes(): number[] {
  const exitCodes: number[] = [];
  beforeAll(() => {
    vi.spyOn(process, "exit").mockImplementation(((code?: number) => {
      exitCodes.push(code ?? 0);
    }) as typeof process.exit);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });
  return exitCodes;
}

export interface StartedInProcess {
  readonly banner: string;
  readonly baseUrl: string | undefined;
  readonly port: number;
  /**
   * Calls the SIGTERM handler `count` times, `apartMs` apart on a mocked clock (default a second: closer ones count
   * as one stop delivered twice), and returns the exit codes it asked for once one was 0.
   */
  signal(count?: number, apartMs?: number): Promise<number[]>;
}

export async function startInProcess(argv: readonly string[], exitCodes: number[]): Promise<StartedInProcess> {
  const listenersBefore = new Set(process.listeners("SIGTERM"));
  const interruptsBefore = new Set(process.listeners("SIGINT"));
  let banner = "";
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    banner += String(chunk);
    return true;
  });
  try {
    await startProgram().root.parseAsync(["start", "--log-level", "silent", "--port", "0", "--seed", "1", ...argv], { from: "user" });
  } finally {
    write.mockRestore();
  }
  const handler = process.listeners("SIGTERM").find((listener) => !listenersBefore.has(listener));
  const interrupt = process.listeners("SIGINT").find((listener) => !interruptsBefore.has(listener));
  if (handler === undefined || interrupt === undefined) throw new Error("start installed no signal handlers");
  const baseUrl = /on (http:\/\/\S+)$/m.exec(banner)?.[1];
  return {
    banner,
    baseUrl,
    port: Number(/:(\d+)$/m.exec(banner)?.[1] ?? 0),
    async signal(count = 1, apartMs = 1000) {
      const before = exitCodes.length;
      for (let index = 0; index < count; index += 1) {
        if (index > 0) vi.setSystemTime(Date.now() + apartMs);
        handler("SIGTERM");
      }
      vi.useRealTimers();
      await expect.poll(() => exitCodes.slice(before), { timeout: 30_000 }).toContain(0);
      process.removeListener("SIGTERM", handler);
      process.removeListener("SIGINT", interrupt);
      return exitCodes.slice(before);
    },
  };
}
