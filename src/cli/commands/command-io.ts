/** A stream a command writes to; `process.stdout` and `process.stderr` are ones. */
export interface CommandOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** What the model commands take from the process: passed in so tests can run them in-process. */
export interface CommandIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: CommandOutput;
  readonly stderr: CommandOutput;
}

export const processIo: CommandIo = { env: process.env, stdout: process.stdout, stderr: process.stderr };
