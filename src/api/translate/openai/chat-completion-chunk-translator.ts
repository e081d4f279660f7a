import type { GenerationEvent, GenerationUsage, StopReason } from "../../../engine/generation-event.js";
import type { IdGenerator } from "../../../util/create-id.js";
import type { ChatCompletionChunk, ChatCompletionChunkDelta, CompletionUsage, FinishReason } from "../../wire/chat-completion-types.js";

export interface ChatCompletionChunkTranslatorOptions {
  /** The completion's id (`chatcmpl-…`), on every chunk. */
  readonly id: string;
  /** The model name the client asked for, echoed back. */
  readonly model: string;
  /** Unix seconds of the request, on every chunk. */
  readonly created: number;
  /** Makes the ids of tool calls (`call_…`). */
  readonly generateId: IdGenerator;
  /** End with a chunk that has `usage` and no choices (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
}

/**
 * Turns the engine's events into Chat Completions chunks, the stream OpenAI clients fold: a first chunk with the
 * role, text as `content` deltas, reasoning as `reasoning_content` deltas (as vLLM and llama-server send it), a tool
 * call as a delta with its index, id and name followed by deltas of its `arguments`, then a chunk with the
 * `finish_reason` and, when asked for, one with the usage. Tool calls get their `call_` ids here.
 */
export class ChatCompletionChunkTranslator {
  /** Calls whose first delta (id and name) was sent. */
  private readonly startedCalls = new Set<number>();

  constructor(private readonly options: ChatCompletionChunkTranslatorOptions) {}

  translate(event: GenerationEvent): ChatCompletionChunk[] {
    switch (event.type) {
      case "start":
        return [this.chunk({ role: "assistant", content: "" })];
      case "text-delta":
        return [this.chunk({ content: event.text })];
      case "thinking-delta":
        return [this.chunk({ reasoning_content: event.text })];
      case "tool-call-start":
        return [this.startCall(event.index, event.name, "")];
      case "tool-input-delta":
        return [this.chunk({ tool_calls: [{ index: event.index, function: { arguments: event.text } }] })];
      case "tool-call":
        // A call whose input streamed is complete already; one that arrives whole is one delta.
        return this.startedCalls.has(event.index) ? [] : [this.startCall(event.index, event.name, JSON.stringify(event.input ?? {}))];
      case "finish": {
        const finish = this.chunk({}, toFinishReason(event.stopReason));
        if (!this.options.includeUsage) return [finish];
        return [finish, { ...this.chunk({}), choices: [], usage: toCompletionUsage(event.usage) }];
      }
    }
  }

  private startCall(index: number, name: string, input: string): ChatCompletionChunk {
    this.startedCalls.add(index);
    return this.chunk({ tool_calls: [{ index, id: this.options.generateId("call"), type: "function", function: { name, arguments: input } }] });
  }

  private chunk(delta: ChatCompletionChunkDelta, finishReason: FinishReason | null = null): ChatCompletionChunk {
    const { id, model, created } = this.options;
    return { id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] };
  }
}

/**
 * A stop sequence ends the reply as `stop`, as OpenAI's own do; the context running out is `length`.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export function toFinishReason(reason: StopReason): FinishReason {
  switch (reason) {
    case "end-turn":
    case "stop-sequence":
      return "stop";
    case "max-tokens":
    case "context-window-exceeded":
      return "length";
    case "tool-use":
      return "tool_calls";
  }
}

/** OpenAI counts cached tokens inside `prompt_tokens` and again in `prompt_tokens_details.cached_tokens`. */
function toCompletionUsage(usage: GenerationUsage): CompletionUsage {
  const promptTokens = usage.inputTokens + usage.cachedInputTokens;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: promptTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedInputTokens },
  };
}
