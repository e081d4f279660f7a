import type { UserPart } from "../../engine/generation-request.js";
import { InvalidRequestError } from "../server-error.js";
import type { ContentBlockParam } from "../wire/messages-request.js";
import { imageUnsupported, requireText } from "./content-blocks.js";
import { documentText } from "./document-text.js";

/** A `tool_result` block as the engine's tool result: its content (a string or blocks) folded into one text. */
export function toolResultPart(block: ContentBlockParam, field: string): UserPart {
  const toolCallId = block["tool_use_id"];
  if (typeof toolCallId !== "string" || toolCallId === "") throw new InvalidRequestError(`${field}.tool_use_id: Field required`);
  return { type: "tool-result", toolCallId, content: resultText(block["content"], field), isError: block["is_error"] === true };
}

function resultText(content: unknown, field: string): string {
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
      if (inner.type === "tool_reference") return "";
      throw new InvalidRequestError(`${innerField}.type: unsupported content block type '${String(inner.type)}' in a tool result`);
    })
    .filter((part) => part !== "")
    .join("\n\n");
}
