import type { FastifyReply, FastifyRequest } from "fastify";

/** The header that carries a request's id on every answer; the SDK reads it into errors' `requestID`. */
export const requestIdHeader = "request-id";

/**
 * Puts the request's id on the raw response, so that every way out carries it: Fastify's replies (answers and
 * errors alike) and streams written with `writeHead` after a hijack, which merges headers set here.
 */
export function setRequestIdHeader(request: FastifyRequest, reply: FastifyReply): void {
  reply.raw.setHeader(requestIdHeader, request.id);
}
