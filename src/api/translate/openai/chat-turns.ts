import type { AssistantPart, ConversationTurn, UserPart } from "../../../engine/generation-request.js";
import { InvalidRequestError } from "../../server-error.js";
import type { ChatContentPart, ChatMessageParam } from "../../wire/chat-completions-request.js";
import { appendTurn } from "../append-turn.js";
import { imageUnsupported } from "../content-blocks.js";

/** A conversation of Chat Completions messages in the engine's terms. */
export interface ChatTurns {
  readonly system: string;
  readonly turns: ConversationTurn[];
}

/**
 * Chat Completions messages as the engine's system prompt and turns, the way the Messages path builds them: system
 * and developer messages before the conversation make the system prompt, later ones stay in place; `tool` messages
 * are tool results in a user turn (so they attach to their calls); an assistant's `tool_calls` are tool calls whose
 * `arguments` must be a JSON object, and its `reasoning_content` is its thinking. Empty messages are left out.
 */
export function toChatTurns(messages: readonly ChatMessageParam[]): ChatTurns {
  const systemParts: string[] = [];
  const turns: ConversationTurn[] = [];
  messages.forEach((message, index) => {
    const field = `messages.${index}`;
    switch (message.role) {
      case "system":
      case "developer": {
        const text = contentText(message.content, field);
        if (text === "") return;
        if (turns.length === 0) systemParts.push(text);
        else appendTurn(turns, { role: "system", text });
        return;
      }
      case "user":
        appendNonEmpty(turns, { role: "user", parts: userParts(message.content, field) });
        return;
      case "tool": {
        const toolCallId = message.tool_call_id;
        if (toolCallId === undefined || toolCallId === "") throw new InvalidRequestError(`${field}.tool_call_id: Field required`);
        appendTurn(turns, { role: "user", parts: [{ type: "tool-result", toolCallId, content: contentText(message.content, field), isError: false }] });
        return;
      }
      case "assistant":
        appendNonEmpty(turns, { role: "assistant", parts: assistantParts(message, field) });
        return;
    }
  });
  return { system: systemParts.join("\n\n"), turns };
}

function appendNonEmpty(turns: ConversationTurn[], turn: Extract<ConversationTurn, { parts: readonly unknown[] }>): void {
  if (turn.parts.length > 0) appendTurn(turns, turn);
}

function userParts(content: ChatMessageParam["content"], field: string): UserPart[] {
  return contentParts(content, field).flatMap((part, partIndex): UserPart[] => {
    const partField = `${field}.content.${partIndex}`;
    switch (part.type) {
      case "text": {
        const text = partText(part, partField);
        return text === "" ? [] : [{ type: "text", text }];
      }
      case "image_url":
      case "input_image":
        throw imageUnsupported(partField);
      default:
        throw new InvalidRequestError(`${partField}.type: unsupported content part type '${part.type}' in a user message`);
    }
  });
}

function assistantParts(message: ChatMessageParam, field: string): AssistantPart[] {
  const parts: AssistantPart[] = [];
  const reasoning = message.reasoning_content;
  if (typeof reasoning === "string" && reasoning !== "") parts.push({ type: "thinking", text: reasoning });
  const text = contentText(message.content, field, ["text", "refusal"]);
  if (text !== "") parts.push({ type: "text", text });
  (message.tool_calls ?? []).forEach((call, callIndex) => {
    const callField = `${field}.tool_calls.${callIndex}`;
    if (call.id === "") throw new InvalidRequestError(`${callField}.id: Field required`);
    if (call.function.name === "") throw new InvalidRequestError(`${callField}.function.name: Field required`);
    parts.push({ type: "tool-call", id: call.id, name: call.function.name, input: parsedArguments(call.function.arguments, `${callField}.function.arguments`) });
  });
  return parts;
}

/** A tool call's `arguments`, a JSON object in a string; an empty string is no arguments. */
function parsedArguments(text: string, field: string): Readonly<Record<string, unknown>> {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidRequestError(`${field}: not valid JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidRequestError(`${field}: Input should be a JSON object`);
  return value as Record<string, unknown>;
}

/** The text of a message's content, its text parts (and, for an assistant, refusals) joined. */
function contentText(content: ChatMessageParam["content"], field: string, types: readonly string[] = ["text"]): string {
  return contentParts(content, field)
    .map((part, partIndex) => {
      const partField = `${field}.content.${partIndex}`;
      if (!types.includes(part.type)) throw new InvalidRequestError(`${partField}.type: Input should be ${types.map((type) => `'${type}'`).join(" or ")}`);
      return partText(part, partField, part.type === "refusal" ? "refusal" : "text");
    })
    .filter((text) => text !== "")
    .join("\n\n");
}

function contentParts(content: ChatMessageParam["content"], field: string): ChatContentPart[] {
  if (content === undefined || content === null) return [];
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  return content.map((part, partIndex) => {
    if (typeof part !== "object" || part === null) throw new InvalidRequestError(`${field}.content.${partIndex}: Input should be a valid dictionary`);
    return part as ChatContentPart;
  });
}

function partText(part: ChatContentPart, field: string, key = "text"): string {
  const text = part[key];
  if (typeof text !== "string") throw new InvalidRequestError(`${field}.${key}: Field required`);
  return text;
}
