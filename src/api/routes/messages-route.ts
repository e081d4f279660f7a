import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Engine } from "../../engine/engine.js";
import type { GenerationRequest } from "../../engine/generation-request.js";
import type { IdGenerator } from "../../util/create-id.js";
import type { RequestMetrics } from "../metrics/request-metrics.js";
import { encodeServerSentEvent } from "../sse.js";
import { toServerError } from "../to-server-error.js";
import { AnthropicEventTranslator } from "../translate/anthropic-event-translator.js";
import { MessageAccumulator } from "../translate/message-accumulator.js";
import { serverToolUnavailableEvents, soleServerTool } from "../translate/server-tool-reply.js";
import { sessionOf } from "../translate/session-of.js";
import { toGenerationRequest, toPromptRequest } from "../translate/to-generation-request.js";
import type { MessageStreamEvent } from "../wire/message-types.js";
import { MessagesRequestSchema, type MessagesRequest } from "../wire/messages-request.js";
import { recordUsage } from "./request-log.js";

export interface MessagesRouteOptions {
  readonly engine: Engine;
  readonly generateId: IdGenerator;
  /** How often a streaming reply sends `ping` while nothing else is written. Defaults to 10 s. */
  readonly pingIntervalMs?: number;
  /** Sees every generation event, for the time to first token. Defaults to none. */
  readonly requestMetrics?: RequestMetrics;
  /** Keep the reply for the access log (`--log-prompts`). Defaults to `false`. */
  readonly logPrompts?: boolean;
}

/** `POST /v1/messages`, streaming (SSE) and not, both built from the same event stream. */
export function registerMessagesRoute(app: FastifyInstance, options: MessagesRouteOptions): void {
  app.post<{ Body: MessagesRequest }>("/v1/messages", { schema: { body: MessagesRequestSchema } }, async (request, reply) => {
    const abort = abortOnDisconnect(reply);
    const events = replyEvents(request, options, abort.signal)[Symbol.asyncIterator]();
    // Wait for the first event before answering, so errors found while preparing the prompt (too long,
    // overloaded) still get a plain JSON error with the right status.
    const first = await events.next();
    if (request.body.stream === true) {
      await streamEvents(request, reply, first, events, options.pingIntervalMs ?? 10_000);
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
  const serverTool = soleServerTool(body);
  if (serverTool !== null) {
    const inputTokens = await options.engine.countTokens(toPromptRequest(body));
    yield* serverToolUnavailableEvents({ body, tool: serverTool, inputTokens, messageId, generateId: options.generateId });
    return;
  }
  const session = sessionOf(request.headers, body);
  const generationRequest: GenerationRequest = { ...toGenerationRequest(body), ...(session !== null ? { session } : {}) };
  const translator = new AnthropicEventTranslator(messageId, body.model);
  for await (const event of options.engine.generate(generationRequest, signal)) {
    recordUsage(request, event, options.logPrompts === true);
    options.requestMetrics?.observeGenerationEvent(request, event);
    yield* translator.translate(event);
  }
}

async function streamEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  first: IteratorResult<MessageStreamEvent>,
  events: AsyncIterator<MessageStreamEvent>,
  pingIntervalMs: number,
): Promise<void> {
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "request-id": request.id,
    "x-accel-buffering": "no",
  });
  let lastWrite = Date.now();
  const write = <Event extends { readonly type: string }>(event: Event): void => {
    if (response.writableEnded || response.destroyed) return;
    response.write(encodeServerSentEvent(event));
    lastWrite = Date.now();
  };
  // Keeps clients' first-byte and idle timers from firing while a long prompt is still being evaluated.
  const pinger = setInterval(() => {
    if (Date.now() - lastWrite >= pingIntervalMs) write({ type: "ping" });
  }, Math.max(50, Math.floor(pingIntervalMs / 2)));
  try {
    for (let next = first; next.done !== true; next = await events.next()) {
      write(next.value);
      if (next.value.type === "message_start") write({ type: "ping" });
    }
  } catch (error) {
    // After the headers, an error can only be reported in-band; the SDK raises it as an APIError.
    const serverError = toServerError(error);
    request.log.error({ err: error }, "generation failed after the stream started");
    write({ type: "error", error: { type: serverError.type, message: serverError.message } });
  } finally {
    clearInterval(pinger);
    response.end();
  }
}

/** Aborts when the client goes away before the response is complete; an abort is not an error. */
function abortOnDisconnect(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) controller.abort(new Error("client disconnected"));
  });
  return controller;
}
