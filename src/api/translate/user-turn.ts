import type { ConversationTurn, UserPart } from "../../engine/generation-request.js";
import { InvalidRequestError } from "../server-error.js";
import type { MessageParam } from "../wire/messages-request.js";
import { imageUnsupported, messageBlocks, textParts } from "./content-blocks.js";
import { documentText } from "./document-text.js";
import { isServerEchoBlock } from "./server-echo-block.js";
import { toolResultPart, type ToolsByName } from "./tool-result-part.js";

/**
 * A user message as a turn: text, documents and search results as text, tool results (with the definitions of
 * the tools they load, from `tools`). Thinking and server-tool
 * echoes are dropped; images and unknown blocks are refused, naming the block.
 */
export function userTurn(message: MessageParam, messageIndex: number, tools: ToolsByName): Extract<ConversationTurn, { role: "user" }> {
  const parts: UserPart[] = [];
  for (const { block, field } of messageBlocks(message, messageIndex)) {
    switch (block.type) {
      case "text":
        parts.push(...textParts(block, field));
        break;
      case "document":
      case "search_result":
        parts.push({ type: "text", text: documentText(block, field) });
        break;
      case "tool_result":
        parts.push(toolResultPart(block, field, tools));
        break;
      case "image":
        throw imageUnsupported(field);
      default:
        if (!isServerEchoBlock(block.type) && block.type !== "thinking") {
          throw new InvalidRequestError(`${field}.type: unsupported content block type '${block.type}' in a user message`);
        }
    }
  }
  return { role: "user", parts };
}
