import type { FastifyReply } from "fastify";
import { streamServerSentEvents, type ServerSentEventFormat } from "./stream-server-sent-events.js";

/** Folds a reply's events into the one body a non-streaming request gets. */
export interface EventAccumulator<Event> {
  add(event: Event): void;
  result(): unknown;
}

export interface AnswerEventsOptions<Event> {
  /** Stream the events (SSE) rather than answer their folded result. */
  readonly stream: boolean;
  readonly pingIntervalMs: number;
  readonly format: ServerSentEventFormat<Event>;
  readonly accumulator: EventAccumulator<Event>;
}

/**
 * Answers a generation request from its events, as a stream or as one folded body, so both come from the same
 * events. The first event is awaited before anything is written: errors found while preparing the prompt (too
 * long, overloaded) still get a plain JSON error with the right status.
 */
export async function answerEvents<Event>(reply: FastifyReply, events: AsyncIterable<Event>, options: AnswerEventsOptions<Event>): Promise<FastifyReply> {
  const iterator = events[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (options.stream) {
    await streamServerSentEvents(reply, first, iterator, { pingIntervalMs: options.pingIntervalMs, format: options.format });
    return reply;
  }
  for (let next = first; next.done !== true; next = await iterator.next()) options.accumulator.add(next.value);
  return reply.send(options.accumulator.result());
}
