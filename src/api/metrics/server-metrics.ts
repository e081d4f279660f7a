import { Registry } from "prom-client";
import type { Engine } from "../../engine/engine.js";
import { registerEngineMetrics } from "./engine-metrics.js";
import { registerProcessMetrics, type PerformanceReadings } from "./process-metrics.js";
import { RequestMetrics } from "./request-metrics.js";
import { registerUpstreamMetrics } from "./upstream-metrics.js";

export interface ServerMetricsOptions {
  readonly engine: Engine;
  /** A started `PerformanceMonitor`; without one, `/metrics` has no process CPU and memory series. */
  readonly monitor?: PerformanceReadings | undefined;
}

/**
 * Everything `GET /metrics` reports, in a registry of its own rather than prom-client's global one: each app
 * (several per test file) gets fresh metrics, and nothing registers twice.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: RequestMetrics;

  constructor(options: ServerMetricsOptions) {
    this.requests = new RequestMetrics({ registry: this.registry });
    registerEngineMetrics(this.registry, options.engine);
    registerUpstreamMetrics(this.registry, options.engine);
    if (options.monitor !== undefined) registerProcessMetrics(this.registry, options.monitor);
  }

  /** The Prometheus text exposition of every metric, collected now. */
  async scrape(): Promise<{ readonly contentType: string; readonly text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
