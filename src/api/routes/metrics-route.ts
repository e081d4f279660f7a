import type { FastifyInstance } from "fastify";
import type { ServerMetrics } from "../metrics/server-metrics.js";

/**
 * `GET /metrics` in Prometheus' text format, and the hooks that count every request: its arrival (the origin of
 * time to first token) and, once answered, its route, status and duration. Streams count when they end.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook("onRequest", async (request) => {
    metrics.requests.observeArrival(request);
  });
  app.addHook("onResponse", async (request, reply) => {
    metrics.requests.observeRequest({
      method: request.method,
      // Unrouted requests (404s) share one label: raw URLs would give every typo its own series.
      route: request.routeOptions.url ?? "unmatched",
      status: reply.statusCode,
      durationSeconds: reply.elapsedTime / 1000,
    });
  });
  app.get("/metrics", async (_request, reply) => {
    const { contentType, text } = await metrics.scrape();
    return reply.type(contentType).send(text);
  });
}
