import type { FastifyInstance } from "fastify";
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

/**
 * Gives each request its `RequestObservation` as it arrives and ends it when the response is complete. Register
 * before any other hook: the security checks can answer a request on arrival, and the `onResponse` hooks that
 * read the observation (the access log, `/metrics`) must run after it has ended.
 */
export function registerRequestObservation(app: FastifyInstance, options: RequestObservationOptions): void {
  app.decorateRequest("observation");
  app.addHook("onRequest", async (request) => {
    request.observation = new RequestObservation(options);
  });
  app.addHook("onResponse", async (request) => {
    request.observation.end();
  });
}
