import type { FastifyInstance, FastifyRequest } from "fastify";
import type { GenerationRequest } from "../../engine/generation-request.js";
import { abortOnDisconnect } from "../abort-on-disconnect.js";
import type { GenerationRouteOptions } from "./generation-route-options.js";
import { anthropicEventFormat } from "../anthropic-event-format.js";
import { answerEvents } from "../answer-events.js";
import { AnthropicEventTranslator } from "../translate/anthropic-event-translator.js";
import { eagerInputTools } from "../translate/eager-input-tools.js";
import { MessageAccumulator } from "../translate/message-accumulator.js";
import { serverToolToAnswer } from "../translate/server-tool.js";
import { serverToolUnavailableEvents } from "../translate/server-tool-reply.js";
import { sessionOf } from "../translate/session-of.js";
import { toGenerationRequest, toPromptRequest } from "../translate/to-generation-request.js";
import type { MessageStreamEvent } from "../wire/message-types.js";
import { MessagesRequestSchema, type MessagesRequest } from "../wire/messages-request.js";

/**
 * `POST /v1/messages`, streaming (SSE) and not, both built from the same event stream. Every generation event
 * also goes to the request's observation, for the access log and `/metrics`.
 */
export function registerMessagesRoute(app: FastifyInstance, options: GenerationRouteOptions): void {
  app.post<{ Body: MessagesRequest }>("/v1/messages", { schema: { body: MessagesRequestSchema } }, async (request, reply) => {
    const abort = abortOnDisconnect(reply);
    return answerEvents(reply, replyEvents(request, options, abort.signal), {
      stream: request.body.stream === true,
      pingIntervalMs: options.pingIntervalMs ?? 10_000,
      format: anthropicEventFormat,
      accumulator: new MessageAccumulator(),
    });
  });
}

async function* replyEvents(
  request: FastifyRequest<{ Body: MessagesRequest }>,
  options: GenerationRouteOptions,
  signal: AbortSignal,
): AsyncGenerator<MessageStreamEvent> {
  const body = request.body;
  const messageId = options.generateId("msg");
  const serverTool = serverToolToAnswer(body);
  if (serverTool !== null) {
    const inputTokens = await options.engine.countTokens(toPromptRequest(body));
    yield* serverToolUnavailableEvents({ body, tool: serverTool, inputTokens, messageId, generateId: options.generateId });
    return;
  }
  const session = sessionOf(request.headers, body);
  const generationRequest: GenerationRequest = {
    ...toGenerationRequest(body),
    eagerInputTools: eagerInputTools(body, request.headers["anthropic-beta"]),
    ...(session !== null ? { session } : {}),
  };
  const omitThinking = (body.thinking as { display?: unknown } | undefined)?.display === "omitted";
  const translator = new AnthropicEventTranslator(messageId, body.model, options.generateId, omitThinking);
  for await (const event of options.engine.generate(generationRequest, signal)) {
    request.observation.observe(event);
    yield* translator.translate(event);
  }
}
