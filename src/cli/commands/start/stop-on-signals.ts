import { format } from "node:util";

/** The process around a server: where stop signals are heard, how it exits, and its clock. */
export interface SignalIo {
  /** Calls `listener` each time the process receives `signal`. */
  on(signal: "SIGINT" | "SIGTERM", listener: () => void): void;
  /** Ends the process with `code`. */
  exit(code: number): void;
  /** Milliseconds since the epoch. */
  now(): number;
  /** Where a failed shutdown is reported. */
  readonly stderr: { write(text: string): unknown };
}

// One stop often arrives twice: a supervisor signals the whole process group and a launcher forwards it too.
const duplicateSignalMs = 500;

/**
 * First SIGINT/SIGTERM: runs `shutdown` (stop accepting, finish, dispose), then exits 0, or 1 when it fails. A
 * later one exits 130 at once, unless it comes within half a second of the first: then it is the same stop.
 */
export function stopOnSignals(shutdown: () => Promise<void>, io: SignalIo): void {
  let stoppingSince: number | undefined;
  const onSignal = (): void => {
    if (stoppingSince !== undefined) {
      if (io.now() - stoppingSince < duplicateSignalMs) return;
      io.exit(130);
      return;
    }
    stoppingSince = io.now();
    shutdown().then(
      () => io.exit(0),
      (error: unknown) => {
        // As console.error prints it: the stack, and any fields the error carries.
        io.stderr.write(`${format(error)}\n`);
        io.exit(1);
      },
    );
  };
  io.on("SIGINT", onSignal);
  io.on("SIGTERM", onSignal);
}
