import { PromptTooLongError, UpstreamFailedError } from "../engine-errors.js";
import { RetryableUpstreamError } from "./retryable-upstream-error.js";
import type { GenerationEvent, GenerationUsage, StopReason } from "../generation-event.js";
import type { GenerationRequest } from "../generation-request.js";
import { readChatCompletionChunks, type ChatCompletionChunk } from "./chat-completion-chunk.js";
import { toChatCompletionBody } from "./chat-completion-body.js";
import { contextOverflowOf, errorMessageOf } from "./context-overflow.js";
import { StopSequenceScanner } from "./stop-sequence-scanner.js";
import type { UpstreamEndpoint } from "./upstream-endpoint.js";
import { UpstreamToolCalls } from "./upstream-tool-calls.js";

/** A reply's events without `start`: the engine sends that once the reply has begun. */
export type ReplyEvent = Exclude<GenerationEvent, { type: "start" }>;

export interface UpstreamReplyOptions {
  readonly endpoint: UpstreamEndpoint;
  readonly model: string;
  readonly request: GenerationRequest;
  /** Extra request headers (the routing key, with `affinity: forward`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly fetch: typeof fetch;
  readonly signal: AbortSignal;
  readonly log?: (level: "warn", message: string) => void;
}

/**
 * One attempt at a generation on one endpoint: posts the Chat Completions request and turns its stream into the
 * engine's events. Stop sequences are found here (see `StopSequenceScanner`; a match ends the upstream request),
 * tool arguments are accumulated and checked, and usage is reported as prompt tokens minus the cached ones.
 * Throws `PromptTooLongError` for an upstream's context overflow, `RetryableUpstreamError` for failures another
 * endpoint may not have, and `UpstreamFailedError` for the rest.
 */
export async function* upstreamReply(options: UpstreamReplyOptions): AsyncGenerator<ReplyEvent> {
  const { endpoint, request } = options;
  const abort = new AbortController();
  const onAbort = (): void => abort.abort(options.signal.reason);
  options.signal.addEventListener("abort", onAbort, { once: true });
  try {
    const response = await postClamped(options, abort.signal);
    const pending: ReplyEvent[] = [];
    const scanner = new StopSequenceScanner(request.stopSequences);
    const calls = new UpstreamToolCalls(request, (event) => pending.push(event as ReplyEvent), options.log);
    let finishReason: string | null = null;
    let stopSequence: string | null = null;
    let usage: ChatCompletionChunk["usage"] = null;
    let timings: ChatCompletionChunk["timings"] = null;
    let contentChunks = 0;
    try {
      for await (const chunk of readChatCompletionChunks(response.body as AsyncIterable<Uint8Array>)) {
        if (chunk.error !== undefined && chunk.error !== null) {
          throw new UpstreamFailedError(`upstream ${endpoint.url}: ${typeof chunk.error === "string" ? chunk.error : (chunk.error.message ?? "error")}`, false);
        }
        usage = chunk.usage ?? usage;
        timings = chunk.timings ?? timings;
        const choice = chunk.choices?.[0];
        const delta = choice?.delta;
        const reasoning = delta?.reasoning_content ?? delta?.reasoning;
        if (typeof reasoning === "string" && reasoning !== "") {
          contentChunks += 1;
          pending.push({ type: "thinking-delta", text: reasoning });
        }
        if (typeof delta?.content === "string" && delta.content !== "") {
          contentChunks += 1;
          const scanned = scanner.push(delta.content);
          if (scanned.text !== "") pending.push({ type: "text-delta", text: scanned.text });
          if (scanned.stopSequence !== null) stopSequence = scanned.stopSequence;
        }
        for (const call of delta?.tool_calls ?? []) {
          if (!calls.inProgress) flushText(scanner, pending);
          contentChunks += 1;
          calls.add(call);
        }
        finishReason = choice?.finish_reason ?? finishReason;
        yield* pending.splice(0);
        if (stopSequence !== null) break;
      }
    } catch (error) {
      if (options.signal.aborted) throw error;
      if (error instanceof UpstreamFailedError) throw error;
      throw new RetryableUpstreamError(`upstream ${endpoint.url} cut the reply short: ${(error as Error).message}`, false, false);
    }
    if (stopSequence === null && finishReason === null && !options.signal.aborted) {
      throw new RetryableUpstreamError(`upstream ${endpoint.url} ended the reply without a finish reason`, false, false);
    }
    if (stopSequence === null) flushText(scanner, pending);
    if (finishReason === "length" || stopSequence !== null) calls.cut();
    else calls.complete();
    yield* pending.splice(0);
    const stopReason: StopReason =
      stopSequence !== null ? "stop-sequence" : finishReason === "length" ? "max-tokens" : calls.completed > 0 ? "tool-use" : "end-turn";
    yield { type: "finish", stopReason, stopSequence, usage: usageOf(usage, timings, contentChunks) };
  } finally {
    options.signal.removeEventListener("abort", onAbort);
    // Ends the upstream request when the reply stops early: a stop sequence, a client gone, an error.
    abort.abort();
  }
}

function flushText(scanner: StopSequenceScanner, pending: ReplyEvent[]): void {
  const text = scanner.flush();
  if (text !== "") pending.push({ type: "text-delta", text });
}

/** Room left for the reply in the upstream's context, when it refused `max_tokens` as too large for a prompt that fits. */
class MaxTokensTooLarge extends Error {
  constructor(readonly room: number) {
    super(`max_tokens is too large: ${room} tokens are left`);
  }
}

/**
 * Posts the request; where the upstream refuses a `max_tokens` the context cannot hold (vLLM, SGLang: the local
 * engine clamps it instead), posts it again with what the context has left.
 */
async function postClamped(options: UpstreamReplyOptions, signal: AbortSignal): Promise<Response> {
  try {
    return await post(options, signal);
  } catch (error) {
    if (!(error instanceof MaxTokensTooLarge)) throw error;
    return post({ ...options, request: { ...options.request, maxTokens: error.room } }, signal);
  }
}

async function post(options: UpstreamReplyOptions, signal: AbortSignal): Promise<Response> {
  const { endpoint } = options;
  const body = toChatCompletionBody(options.request, options.model, endpoint.dialect);
  const send = (): Promise<Response> =>
    options.fetch(`${endpoint.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", ...options.headers },
      body: JSON.stringify(body),
      signal,
    });
  let response: Response;
  try {
    // A keep-alive connection the server closed as it was reused fails before any answer: sent again once.
    response = await send().catch((error: unknown) => {
      if (options.signal.aborted || !staleConnectionCodes.has(causeOf(error))) throw error;
      return send();
    });
  } catch (error) {
    if (options.signal.aborted) throw error;
    const cause = causeOf(error);
    throw new RetryableUpstreamError(`upstream ${endpoint.url} is unreachable: ${cause}`, unreachableCodes.has(cause), false);
  }
  if (response.ok && response.body !== null) return response;
  const text = await response.text().catch(() => "");
  const overflow = contextOverflowOf(text);
  if (overflow !== null && overflow.promptTokens !== null && overflow.promptTokens < overflow.maxTokens && overflow.maxTokens - overflow.promptTokens < options.request.maxTokens) {
    throw new MaxTokensTooLarge(overflow.maxTokens - overflow.promptTokens);
  }
  if (overflow !== null) throw new PromptTooLongError(overflow.promptTokens ?? overflow.maxTokens + 1, overflow.maxTokens);
  const message = `upstream ${endpoint.url} answered ${response.status}: ${errorMessageOf(text)}`;
  // 429 and 503 are a busy (or still loading) endpoint: when every endpoint says so, the client gets 529.
  if (response.status === 429 || response.status === 408 || response.status >= 500) throw new RetryableUpstreamError(message, false, response.status === 429 || response.status === 503);
  throw new UpstreamFailedError(message, true);
}

/** Prompt tokens minus the cached ones, and the cached ones apart: `prompt_tokens_details` where reported, else llama-server's `timings`. */
function usageOf(usage: ChatCompletionChunk["usage"], timings: ChatCompletionChunk["timings"], contentChunks: number): GenerationUsage {
  const prompt = usage?.prompt_tokens ?? (timings?.prompt_n ?? 0) + (timings?.cache_n ?? 0);
  const cached = Math.min(prompt, usage?.prompt_tokens_details?.cached_tokens ?? timings?.cache_n ?? 0);
  // A reply ended at a stop sequence has no final usage: each streamed chunk is about one token.
  return { inputTokens: prompt - cached, cachedInputTokens: cached, outputTokens: usage?.completion_tokens ?? contentChunks };
}

/** Errors that say nothing listens there: the endpoint's breaker opens at once. */
const unreachableCodes = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
/** Errors of a connection that died between requests, worth one more try on a fresh one. */
const staleConnectionCodes = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return (error as Error).message;
}
