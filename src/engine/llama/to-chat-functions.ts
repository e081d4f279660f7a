import type { ChatModelFunctions } from "node-llama-cpp";
import type { ToolDefinition } from "../generation-request.js";
import { SchemaWorkBudget } from "../tool-schema/schema-work-budget.js";
import { toGrammarSchema } from "../tool-schema/to-grammar-schema.js";

/**
 * The request's tools as node-llama-cpp functions, or `undefined` when there are none. Each input schema is
 * converted to the grammar subset node-llama-cpp compiles (see `toGrammarSchema`); a schema too deep, too
 * large or with a pattern RE2 cannot run throws `ToolSchemaError` naming `tools.<index>.input_schema`. One work
 * budget covers all the tools: a thousand tools each just within a per-schema limit would be a thousand times it.
 *
 * Deliberately not cached: converting Claude Code's 24 tools takes about 0.2 ms, no more than hashing them for
 * a cache key, and node-llama-cpp compiles each grammar itself when a call starts. Keeping nothing per schema
 * also means a stream of distinct schemas cannot grow memory.
 */
export function toChatFunctions(tools: readonly ToolDefinition[]): ChatModelFunctions | undefined {
  if (tools.length === 0) return undefined;
  const budget = new SchemaWorkBudget();
  // fromEntries defines own properties, so a tool named "__proto__" stays a tool.
  return Object.fromEntries(
    tools.map((tool, index) => [
      tool.name,
      { description: tool.description, params: toGrammarSchema(tool.inputSchema, `tools.${index}.input_schema`, budget) },
    ]),
  );
}
