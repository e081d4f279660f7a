import type { ServerSentEventFormat } from "../../stream-server-sent-events.js";
import type { ChatCompletionChunk } from "../../wire/chat-completion-types.js";
import { toOpenAiError } from "./to-openai-error.js";

const data = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;

/**
 * The Chat Completions stream: unnamed `data:` frames, a comment as the keep-alive (clients skip it), an error as a
 * frame with OpenAI's `error` object (the SDK raises it), and `data: [DONE]` after a complete stream.
 */
export const chatCompletionEventFormat: ServerSentEventFormat<ChatCompletionChunk> = {
  encode: data,
  ping: ": ping\n\n",
  error: (error, cause) => data(toOpenAiError(error, cause).body),
  end: "data: [DONE]\n\n",
};
