import { Counter, Histogram, type Registry } from "prom-client";
import type { GenerationEvent } from "../../engine/generation-event.js";

export interface RequestMetricsOptions {
  readonly registry: Registry;
  /** A monotonic clock in milliseconds. Defaults to `performance.now`. */
  readonly now?: () => number;
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

/** Records what only the HTTP layer sees: requests by route and status, their durations, time to first token. */
export class RequestMetrics {
  private readonly now: () => number;
  private readonly requests: Counter<"method" | "route" | "status">;
  private readonly durations: Histogram<"method" | "route">;
  private readonly firstTokens: Histogram;
  /** Per request: when it arrived, and whether its first token has been counted. */
  private readonly timings = new WeakMap<object, { readonly arrivedMs: number; firstTokenSeen: boolean }>();

  constructor(options: RequestMetricsOptions) {
    this.now = options.now ?? (() => performance.now());
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

  observeFirstToken(seconds: number): void {
    this.firstTokens.observe(seconds);
  }

  /** Marks a request's arrival, the origin of its time to first token (the metrics route's onRequest hook). */
  observeArrival(request: object): void {
    this.timings.set(request, { arrivedMs: this.now(), firstTokenSeen: false });
  }

  /**
   * Feeds one generation event of a request: the first text, thinking or tool call is its first token. Without
   * an `observeArrival` the clock starts at the first event, which leaves queueing out.
   */
  observeGenerationEvent(request: object, event: GenerationEvent): void {
    let timing = this.timings.get(request);
    if (timing === undefined) {
      timing = { arrivedMs: this.now(), firstTokenSeen: false };
      this.timings.set(request, timing);
    }
    if (timing.firstTokenSeen || !isTokenEvent(event)) return;
    timing.firstTokenSeen = true;
    this.observeFirstToken((this.now() - timing.arrivedMs) / 1000);
  }
}

function isTokenEvent(event: GenerationEvent): boolean {
  return event.type === "text-delta" || event.type === "thinking-delta" || event.type === "tool-call";
}
