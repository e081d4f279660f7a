import type { ServerResponse } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * An `onRequest` hook for the last request a keep-alive connection may carry (`maxRequestsPerSocket`). Node 20
 * marks that reply (`maxRequestsOnConnectionReached`) and writes `Connection: close` on it, but keeps the socket
 * open until the keep-alive timeout and answers any further request on it with a bare 503. A `Connection: close`
 * set by the application instead makes Node close the connection as soon as the reply is sent.
 */
export async function closeAtRequestLimit(_request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const response: ServerResponse & { readonly maxRequestsOnConnectionReached?: boolean } = reply.raw;
  if (response.maxRequestsOnConnectionReached === true) response.setHeader("connection", "close");
}
