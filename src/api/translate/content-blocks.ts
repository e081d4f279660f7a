import { InvalidRequestError } from "../server-error.js";
import type { ContentBlockParam, MessageParam } from "../wire/messages-request.js";

/** A message's content as blocks: a string is one text block, and an empty string none. */
export function contentBlocks(message: MessageParam): ContentBlockParam[] {
  if (typeof message.content === "string") return message.content === "" ? [] : [{ type: "text", text: message.content }];
  return message.content as ContentBlockParam[];
}

/** The text of a block that must be a text block; `field` names the block in the error (`messages.0.content.1`). */
export function requireText(block: ContentBlockParam, field: string): string {
  if (block.type !== "text") throw new InvalidRequestError(`${field}.type: Input should be 'text'`);
  const text = block["text"];
  if (typeof text !== "string") throw new InvalidRequestError(`${field}.text: Field required`);
  return text;
}

/** The refusal of an image, wherever it appears: the models served here read text only. */
export function imageUnsupported(field: string): InvalidRequestError {
  return new InvalidRequestError(`${field}: this model does not support image input`);
}
