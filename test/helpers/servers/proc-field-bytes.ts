import { parseProcFieldBytes } from "../../../src/util/read-process-usage.js";

/** A `Name:   1234 kB` field of a /proc file's text (`status`, `smaps_rollup`), in bytes; 0 when absent. */
export function procFieldBytes(text: string, name: string): number {
  return parseProcFieldBytes(text, name) ?? 0;
}
