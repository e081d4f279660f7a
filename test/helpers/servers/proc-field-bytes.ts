/** A `Name:   1234 kB` field of a /proc file's text (`status`, `smaps_rollup`), in bytes; 0 when absent. */
export function procFieldBytes(text: string, name: string): number {
  return Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0) * 1024;
}
