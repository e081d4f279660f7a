import type { ConversationTurn, PromptRequest } from "../generation-request.js";
import type { UpstreamDialect } from "./upstream-options.js";

/** One message of a Chat Completions request (OpenAI's wire shape, which this engine speaks as a client). */
export type ChatCompletionMessage =
  | { readonly role: "system" | "user"; readonly content: string }
  | {
      readonly role: "assistant";
      readonly content: string | null;
      readonly reasoning_content?: string;
      readonly tool_calls?: readonly ChatCompletionToolCall[];
    }
  | { readonly role: "tool"; readonly tool_call_id: string; readonly content: string };

export interface ChatCompletionToolCall {
  readonly id: string;
  readonly type: "function";
  readonly function: { readonly name: string; readonly arguments: string };
}

/**
 * The conversation as Chat Completions messages: the system prompt first, each tool result as a `tool` message
 * right after the call it answers, thinking as `reasoning_content` where the dialect takes it back. A system
 * turn inside the conversation becomes a user message: most chat templates served upstream (Qwen3's among them)
 * refuse a system message anywhere but first.
 */
export function toChatCompletionMessages(request: Pick<PromptRequest, "system" | "turns">, dialect: UpstreamDialect): ChatCompletionMessage[] {
  const messages: ChatCompletionMessage[] = request.system === "" ? [] : [{ role: "system", content: request.system }];
  for (const turn of request.turns) messages.push(...turnMessages(turn, dialect));
  return mergeUserMessages(messages);
}

function turnMessages(turn: ConversationTurn, dialect: UpstreamDialect): ChatCompletionMessage[] {
  switch (turn.role) {
    case "system":
      return [{ role: "user", content: turn.text }];
    case "user": {
      const results: ChatCompletionMessage[] = [];
      const texts: string[] = [];
      for (const part of turn.parts) {
        if (part.type === "text") texts.push(part.text);
        else results.push({ role: "tool", tool_call_id: part.toolCallId, content: part.isError ? `Error: ${part.content}` : part.content });
      }
      return texts.length === 0 ? results : [...results, { role: "user", content: texts.join("\n\n") }];
    }
    case "assistant": {
      const text = turn.parts.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");
      const thinking = turn.parts.flatMap((part) => (part.type === "thinking" ? [part.text] : [])).join("");
      const calls = turn.parts.flatMap((part): ChatCompletionToolCall[] =>
        part.type === "tool-call" ? [{ id: part.id, type: "function", function: { name: part.name, arguments: JSON.stringify(part.input ?? {}) } }] : [],
      );
      const takesReasoning = dialect === "vllm" || dialect === "sglang" || dialect === "llama-server";
      return [
        {
          role: "assistant",
          content: text === "" && calls.length > 0 ? null : text,
          ...(thinking !== "" && takesReasoning ? { reasoning_content: thinking } : {}),
          ...(calls.length > 0 ? { tool_calls: calls } : {}),
        },
      ];
    }
  }
}

/** Two user messages in a row (a system turn before a user turn) are one: templates expect roles to alternate. */
function mergeUserMessages(messages: readonly ChatCompletionMessage[]): ChatCompletionMessage[] {
  const merged: ChatCompletionMessage[] = [];
  for (const message of messages) {
    const last = merged.at(-1);
    if (last?.role === "user" && message.role === "user") merged[merged.length - 1] = { role: "user", content: `${last.content}\n\n${message.content}` };
    else merged.push(message);
  }
  return merged;
}
