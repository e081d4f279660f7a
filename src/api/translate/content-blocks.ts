import { InvalidRequestError } from "../server-error.js";
import type { ContentBlockParam, MessageParam } from "../wire/messages-request.js";

/** A message's content as blocks: a string is one text block, and an empty string none. */
export function contentBlocks(message: MessageParam): ContentBlockParam[] {
  if (typeof message.content === "string") return message.content === "" ? [] : [{ type: "text", text: message.content }];
  return message.content as ContentBlockParam[];
}

/** A message's blocks, each with the path that names it in errors (`messages.0.content.1`). */
export function messageBlocks(message: MessageParam, messageIndex: number): { block: ContentBlockParam; field: string }[] {
  return contentBlocks(message).map((block, blockIndex) => ({ block, field: `messages.${messageIndex}.content.${blockIndex}` }));
}

/**
 * A user or assistant message's parts: each text block as text (none for empty text, which the API accepts and no
 * model reads), every other block as `otherBlock` makes it, given the path that names the block in errors.
 */
export function turnParts<Part>(
  message: MessageParam,
  messageIndex: number,
  otherBlock: (block: ContentBlockParam, field: string) => Part[],
): (Part | { type: "text"; text: string })[] {
  return messageBlocks(message, messageIndex).flatMap(({ block, field }): (Part | { type: "text"; text: string })[] => {
    if (block.type !== "text") return otherBlock(block, field);
    const text = requireText(block, field);
    return text === "" ? [] : [{ type: "text" as const, text }];
  });
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
