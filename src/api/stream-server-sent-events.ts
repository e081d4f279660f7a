import type { FastifyReply } from "fastify";
import { encodeServerSentEvent } from "./sse.js";
import { toServerError } from "./to-server-error.js";
import type { MessageStreamEvent } from "./wire/message-types.js";

export interface ServerSentEventStreamOptions {
  /** How often a `ping` is sent while nothing else is written. */
  readonly pingIntervalMs: number;
}

/**
 * Writes a message's events as a Server-Sent Events stream on the raw response and ends it: the headers, a `ping`
 * after `message_start` and whenever the stream is idle, and an error that happens once the stream has started
 * as an in-band `error` event. The `request-id` header, set on the raw response when the request arrived, goes
 * out with the headers written here.
 */
export async function streamServerSentEvents(
  reply: FastifyReply,
  first: IteratorResult<MessageStreamEvent>,
  events: AsyncIterator<MessageStreamEvent>,
  options: ServerSentEventStreamOptions,
): Promise<void> {
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
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
    if (Date.now() - lastWrite >= options.pingIntervalMs) write({ type: "ping" });
  }, Math.max(50, Math.floor(options.pingIntervalMs / 2)));
  try {
    for (let next = first; next.done !== true; next = await events.next()) {
      write(next.value);
      if (next.value.type === "message_start") write({ type: "ping" });
    }
  } catch (error) {
    // After the headers, an error can only be reported in-band; the SDK raises it as an APIError.
    const serverError = toServerError(error);
    reply.request.log.error({ err: error }, "generation failed after the stream started");
    write({ type: "error", error: { type: serverError.type, message: serverError.message } });
  } finally {
    clearInterval(pinger);
    response.end();
  }
}
