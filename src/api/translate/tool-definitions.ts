import type { ToolDefinition } from "../../engine/generation-request.js";
import { InvalidRequestError } from "../server-error.js";
import type { CountTokensRequest } from "../wire/messages-request.js";
import { constrainedSchemaProblem } from "./constrained-schema-problem.js";
import { isServerTool } from "./server-tool.js";

/**
 * The client tools the model is offered, with unique names and an input schema each; server tools are left out.
 * A `strict` tool's schema must be one constrained decoding guarantees (`constrainedSchemaProblem`), so that its
 * input always validates. A tool with `defer_loading` is offered only once the conversation has loaded it (a
 * `tool_reference` names it, `loaded`), and then as a deferred tool: its definition is where it was loaded.
 */
export function toToolDefinitions(tools: NonNullable<CountTokensRequest["tools"]>, loaded: ReadonlySet<string> = new Set()): ToolDefinition[] {
  const seen = new Set<string>();
  return tools.flatMap((tool, index) => {
    if (isServerTool(tool)) return [];
    if (seen.has(tool.name)) throw new InvalidRequestError(`tools: Tool names must be unique (duplicate '${tool.name}')`);
    seen.add(tool.name);
    if (tool.input_schema === undefined) throw new InvalidRequestError(`tools.${index}.input_schema: Field required`);
    if (tool.strict === true) {
      const problem = constrainedSchemaProblem(tool.input_schema, `tools.${index}.input_schema`);
      if (problem !== null) throw new InvalidRequestError(`${problem} (tool '${tool.name}' is strict)`);
    }
    const deferred = tool.defer_loading === true;
    if (deferred && !loaded.has(tool.name)) return [];
    return [{ name: tool.name, description: tool.description ?? "", inputSchema: tool.input_schema as Record<string, unknown>, ...(deferred ? { deferred } : {}) }];
  });
}
