import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Engine } from "../../engine/engine.js";
import { abortOnDisconnect } from "../abort-on-disconnect.js";
import type { GenerationRouteOptions } from "./generation-route-options.js";
import { answerEvents } from "../answer-events.js";
import { ChatCompletionAccumulator } from "../translate/openai/chat-completion-accumulator.js";
import { ChatCompletionChunkTranslator } from "../translate/openai/chat-completion-chunk-translator.js";
import { chatCompletionEventFormat } from "../translate/openai/chat-completion-event-format.js";
import { toChatGenerationRequest } from "../translate/openai/to-chat-generation-request.js";
import { sessionOf } from "../translate/session-of.js";
import type { ChatCompletionChunk } from "../wire/chat-completion-types.js";
import { ChatCompletionsRequestSchema, type ChatCompletionsRequest } from "../wire/chat-completions-request.js";

/**
 * `POST /v1/chat/completions`, OpenAI's API, streaming and not, on the same engine and the same generation events as
 * `/v1/messages`: every event also goes to the request's observation, for the access log and `/metrics`. The
 * security checks, the queue and the error handler are the app's; errors come out in OpenAI's shape
 * (`speaksOpenAi`).
 */
export function registerChatCompletionsRoute(app: FastifyInstance, options: GenerationRouteOptions): void {
  app.post<{ Body: ChatCompletionsRequest }>("/v1/chat/completions", { schema: { body: ChatCompletionsRequestSchema } }, async (request, reply) => {
    const abort = abortOnDisconnect(reply);
    const streaming = request.body.stream === true;
    const translator = new ChatCompletionChunkTranslator({
      id: options.generateId("chatcmpl"),
      model: request.body.model,
      created: Math.floor(Date.now() / 1000),
      generateId: options.generateId,
      // A non-streaming answer always carries usage; a stream only when asked for.
      includeUsage: !streaming || request.body.stream_options?.include_usage === true,
    });
    return answerEvents(reply, replyChunks(request, options.engine, translator, abort.signal), {
      stream: streaming,
      pingIntervalMs: options.pingIntervalMs ?? 10_000,
      format: chatCompletionEventFormat,
      accumulator: new ChatCompletionAccumulator(),
    });
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
