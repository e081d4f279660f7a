import { toPerArgumentTool, type PerArgumentTool } from "../../src/engine/per-argument-calls/per-argument-tool.js";
import { toGrammarSchema } from "../../src/engine/tool-schema/to-grammar-schema.js";

/** A tool as the engine plans it for per-argument calls, from a JSON schema (its `required` keys included). */
export function perArgumentToolOf(name: string, schema: Record<string, unknown>): PerArgumentTool {
  const required = Array.isArray(schema["required"]) ? (schema["required"] as string[]) : [];
  return toPerArgumentTool(name, toGrammarSchema(schema, `tools.${name}`), required);
}

/** A Write tool with an argument of each kind: strings, a number, a boolean, an array, an object, a union, an enum. */
export const writeToolSchema = {
  type: "object",
  properties: {
    path: { type: "string" },
    content: { type: "string" },
    count: { type: "integer" },
    force: { type: "boolean" },
    tags: { type: "array", items: { type: "string" } },
    meta: { type: "object", properties: { ratio: { type: "number" }, note: { type: "string" } } },
    either: { type: ["string", "number"] },
    mode: { enum: ["fast", "slow"] },
  },
  required: ["path", "content"],
} as const;
