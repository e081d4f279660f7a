/**
 * What OpenAI's Chat Completions API answers, in its own snake_case, as far as Pensieve fills it: one choice, no
 * log probabilities. `reasoning_content` is the field vLLM and llama-server use for a reasoning model's thoughts.
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export type FinishReason = "stop" | "length" | "tool_calls";

export interface CompletionUsage {
  /** Every prompt token, the cached ones included (OpenAI's convention, unlike Anthropic's `input_tokens`). */
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export interface ChatCompletionChunkToolCall {
  index: number;
  id?: string;
  type?: "function";
  function: { name?: string; arguments: string };
}

export interface ChatCompletionChunkDelta {
  role?: "assistant";
  content?: string;
  reasoning_content?: string;
  tool_calls?: ChatCompletionChunkToolCall[];
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: { index: number; delta: ChatCompletionChunkDelta; logprobs: null; finish_reason: FinishReason | null }[];
  /** Only on the last chunk, and only with `stream_options.include_usage` (its `choices` are then empty). */
  usage?: CompletionUsage;
}

export interface ChatCompletionToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ChatCompletionMessage {
  role: "assistant";
  content: string | null;
  refusal: null;
  reasoning_content?: string;
  tool_calls?: ChatCompletionToolCall[];
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: { index: number; message: ChatCompletionMessage; logprobs: null; finish_reason: FinishReason }[];
  usage: CompletionUsage;
}

/** OpenAI's error body; `type` and `code` are what OpenAI clients branch on. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}
