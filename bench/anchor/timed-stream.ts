import type Anthropic from "@anthropic-ai/sdk";

/** One streamed request, timed from before the call (llama-server sends its headers only with the first token). */
export interface StreamTiming {
  /** Seconds to the first content block or, when the model said nothing visible, the final `message_delta`. */
  readonly firstOutputSeconds: number;
  readonly totalSeconds: number;
  /** The whole prompt: `input_tokens` + `cache_read_input_tokens` + `cache_creation_input_tokens`. */
  readonly promptTokens: number;
  /** `cache_read_input_tokens`: the prompt tokens the server reused instead of evaluating. */
  readonly cachedTokens: number;
  readonly outputTokens: number;
  /** Output tokens after the first one, per second after the first output. `null` with fewer than two. */
  readonly decodeTokensPerSecond: number | null;
}

interface UsageFields {
  readonly input_tokens: number | null;
  readonly cache_read_input_tokens: number | null;
  readonly cache_creation_input_tokens: number | null;
}

/**
 * Usage is read from both `message_start` and `message_delta` and the larger count kept: llama-server states the
 * prompt only in `message_start`, which it sends with the first token; Pensieve states it in both.
 */
export async function timedStream(client: Anthropic, request: Anthropic.MessageCreateParamsStreaming): Promise<StreamTiming> {
  const started = performance.now();
  let firstOutputAt = 0;
  let promptTokens = 0;
  let cachedTokens = 0;
  let outputTokens = 0;
  const readUsage = (usage: UsageFields): void => {
    const cached = usage.cache_read_input_tokens ?? 0;
    promptTokens = Math.max(promptTokens, (usage.input_tokens ?? 0) + cached + (usage.cache_creation_input_tokens ?? 0));
    cachedTokens = Math.max(cachedTokens, cached);
  };
  const stream = await client.messages.create(request);
  for await (const event of stream) {
    if (event.type === "message_start") {
      readUsage(event.message.usage);
      continue;
    }
    if (firstOutputAt === 0 && (event.type === "content_block_start" || event.type === "content_block_delta" || event.type === "message_delta")) {
      firstOutputAt = performance.now();
    }
    if (event.type === "message_delta") {
      readUsage(event.usage);
      outputTokens = event.usage.output_tokens;
    }
  }
  const ended = performance.now();
  if (firstOutputAt === 0) throw new Error("the stream ended without a content block or message_delta");
  return {
    firstOutputSeconds: (firstOutputAt - started) / 1000,
    totalSeconds: (ended - started) / 1000,
    promptTokens,
    cachedTokens,
    outputTokens,
    decodeTokensPerSecond: outputTokens > 1 && ended > firstOutputAt ? (outputTokens - 1) / ((ended - firstOutputAt) / 1000) : null,
  };
}
