import type { FastifyReply, FastifyRequest } from "fastify";
import type { LingeringClose } from "./lingering-close.js";

/**
 * An `onRequest` hook, first of all, for a request that arrives on a connection already answered with
 * `Connection: close` (pipelined behind a refused body, read while the close lingers): it is not served, and its
 * body is read and dropped. Node would hand it to the routes, and a generation would start that nobody can receive.
 */
export function createDropRequestsAfterClose(lingeringClose: LingeringClose) {
  return async function dropRequestsAfterClose(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!lingeringClose.isClosing(request.raw.socket)) return;
    reply.hijack();
    request.raw.resume();
  };
}
