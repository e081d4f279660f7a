import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Engine } from "../../engine/engine.js";
import type { IdGenerator } from "../../util/create-id.js";
import { abortOnDisconnect } from "../abort-on-disconnect.js";
import { streamServerSentEvents } from "../stream-server-sent-events.js";
import { ChatCompletionAccumulator } from "../translate/openai/chat-completion-accumulator.js";
import { ChatCompletionChunkTranslator } from "../translate/openai/chat-completion-chunk-translator.js";
import { chatCompletionEventFormat } from "../translate/openai/chat-completion-event-format.js";
import { toChatGenerationRequest } from "../translate/openai/to-chat-generation-request.js";
import { sessionOf } from "../translate/session-of.js";
import type { ChatCompletionChunk } from "../wire/chat-completion-types.js";
import { ChatCompletionsRequestSchema, type ChatCompletionsRequest } from "../wire/chat-completions-request.js";

export interface ChatCompletionsRouteOptions {
  readonly engine: Engine;
  readonly generateId: IdGenerator;
  /** How often a streaming reply sends a keep-alive comment while nothing else is written. Defaults to 10 s. */
  readonly pingIntervalMs?: number;
  /** Wall-clock milliseconds, for each completion's `created`. Defaults to `Date.now`. */
  readonly clock?: () => number;
}

/**
 * `POST /v1/chat/completions`, OpenAI's API, streaming and not, on the same engine and the same generation events as
 * `/v1/messages`: every event also goes to the request's observation, for the access log and `/metrics`. The
 * security checks, the queue and the error handler are the app's; errors come out in OpenAI's shape
 * (`speaksOpenAi`).
 */
export function registerChatCompletionsRoute(app: FastifyInstance, options: ChatCompletionsRouteOptions): void {
  app.post<{ Body: ChatCompletionsRequest }>("/v1/chat/completions", { schema: { body: ChatCompletionsRequestSchema } }, async (request, reply) => {
    const abort = abortOnDisconnect(reply);
    const streaming = request.body.stream === true;
    const translator = new ChatCompletionChunkTranslator({
      id: options.generateId("chatcmpl"),
      model: request.body.model,
      created: Math.floor((options.clock ?? Date.now)() / 1000),
      generateId: options.generateId,
      // A non-streaming answer always carries usage; a stream only when asked for.
      includeUsage: !streaming || request.body.stream_options?.include_usage === true,
    });
    const chunks = replyChunks(request, options.engine, translator, abort.signal)[Symbol.asyncIterator]();
    // Wait for the first chunk before answering, so errors found while preparing the prompt (too long, overloaded)
    // still get a plain JSON error with the right status.
    const first = await chunks.next();
    if (streaming) {
      await streamServerSentEvents(reply, first, chunks, { pingIntervalMs: options.pingIntervalMs ?? 10_000, format: chatCompletionEventFormat });
      return reply;
    }
    const accumulator = new ChatCompletionAccumulator();
    for (let next = first; next.done !== true; next = await chunks.next()) accumulator.add(next.value);
    return reply.send(accumulator.result());
  });
}

async function* replyChunks(
  request: FastifyRequest<{ Body: ChatCompletionsRequest }>,
  engine: Engine,
  translator: ChatCompletionChunkTranslator,
  signal: AbortSignal,
): AsyncGenerator<ChatCompletionChunk> {
  const session = sessionOf(request.headers, request.body);
  const generationRequest = { ...toChatGenerationRequest(request.body), ...(session !== null ? { session } : {}) };
  for await (const event of engine.generate(generationRequest, signal)) {
    request.observation.observe(event);
    yield* translator.translate(event);
  }
}
