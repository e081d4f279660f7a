import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * An `onSend` hook for answers given before the request's body has arrived (a refused Host, a missing key, a body
 * too large or compressed): the connection is closed after the answer. Otherwise Node would go on reading the
 * unwanted body to keep the connection alive, for as long as the client cares to send it.
 */
export async function closeUnfinishedRequests(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (!request.raw.complete) reply.header("connection", "close");
  return payload;
}
