import { randomBytes } from "node:crypto";

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** An id in the style of Anthropic's (`msg_01…`, `toolu_01…`, `req_01…`): a prefix and 24 base-62 characters. */
export function createId(prefix: string): string {
  const bytes = randomBytes(24);
  let suffix = "";
  for (const byte of bytes) suffix += alphabet[byte % alphabet.length];
  return `${prefix}_01${suffix.slice(2)}`;
}

export type IdGenerator = (prefix: string) => string;
