import type { FastifyInstance } from "fastify";
import type { ServerMetrics } from "../metrics/server-metrics.js";

/** `GET /metrics` in Prometheus' text format. Requests are counted by `countRequests` as they end. */
export function registerMetricsRoute(app: FastifyInstance, metrics: ServerMetrics): void {
  app.get("/metrics", async (_request, reply) => {
    const { contentType, text } = await metrics.scrape();
    return reply.type(contentType).send(text);
  });
}
