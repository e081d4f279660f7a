import type { UserPart } from "../../engine/generation-request.js";
import { InvalidRequestError } from "../server-error.js";
import type { ContentBlockParam, CountTokensRequest } from "../wire/messages-request.js";
import { imageUnsupported, requireText } from "./content-blocks.js";
import { documentText } from "./document-text.js";

/** The request's client tools by name, for the `tool_reference` blocks that load them. */
export type ToolsByName = ReadonlyMap<string, NonNullable<CountTokensRequest["tools"]>[number]>;

/**
 * A `tool_result` block as the engine's tool result: its content (a string or blocks) folded into one text. A
 * `tool_reference` (tool search's answer) becomes the named tool's definition, so a tool loaded on demand is
 * described at the point of the conversation where it was loaded, and the prompt before it never changes.
 */
export function toolResultPart(block: ContentBlockParam, field: string, tools: ToolsByName): UserPart {
  const toolCallId = block["tool_use_id"];
  if (typeof toolCallId !== "string" || toolCallId === "") throw new InvalidRequestError(`${field}.tool_use_id: Field required`);
  return { type: "tool-result", toolCallId, content: resultText(block["content"], field, tools), isError: block["is_error"] === true };
}

/** The names of the tools `tool_reference` blocks in a message's tool results load. */
export function referencedToolNames(content: unknown): string[] {
  if (!Array.isArray(content)) return [];
  return (content as unknown[]).flatMap((block) => {
    const inner = (block as { type?: unknown; content?: unknown } | null)?.content;
    if ((block as { type?: unknown } | null)?.type !== "tool_result" || !Array.isArray(inner)) return [];
    return (inner as unknown[]).flatMap((reference) => {
      const { type, tool_name: name } = (reference ?? {}) as { type?: unknown; tool_name?: unknown };
      return type === "tool_reference" && typeof name === "string" ? [name] : [];
    });
  });
}

function resultText(content: unknown, field: string, tools: ToolsByName): string {
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw new InvalidRequestError(`${field}.content: Input should be a valid string or a valid list`);
  return (content as ContentBlockParam[])
    .map((inner, innerIndex) => {
      const innerField = `${field}.content.${innerIndex}`;
      if (typeof inner !== "object" || inner === null) throw new InvalidRequestError(`${innerField}: Input should be a valid dictionary`);
      if (inner.type === "image") throw imageUnsupported(innerField);
      if (inner.type === "text") return requireText(inner, innerField);
      if (inner.type === "document" || inner.type === "search_result") return documentText(inner, innerField);
      if (inner.type === "tool_reference") return toolDefinitionText(inner, innerField, tools);
      throw new InvalidRequestError(`${innerField}.type: unsupported content block type '${String(inner.type)}' in a tool result`);
    })
    .filter((part) => part !== "")
    .join("\n\n");
}

function toolDefinitionText(block: ContentBlockParam, field: string, tools: ToolsByName): string {
  const name = block["tool_name"];
  if (typeof name !== "string" || name === "") throw new InvalidRequestError(`${field}.tool_name: Field required`);
  const tool = tools.get(name);
  if (tool === undefined) throw new InvalidRequestError(`${field}.tool_name: no client tool named '${name}' in 'tools'`);
  return JSON.stringify({ name, description: tool.description ?? "", input_schema: tool.input_schema ?? {} });
}
