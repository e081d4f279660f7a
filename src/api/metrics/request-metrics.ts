import { Counter, Histogram, type Registry } from "prom-client";

export interface RequestMetricsOptions {
  readonly registry: Registry;
}

export interface ObservedRequest {
  readonly method: string;
  /** The route's pattern (`/v1/models/:id`), never the raw URL, so the label set stays small. */
  readonly route: string;
  readonly status: number;
  readonly durationSeconds: number;
}

// Local generations run from milliseconds (a cached short prompt) to many minutes (a long CPU prefill).
const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
const firstTokenBuckets = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

/**
 * Records what only the HTTP layer sees: requests by route and status, their durations, time to first token.
 * It keeps no clock and no per-request state: the times come from each request's `RequestObservation`.
 */
export class RequestMetrics {
  private readonly requests: Counter<"method" | "route" | "status">;
  private readonly durations: Histogram<"method" | "route">;
  private readonly firstTokens: Histogram;
  constructor(options: RequestMetricsOptions) {
    const registers = [options.registry];
    this.requests = new Counter({
      name: "pensieve_http_requests_total",
      help: "HTTP requests answered, by method, route and status code.",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.durations = new Histogram({
      name: "pensieve_http_request_duration_seconds",
      help: "Time from a request's arrival to the end of its response (the whole stream for SSE).",
      labelNames: ["method", "route"],
      buckets: durationBuckets,
      registers,
    });
    this.firstTokens = new Histogram({
      name: "pensieve_time_to_first_token_seconds",
      help: "Time from a generation request's arrival to its first generated token, queueing and prefill included.",
      buckets: firstTokenBuckets,
      registers,
    });
  }

  observeRequest(request: ObservedRequest): void {
    this.requests.inc({ method: request.method, route: request.route, status: String(request.status) });
    this.durations.observe({ method: request.method, route: request.route }, request.durationSeconds);
  }

  /** One generation's time from its request's arrival to its first token. */
  observeFirstToken(seconds: number): void {
    this.firstTokens.observe(seconds);
  }
}
