import type { ChatModelFunctions, GbnfJsonSchema } from "node-llama-cpp";
import type { ToolDefinition } from "./generation-request.js";

/** The request's tools as node-llama-cpp functions, or `undefined` when there are none. */
export function toChatFunctions(tools: readonly ToolDefinition[]): ChatModelFunctions | undefined {
  if (tools.length === 0) return undefined;
  const functions: Record<string, { description: string; params: GbnfJsonSchema }> = {};
  for (const tool of tools) {
    functions[tool.name] = { description: tool.description, params: tool.inputSchema as GbnfJsonSchema };
  }
  return functions;
}
