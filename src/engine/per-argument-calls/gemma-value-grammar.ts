import type { GbnfJsonSchema } from "node-llama-cpp";
import { gemmaStringDelimiter } from "../../models/chat-format/gemma-notation.js";
import { gbnfAnyCharacterBut, gbnfLiteral, gbnfTextUntil } from "./gbnf.js";

/** The rule of any value in Gemma 4's notation, whatever its schema (see `gemmaValueRules`). */
export const gemmaValueRule = "gemma-value";

const delimiter = gbnfLiteral(gemmaStringDelimiter);

/** The rule of a Gemma string: its text between delimiters, which it cannot hold; or one of `choices`. */
export function gemmaStringRule(choices?: readonly string[]): string {
  return `${delimiter} ${choices === undefined ? "gemma-text-0" : `(${choices.map(gbnfLiteral).join(" | ")})`} ${delimiter}`;
}

/**
 * GBNF rules for any value in Gemma 4's notation, as its template writes call arguments and llama.cpp's Gemma 4
 * parser reads them: a string between delimiters, a JSON number, `true`, `false`, `null`, `[v,v]`, or `{key:v}`
 * with bare keys. Schema-free: only a call's top-level arguments follow their schemas.
 */
export function gemmaValueRules(): string {
  const item = gemmaValueRule;
  const entry = `gemma-key ":" ${item}`;
  return [
    `${gemmaValueRule} ::= ${gemmaStringRule()} | gemma-number | "true" | "false" | "null" | gemma-array | gemma-object`,
    gbnfTextUntil("gemma-text", gemmaStringDelimiter),
    `gemma-number ::= "-"? [0-9]+ ("." [0-9]+)? ([eE] [-+]? [0-9]+)?`,
    `gemma-array ::= "[" (${item} ("," ${item})*)? "]"`,
    `gemma-object ::= "{" (${entry} ("," ${entry})*)? "}"`,
    `gemma-key ::= ${gbnfAnyCharacterBut([...":{}[],<\"\n"])}+`,
  ].join("\n");
}

/**
 * Whether a value of `schema` is written the same in Gemma's notation as in JSON (numbers and booleans), so that
 * node-llama-cpp's JSON grammar of the schema can constrain it.
 */
export function isWrittenAsJson(schema: GbnfJsonSchema): boolean {
  const record = schema as Record<string, unknown>;
  const fixed = record["enum"] ?? ("const" in record ? [record["const"]] : undefined);
  if (Array.isArray(fixed)) return fixed.every((entry) => typeof entry === "number" || typeof entry === "boolean");
  const type = record["type"];
  const types = typeof type === "string" ? [type] : Array.isArray(type) ? type : [];
  return types.length > 0 && types.every((entry) => entry === "number" || entry === "integer" || entry === "boolean");
}
