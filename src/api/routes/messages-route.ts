import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Engine } from "../../engine/engine.js";
import type { GenerationEvent } from "../../engine/generation-event.js";
import type { IdGenerator } from "../../util/create-id.js";
import { encodeServerSentEvent } from "../sse.js";
import { toServerError } from "../to-server-error.js";
import { AnthropicEventTranslator } from "../translate/anthropic-event-translator.js";
import { MessageAccumulator } from "../translate/message-accumulator.js";
import { toGenerationRequest } from "../translate/to-generation-request.js";
import { MessagesRequestSchema, type MessagesRequest } from "../wire/messages-request.js";
import { recordUsage } from "./request-log.js";

export interface MessagesRouteOptions {
  readonly engine: Engine;
  readonly generateId: IdGenerator;
  /** How often a streaming reply sends `ping` while nothing else is written. Defaults to 10 s. */
  readonly pingIntervalMs?: number;
}

/** `POST /v1/messages`, streaming (SSE) and not, both built from the same event stream. */
export function registerMessagesRoute(app: FastifyInstance, options: MessagesRouteOptions): void {
  app.post<{ Body: MessagesRequest }>("/v1/messages", { schema: { body: MessagesRequestSchema } }, async (request, reply) => {
    const generationRequest = toGenerationRequest(request.body);
    const abort = abortOnDisconnect(reply);
    const events = options.engine.generate(generationRequest, abort.signal)[Symbol.asyncIterator]();
    // Wait for the first event before answering, so errors found while preparing the prompt (too long,
    // overloaded) still get a plain JSON error with the right status.
    const first = await events.next();
    const translator = new AnthropicEventTranslator(options.generateId("msg"), request.body.model);
    if (request.body.stream === true) {
      await streamEvents(request, reply, first, events, translator, options.pingIntervalMs ?? 10_000);
      return reply;
    }
    const accumulator = new MessageAccumulator();
    for (let next = first; next.done !== true; next = await events.next()) {
      recordUsage(request, next.value);
      for (const event of translator.translate(next.value)) accumulator.add(event);
    }
    return reply.send(accumulator.result());
  });
}

async function streamEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  first: IteratorResult<GenerationEvent>,
  events: AsyncIterator<GenerationEvent>,
  translator: AnthropicEventTranslator,
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
  const write = (payload: string): void => {
    if (response.writableEnded || response.destroyed) return;
    response.write(payload);
    lastWrite = Date.now();
  };
  // Keeps clients' first-byte and idle timers from firing while a long prompt is still being evaluated.
  const pinger = setInterval(() => {
    if (Date.now() - lastWrite >= pingIntervalMs) write(encodeServerSentEvent({ type: "ping" }));
  }, Math.max(50, Math.floor(pingIntervalMs / 2)));
  try {
    let sentPing = false;
    for (let next = first; next.done !== true; next = await events.next()) {
      recordUsage(request, next.value);
      for (const event of translator.translate(next.value)) {
        write(encodeServerSentEvent(event));
        if (event.type === "message_start" && !sentPing) {
          sentPing = true;
          write(encodeServerSentEvent({ type: "ping" }));
        }
      }
    }
  } catch (error) {
    // After the headers, an error can only be reported in-band; the SDK raises it as an APIError.
    const serverError = toServerError(error);
    request.log.error({ err: error }, "generation failed after the stream started");
    write(encodeServerSentEvent({ type: "error", error: { type: serverError.type, message: serverError.message } }));
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
