import { Writable } from "node:stream";
import pino, { type Logger } from "pino";

/** One access-log line (`"msg":"request"`), with the fields tests read by name; the rest as written. */
export interface AccessLine {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly input_tokens?: number;
  readonly cache_read_input_tokens?: number;
  readonly [field: string]: unknown;
}

/** A logger at `info` for a server under test, and the access-log lines it has written so far, parsed. */
export function recordAccessLog(): { readonly logger: Logger; readonly lines: AccessLine[] } {
  const lines: AccessLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() === "") continue;
        const entry = JSON.parse(line) as { msg?: string } & AccessLine;
        if (entry.msg === "request") lines.push(entry);
      }
      done();
    },
  });
  return { logger: pino({ level: "info" }, destination), lines };
}
