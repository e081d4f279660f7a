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
  /** The upstream endpoint that served the generation; `null` for everything served here. */
  readonly upstream?: string | null;
}

// Local generations run from milliseconds (a cached short prompt) to many minutes (a long CPU prefill).
const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
const firstTokenBuckets = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

/**
 * Records what only the HTTP layer sees: requests by route and status, their durations, time to first token.
 * It keeps no clock and no per-request state: the times come from each request's `RequestObservation`.
 */
export class RequestMetrics {
  private readonly requests: Counter<"method" | "route" | "status" | "upstream">;
  private readonly durations: Histogram<"method" | "route" | "upstream">;
  private readonly firstTokens: Histogram<"upstream">;
  constructor(options: RequestMetricsOptions) {
    const registers = [options.registry];
    this.requests = new Counter({
      name: "pensieve_http_requests_total",
      help: "HTTP requests answered, by method, route and status code.",
      // `upstream` only on requests an upstream engine served: local series keep their labels.
      labelNames: ["method", "route", "status", "upstream"],
      registers,
    });
    this.durations = new Histogram({
      name: "pensieve_http_request_duration_seconds",
      help: "Time from a request's arrival to the end of its response (the whole stream for SSE).",
      labelNames: ["method", "route", "upstream"],
      buckets: durationBuckets,
      registers,
    });
    this.firstTokens = new Histogram({
      name: "pensieve_time_to_first_token_seconds",
      help: "Time from a generation request's arrival to its first generated token, queueing and prefill included.",
      labelNames: ["upstream"],
      buckets: firstTokenBuckets,
      registers,
    });
    // The local series is there, at zero, from the start: a scrape before the first token still shows it.
    this.firstTokens.zero({});
  }

  observeRequest(request: ObservedRequest): void {
    const upstream = request.upstream ?? null;
    const labels = upstream === null ? {} : { upstream };
    this.requests.inc({ method: request.method, route: request.route, status: String(request.status), ...labels });
    this.durations.observe({ method: request.method, route: request.route, ...labels }, request.durationSeconds);
  }

  /** One generation's time from its request's arrival to its first token. */
  observeFirstToken(seconds: number, upstream: string | null = null): void {
    this.firstTokens.observe(upstream === null ? {} : { upstream }, seconds);
  }
}
