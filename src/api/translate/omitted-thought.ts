/**
 * `thinking.display: "omitted"` (what Claude Code 2.1.332 asks for): thinking blocks go out with an empty
 * `thinking` field, as Anthropic's API sends them. The API keeps the thought in the block's signature so that
 * the model still sees it when the block comes back; this does the same, so a later turn renders the prompt
 * byte for byte as before and its cached prefix still matches. Not a secret and not a proof: a client could
 * send any thought as plain `thinking` text anyway.
 */
const prefix = "pensieve-thought.";

/** The signature of an omitted thought: the thought itself, readable back by `omittedThoughtOf`. */
export function omittedThoughtSignature(thought: string): string {
  return prefix + Buffer.from(thought).toString("base64url");
}

/** The thought an omitted block's signature carries, or `null` for any other signature. */
export function omittedThoughtOf(signature: unknown): string | null {
  if (typeof signature !== "string" || !signature.startsWith(prefix)) return null;
  const encoded = signature.slice(prefix.length);
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) return null;
  return Buffer.from(encoded, "base64url").toString();
}
