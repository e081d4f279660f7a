import type { FastifyReply } from "fastify";
import type { ServerError } from "./server-error.js";
import { toServerError } from "./to-server-error.js";

/** How one API writes its events as Server-Sent Events frames. */
export interface ServerSentEventFormat<Event> {
  /** The frames of one event (Anthropic's follow `message_start` with a `ping`). */
  encode(event: Event): string;
  /** A frame that keeps an idle stream alive and that clients skip. */
  readonly ping: string;
  /** The frame of an error that happens once the stream has started; `cause` is what was thrown. */
  error(error: ServerError, cause: unknown): string;
  /** What follows the last event of a complete stream (OpenAI's `[DONE]`). */
  readonly end: string;
}

export interface ServerSentEventStreamOptions<Event> {
  /** How often a ping is sent while nothing else is written. */
  readonly pingIntervalMs: number;
  readonly format: ServerSentEventFormat<Event>;
}

/**
 * Writes a reply's events as a Server-Sent Events stream on the raw response and ends it: the headers, a ping
 * whenever the stream is idle, and an error that happens once the stream has started as an in-band error frame.
 * The `request-id` header, set on the raw response when the request arrived, goes out with the headers written here.
 */
export async function streamServerSentEvents<Event>(
  reply: FastifyReply,
  first: IteratorResult<Event>,
  events: AsyncIterator<Event>,
  options: ServerSentEventStreamOptions<Event>,
): Promise<void> {
  const format = options.format;
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
  });
  let lastWrite = Date.now();
  const write = (frames: string): void => {
    if (response.writableEnded || response.destroyed || frames === "") return;
    response.write(frames);
    lastWrite = Date.now();
  };
  // Keeps clients' first-byte and idle timers from firing while a long prompt is still being evaluated.
  const pinger = setInterval(() => {
    if (Date.now() - lastWrite >= options.pingIntervalMs) write(format.ping);
  }, Math.max(50, Math.floor(options.pingIntervalMs / 2)));
  try {
    for (let next = first; next.done !== true; next = await events.next()) write(format.encode(next.value));
    write(format.end);
  } catch (error) {
    // After the headers, an error can only be reported in-band; the SDKs raise it as an APIError.
    reply.request.log.error({ err: error }, "generation failed after the stream started");
    write(format.error(toServerError(error), error));
  } finally {
    clearInterval(pinger);
    response.end();
  }
}
