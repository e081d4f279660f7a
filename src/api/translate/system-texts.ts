import { InvalidRequestError } from "../server-error.js";
import type { CountTokensRequest, MessageParam } from "../wire/messages-request.js";
import { messageBlocks, requireText } from "./content-blocks.js";

/** Claude Code's first system block: per-request metadata whose hash changes every turn and breaks caching. */
const billingHeaderPrefix = "x-anthropic-billing-header:";

/** The texts of the top-level `system` field, without empty blocks and Claude Code's billing header. */
export function systemTexts(system: CountTokensRequest["system"]): string[] {
  if (system === undefined) return [];
  if (typeof system === "string") return system === "" ? [] : [system];
  return system.flatMap((block, index) => {
    if (block.type !== "text") throw new InvalidRequestError(`system.${index}.type: Input should be 'text'`);
    if (block.text.startsWith(billingHeaderPrefix) || block.text === "") return [];
    return [block.text];
  });
}

/**
 * The text of a `system` message in `messages`: Claude Code sends its `# Environment` block (working directory,
 * git state) and its agent and skill lists this way. Its blocks are joined like the system prompt's.
 */
export function systemMessageText(message: MessageParam, messageIndex: number): string {
  return messageBlocks(message, messageIndex)
    .map(({ block, field }) => requireText(block, field))
    .filter((text) => text !== "")
    .join("\n\n");
}
