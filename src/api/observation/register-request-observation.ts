import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { RequestObservation, type RequestObservationOptions } from "./request-observation.js";

declare module "fastify" {
  interface FastifyRequest {
    /**
     * What this request did, on the app's clock from its arrival. Set by the first `onRequest` hook, so every
     * later hook and every handler sees one (only requests Fastify refuses before routing never get one).
     */
    observation: RequestObservation;
  }
}

/** Told once per request when its response is complete, or when its client left before that. */
export type RequestEndedListener = (request: FastifyRequest, reply: FastifyReply) => void;

/**
 * Gives each request its `RequestObservation` as it arrives and ends it once: when the response is complete
 * (Fastify's `onResponse`), or when the client closes the connection first, which Fastify never reports for a
 * streamed reply. Each listener (the access log, `/metrics`, the live page) then reads the ended observation.
 * Register before any other hook: the security checks can answer a request on arrival.
 */
export function registerRequestObservation(
  app: FastifyInstance,
  options: RequestObservationOptions,
  listeners: readonly RequestEndedListener[],
): void {
  app.decorateRequest("observation");
  const ended = (request: FastifyRequest, reply: FastifyReply, abandoned: boolean): void => {
    if (!request.observation.end(abandoned)) return;
    for (const listener of listeners) listener(request, reply);
  };
  app.addHook("onRequest", async (request, reply) => {
    request.observation = new RequestObservation(options);
    reply.raw.once("close", () => {
      if (!reply.raw.writableFinished) ended(request, reply, true);
    });
  });
  app.addHook("onResponse", async (request, reply) => ended(request, reply, false));
}
