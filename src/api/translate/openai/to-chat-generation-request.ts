import type { GenerationRequest, PromptRequest, ThinkingSetting } from "../../../engine/generation-request.js";
import { InvalidRequestError } from "../../server-error.js";
import type { ChatCompletionsRequest } from "../../wire/chat-completions-request.js";
import { toChatResponseSchema } from "./chat-response-schema.js";
import { toChatTools } from "./chat-tools.js";
import { toChatTurns } from "./chat-turns.js";

/** Without `max_completion_tokens` (or the older `max_tokens`) a reply may fill what the context has left. */
const unboundedTokens = 2 ** 31 - 1;

/**
 * A Chat Completions request as the engine's generation request: the same prompt, tools, structured outputs and
 * sampling the Messages path produces for the same conversation, so both APIs share the prompt cache. One choice
 * only (`n` > 1 is refused). `seed` is taken modulo 2^32, the sampler's range.
 */
export function toChatGenerationRequest(body: ChatCompletionsRequest): GenerationRequest {
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw new InvalidRequestError("n: only one choice per request is supported (n = 1)");
  const stop = body.stop ?? [];
  return {
    ...toChatPromptRequest(body),
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? unboundedTokens,
    sampling: {
      // OpenAI's default is 1.0, as Anthropic's; node-llama-cpp's would be greedy decoding.
      temperature: body.temperature ?? 1,
      ...(body.top_p !== undefined && body.top_p !== null ? { topP: body.top_p } : {}),
      ...(body.seed !== undefined && body.seed !== null ? { seed: ((body.seed % 2 ** 32) + 2 ** 32) % 2 ** 32 } : {}),
    },
    stopSequences: (typeof stop === "string" ? [stop] : stop).filter((sequence) => sequence !== ""),
  };
}

function toChatPromptRequest(body: ChatCompletionsRequest): PromptRequest {
  const responseSchema = toChatResponseSchema(body.response_format);
  return {
    model: body.model,
    ...toChatTurns(body.messages),
    ...toChatTools(body),
    thinking: thinkingOf(body),
    ...(responseSchema !== undefined ? { responseSchema } : {}),
  };
}

/** Reasoning off for `reasoning_effort: "none"` or vLLM's `chat_template_kwargs.enable_thinking: false`; else the model's default. */
function thinkingOf(body: ChatCompletionsRequest): ThinkingSetting {
  if (body.reasoning_effort === "none" || body.chat_template_kwargs?.enable_thinking === false) return { type: "disabled" };
  return { type: "default" };
}
