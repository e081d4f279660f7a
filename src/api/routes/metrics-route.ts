import type { FastifyInstance } from "fastify";
import type { ServerMetrics } from "../metrics/server-metrics.js";

/**
 * `GET /metrics` in Prometheus' text format, and the hook that counts every answered request: its route, status
 * and duration, read from its `RequestObservation` (register after `registerRequestObservation`). Streams count
 * when they end.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook("onResponse", async (request, reply) => {
    metrics.requests.observeRequest({
      method: request.method,
      // Unrouted requests (404s) share one label: raw URLs would give every typo its own series.
      route: request.routeOptions.url ?? "unmatched",
      status: reply.statusCode,
      durationSeconds: request.observation.durationMs / 1000,
    });
  });
  app.get("/metrics", async (_request, reply) => {
    const { contentType, text } = await metrics.scrape();
    return reply.type(contentType).send(text);
  });
}
