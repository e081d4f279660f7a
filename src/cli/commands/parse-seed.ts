import { InvalidArgumentError } from "commander";

/** A seed flag's value: llama.cpp and the model generator both take an unsigned 32-bit seed. */
export function parseSeed(value: string): number {
  const seed = Number(value);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new InvalidArgumentError("expected an integer from 0 to 4294967295");
  return seed;
}
