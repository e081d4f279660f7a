import type { RequestEndedListener } from "../observation/register-request-observation.js";
import type { RequestMetrics } from "./request-metrics.js";

/** Counts every ended request, its route, status and duration; a stream counts when it ends or its client leaves. */
export function countRequests(metrics: RequestMetrics): RequestEndedListener {
  return (request, reply) => {
    metrics.observeRequest({
      method: request.method,
      // Unrouted requests (404s) share one label: raw URLs would give every typo its own series.
      route: request.routeOptions.url ?? "unmatched",
      status: reply.statusCode,
      durationSeconds: request.observation.durationMs / 1000,
      upstream: request.observation.upstream,
    });
  };
}
