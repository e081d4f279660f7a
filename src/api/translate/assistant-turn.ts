import type { AssistantPart, ConversationTurn } from "../../engine/generation-request.js";
import { InvalidRequestError } from "../server-error.js";
import type { MessageParam } from "../wire/messages-request.js";
import { turnParts } from "./content-blocks.js";
import { omittedThoughtOf } from "./omitted-thought.js";
import { isServerEchoBlock } from "./server-echo-block.js";

/**
 * An assistant message as a turn: text, thinking and tool calls. Server-tool echoes are dropped; anything else is
 * refused, naming the block.
 */
export function assistantTurn(message: MessageParam, messageIndex: number): Extract<ConversationTurn, { role: "assistant" }> {
  const parts = turnParts(message, messageIndex, (block, field): AssistantPart[] => {
    switch (block.type) {
      case "thinking": {
        // Signatures cannot be verified locally, so any value (including "") is accepted. An empty block whose
        // signature carries an omitted thought (`display: "omitted"`) stands for that thought.
        const thinking = block["thinking"];
        if (typeof thinking !== "string") throw new InvalidRequestError(`${field}.thinking: Field required`);
        const text = thinking === "" ? (omittedThoughtOf(block["signature"]) ?? "") : thinking;
        return text === "" ? [] : [{ type: "thinking", text }];
      }
      case "tool_use": {
        const { id, name, input } = block as { id?: unknown; name?: unknown; input?: unknown };
        if (typeof id !== "string" || id === "") throw new InvalidRequestError(`${field}.id: Field required`);
        if (typeof name !== "string" || name === "") throw new InvalidRequestError(`${field}.name: Field required`);
        if (typeof input !== "object" || input === null || Array.isArray(input)) {
          throw new InvalidRequestError(`${field}.input: Input should be a valid dictionary`);
        }
        return [{ type: "tool-call", id, name, input }];
      }
      default:
        if (isServerEchoBlock(block.type)) return [];
        throw new InvalidRequestError(`${field}.type: unsupported content block type '${block.type}' in an assistant message`);
    }
  });
  return { role: "assistant", parts };
}
