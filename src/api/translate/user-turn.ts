import type { ConversationTurn, UserPart } from "../../engine/generation-request.js";
import { InvalidRequestError } from "../server-error.js";
import type { MessageParam } from "../wire/messages-request.js";
import { imageUnsupported, turnParts } from "./content-blocks.js";
import { documentText } from "./document-text.js";
import { isServerEchoBlock } from "./server-echo-block.js";
import { toolResultPart, type ToolsByName } from "./tool-result-part.js";

/**
 * A user message as a turn: text, documents and search results as text, tool results (with the definitions of
 * the tools they load, from `tools`). Thinking and server-tool
 * echoes are dropped; images and unknown blocks are refused, naming the block.
 */
export function userTurn(message: MessageParam, messageIndex: number, tools: ToolsByName): Extract<ConversationTurn, { role: "user" }> {
  const parts = turnParts(message, messageIndex, (block, field): UserPart[] => {
    switch (block.type) {
      case "document":
      case "search_result":
        return [{ type: "text", text: documentText(block, field) }];
      case "tool_result":
        return [toolResultPart(block, field, tools)];
      case "image":
        throw imageUnsupported(field);
      default:
        if (isServerEchoBlock(block.type) || block.type === "thinking") return [];
        throw new InvalidRequestError(`${field}.type: unsupported content block type '${block.type}' in a user message`);
    }
  });
  return { role: "user", parts };
}
