import os from "node:os";
import { InvalidArgumentError } from "commander";

/**
 * `--memory-limit`: `auto` leaves room for the rest of the machine (90 % of the memory free when each model's
 * load begins, so it sees the models loaded before); a total for all models together; or `off` (no check).
 */
export type MemoryLimit = { readonly kind: "auto" } | { readonly kind: "off" } | { readonly kind: "total"; readonly bytes: number };

/** Reads `--memory-limit`: `auto`, `off` or a number of GiB. */
export function parseMemoryLimit(value: string): MemoryLimit {
  if (value === "off") return { kind: "off" };
  if (value === "auto") return { kind: "auto" };
  const gib = Number(value);
  if (!Number.isFinite(gib) || gib <= 0) throw new InvalidArgumentError("--memory-limit takes a number of GiB, auto or off");
  return { kind: "total", bytes: Math.floor(gib * 1024 ** 3) };
}

/** The limit for one model's load, worked out as it begins: a total is shared with the models loaded before. */
export function memoryLimitForLoad(limit: MemoryLimit, usedByEarlierModels: number): { memoryLimitBytes?: number } {
  switch (limit.kind) {
    case "off":
      return {};
    case "auto":
      return { memoryLimitBytes: Math.floor(os.freemem() * 0.9) };
    case "total":
      return { memoryLimitBytes: Math.max(1, limit.bytes - usedByEarlierModels) };
  }
}
