import { Command } from "commander";
import { registerStartCommand } from "../../../src/cli/commands/start-command.js";
import { runServer, type RunningServer } from "../../../src/cli/commands/start/run-server.js";
import { toServerConfig } from "../../../src/cli/commands/start/server-config.js";
import type { StartIo } from "../../../src/cli/commands/start/server-io.js";
import { addStartOptions, type StartFlags } from "../../../src/cli/commands/start/start-options.js";

type StopSignal = "SIGINT" | "SIGTERM";

/**
 * A process for `pensieve start` to run in, in the test's own: it keeps what start writes, the signal listeners
 * it registers and the exit codes it asks for, and its clock moves only when the test moves it.
 */
export class RecordingStartIo implements StartIo {
  /** The banner. */
  stdoutText = "";
  /** Notices and download progress. */
  stderrText = "";
  /** JSON log lines (none at `--log-level silent`). */
  logText = "";
  readonly exitCodes: number[] = [];
  /** Milliseconds, as `now()` reports them. */
  time = 0;
  private readonly listeners: { readonly signal: StopSignal; readonly listener: () => void }[] = [];

  constructor(readonly env: NodeJS.ProcessEnv = process.env) {}

  readonly stdout = { write: (text: string): boolean => ((this.stdoutText += text), true) };
  readonly stderr = { write: (text: string): boolean => ((this.stderrText += text), true) };
  readonly logs = { write: (line: string): boolean => ((this.logText += line), true) };

  on(signal: StopSignal, listener: () => void): void {
    this.listeners.push({ signal, listener });
  }

  exit(code: number): void {
    this.exitCodes.push(code);
  }

  now(): number {
    return this.time;
  }

  /** Delivers `signal` as the process would: to each listener registered for it. Throws when there is none. */
  deliver(signal: StopSignal): void {
    const listeners = this.listeners.filter((entry) => entry.signal === signal);
    if (listeners.length === 0) throw new Error(`nothing listens for ${signal}`);
    for (const { listener } of listeners) listener();
  }
}

/** `pensieve start` registered on a program of its own, which throws instead of exiting and keeps its output. */
export function startProgram(io: StartIo = new RecordingStartIo()): { root: Command; output: { out: string; err: string } } {
  const output = { out: "", err: "" };
  const root = new Command()
    .exitOverride()
    .configureOutput({ writeOut: (text) => (output.out += text), writeErr: (text) => (output.err += text) });
  registerStartCommand(root, io);
  return { root, output };
}

export interface StartedInProcess {
  /** The URL `runServer` returned. */
  readonly baseUrl: string;
  /** What start printed on stdout: the banner. */
  readonly banner: string;
  readonly io: RecordingStartIo;
  /**
   * Delivers SIGTERM `count` times, `apartMs` apart on start's clock (closer ones count as one stop delivered
   * twice), waits for the shutdown the first one began, and returns the exit codes start asked for meanwhile.
   */
  signal(count?: number, apartMs?: number): Promise<number[]>;
  /** Stops the server without a signal (or waits for the stop a signal began). */
  stop(): Promise<void>;
}

/**
 * `pensieve start` in this process, so its lines count for coverage (a spawned CLI does not): `argv` is parsed
 * with start's own options, then `runServer` runs with a `RecordingStartIo`. The options commander reads from
 * the environment (`PENSIEVE_MODEL`, …) come from `process.env`, as in the real process; `env` is what
 * `toServerConfig` reads. Always on a free port, with a fixed seed and no logs unless `argv` says otherwise.
 */
export async function startInProcess(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<StartedInProcess> {
  const flags = await parseStartFlags(["--log-level", "silent", "--port", "0", "--seed", "1", ...argv]);
  const io = new RecordingStartIo(env);
  const server: RunningServer = await runServer(toServerConfig(flags, io.env), io);
  return {
    baseUrl: server.baseUrl,
    banner: io.stdoutText,
    io,
    async signal(count = 1, apartMs = 1000) {
      const before = io.exitCodes.length;
      for (let index = 0; index < count; index += 1) {
        if (index > 0) io.time += apartMs;
        io.deliver("SIGTERM");
      }
      // The signal's own continuation (exit 0, or 1) was queued first on this same stop, so it has run by now.
      await server.stop();
      return io.exitCodes.slice(before);
    },
    stop: () => server.stop(),
  };
}

/** `argv` parsed with start's own options and defaults, as the start command's action receives them. */
export async function parseStartFlags(argv: readonly string[]): Promise<StartFlags> {
  let parsed: StartFlags | undefined;
  const command = addStartOptions(new Command("start"))
    .exitOverride()
    .action((flags: StartFlags) => {
      parsed = flags;
    });
  await command.parseAsync(argv, { from: "user" });
  if (parsed === undefined) throw new Error(`start did not parse ${JSON.stringify(argv)}`);
  return parsed;
}
