import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Engine } from "../../engine/engine.js";
import type { GenerationRequest } from "../../engine/generation-request.js";
import type { IdGenerator } from "../../util/create-id.js";
import { abortOnDisconnect } from "../abort-on-disconnect.js";
import { anthropicEventFormat } from "../anthropic-event-format.js";
import { streamServerSentEvents } from "../stream-server-sent-events.js";
import { AnthropicEventTranslator } from "../translate/anthropic-event-translator.js";
import { eagerInputTools } from "../translate/eager-input-tools.js";
import { MessageAccumulator } from "../translate/message-accumulator.js";
import { serverToolToAnswer } from "../translate/server-tool.js";
import { serverToolUnavailableEvents } from "../translate/server-tool-reply.js";
import { sessionOf } from "../translate/session-of.js";
import { toGenerationRequest, toPromptRequest } from "../translate/to-generation-request.js";
import type { MessageStreamEvent } from "../wire/message-types.js";
import { MessagesRequestSchema, type MessagesRequest } from "../wire/messages-request.js";

export interface MessagesRouteOptions {
  readonly engine: Engine;
  readonly generateId: IdGenerator;
  /** How often a streaming reply sends `ping` while nothing else is written. Defaults to 10 s. */
  readonly pingIntervalMs?: number;
}

/**
 * `POST /v1/messages`, streaming (SSE) and not, both built from the same event stream. Every generation event
 * also goes to the request's observation, for the access log and `/metrics`.
 */
export function registerMessagesRoute(app: FastifyInstance, options: MessagesRouteOptions): void {
  app.post<{ Body: MessagesRequest }>("/v1/messages", { schema: { body: MessagesRequestSchema } }, async (request, reply) => {
    const abort = abortOnDisconnect(reply);
    const events = replyEvents(request, options, abort.signal)[Symbol.asyncIterator]();
    // Wait for the first event before answering, so errors found while preparing the prompt (too long,
    // overloaded) still get a plain JSON error with the right status.
    const first = await events.next();
    if (request.body.stream === true) {
      await streamServerSentEvents(reply, first, events, { pingIntervalMs: options.pingIntervalMs ?? 10_000, format: anthropicEventFormat });
      return reply;
    }
    const accumulator = new MessageAccumulator();
    for (let next = first; next.done !== true; next = await events.next()) accumulator.add(next.value);
    return reply.send(accumulator.result());
  });
}

async function* replyEvents(
  request: FastifyRequest<{ Body: MessagesRequest }>,
  options: MessagesRouteOptions,
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
  const translator = new AnthropicEventTranslator(messageId, body.model, options.generateId);
  for await (const event of options.engine.generate(generationRequest, signal)) {
    request.observation.observe(event);
    yield* translator.translate(event);
  }
}
