import type { ToolDefinition } from "../../engine/generation-request.js";
import { InvalidRequestError } from "../server-error.js";
import type { CountTokensRequest } from "../wire/messages-request.js";
import { isServerTool } from "./server-tool.js";

/** The client tools the model is offered, with unique names and an input schema each; server tools are left out. */
export function toToolDefinitions(tools: NonNullable<CountTokensRequest["tools"]>): ToolDefinition[] {
  const seen = new Set<string>();
  return tools.flatMap((tool, index) => {
    if (isServerTool(tool)) return [];
    if (seen.has(tool.name)) throw new InvalidRequestError(`tools: Tool names must be unique (duplicate '${tool.name}')`);
    seen.add(tool.name);
    if (tool.input_schema === undefined) throw new InvalidRequestError(`tools.${index}.input_schema: Field required`);
    return [{ name: tool.name, description: tool.description ?? "", inputSchema: tool.input_schema as Record<string, unknown> }];
  });
}
