import pino from "pino";
import type { CommandOutput } from "../command-io.js";
import type { SignalIo } from "./stop-on-signals.js";

/** What a running server takes from its process: passed in, so tests run it in-process and drive its signals. */
export interface ServerIo extends SignalIo {
  /** Where the banner goes. */
  readonly stdout: CommandOutput;
  /** Notices for the user (an offline fallback, download progress) and a failed shutdown's error. */
  readonly stderr: CommandOutput;
  /** Where the JSON log lines go. */
  readonly logs: { write(line: string): unknown };
}

/** What `pensieve start` takes from its process: the server's io and the environment its settings come from. */
export interface StartIo extends ServerIo {
  readonly env: NodeJS.ProcessEnv;
}

/** The real process: its environment, streams, signals, `process.exit` and clock. */
export function processStartIo(): StartIo {
  return {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    // pino's own stream on file descriptor 2: it drops the log on a closed pipe instead of failing.
    logs: pino.destination(2),
    on: (signal, listener) => void process.on(signal, listener),
    exit: (code) => process.exit(code),
    now: () => Date.now(),
  };
}
