import type { FastifyReply, FastifyRequest } from "fastify";
import type { LingeringClose } from "./lingering-close.js";

/**
 * An `onSend` hook for answers given before the request's body has arrived (a refused Host, a missing key, a body
 * too large or compressed): the connection is closed after the answer. Otherwise Node would go on reading the
 * unwanted body to keep the connection alive, for as long as the client cares to send it. The close lingers, so
 * that a client still sending gets the answer rather than a reset.
 */
export function createCloseUnfinishedRequests(lingeringClose: LingeringClose) {
  return async function closeUnfinishedRequests(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    if (!request.raw.complete) {
      reply.header("connection", "close");
      lingeringClose.lingerOn(request.raw.socket);
    }
    return payload;
  };
}
