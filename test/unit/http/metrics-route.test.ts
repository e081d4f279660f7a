import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import { PerformanceMonitor } from "../../../src/util/performance-monitor.js";
import { parsePrometheusText, sampleValue } from "../../helpers/prometheus-text.js";
import { ScriptedEngine, sequentialIds, textEvents } from "../../helpers/scripted-engine.js";

const body = { model: "claude-sonnet-5", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] };

/** The app as createApp builds it: `/metrics` is its own, with the monitor passed as an option. */
function appWithMetrics(options: { monitor?: PerformanceMonitor } = {}) {
  const monitorOption = options.monitor !== undefined ? { monitor: options.monitor } : {};
  return createApp({ engine: ScriptedEngine.replaying(textEvents), generateId: sequentialIds(), ...monitorOption });
}

async function scrape(app: ReturnType<typeof appWithMetrics>) {
  const response = await app.inject({ method: "GET", url: "/metrics" });
  expect(response.statusCode).toBe(200);
  return parsePrometheusText(response.body);
}

describe("GET /metrics (in process, scripted engine)", () => {
  it("is served by every app createApp builds", () => {
    expect(appWithMetrics().hasRoute({ method: "GET", url: "/metrics" })).toBe(true);
  });

  it("answers Prometheus' text format", async () => {
    const response = await appWithMetrics().inject({ method: "GET", url: "/metrics" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(response.body).toContain("# TYPE pensieve_http_requests_total counter");
    expect(response.body).toContain("# TYPE pensieve_time_to_first_token_seconds histogram");
  });

  it("counts requests by route pattern and status, streams and errors included", async () => {
    const app = appWithMetrics();
    await app.inject({ method: "POST", url: "/v1/messages", payload: body });
    await app.inject({ method: "POST", url: "/v1/messages?beta=true", payload: { ...body, stream: true } });
    await app.inject({ method: "POST", url: "/v1/messages", payload: { ...body, max_tokens: "many" } });
    await app.inject({ method: "GET", url: "/v1/models/claude-opus-5" });
    await app.inject({ method: "GET", url: "/no/such/path" });
    const samples = await scrape(app);
    const requests = (labels: Record<string, string>) => sampleValue(samples, "pensieve_http_requests_total", labels);
    expect(requests({ method: "POST", route: "/v1/messages", status: "200" })).toBe(2);
    expect(requests({ method: "POST", route: "/v1/messages", status: "400" })).toBe(1);
    expect(requests({ method: "GET", route: "/v1/models/:id", status: "200" })).toBe(1);
    expect(requests({ method: "GET", route: "unmatched", status: "404" })).toBe(1);
    expect(sampleValue(samples, "pensieve_http_request_duration_seconds_count", { method: "POST", route: "/v1/messages" })).toBe(3);
  });

  it("reports the engine's stats", async () => {
    const app = appWithMetrics();
    await app.inject({ method: "POST", url: "/v1/messages", payload: body });
    const samples = await scrape(app);
    expect(sampleValue(samples, "pensieve_generations_completed_total")).toBe(1);
    expect(sampleValue(samples, "pensieve_sequences")).toBe(1);
    expect(sampleValue(samples, "pensieve_model_ready")).toBe(1);
  });

  it("observes the time to first token of each generation, streamed or not", async () => {
    const app = appWithMetrics();
    await app.inject({ method: "POST", url: "/v1/messages", payload: body });
    await app.inject({ method: "POST", url: "/v1/messages", payload: { ...body, stream: true } });
    const samples = await scrape(app);
    expect(sampleValue(samples, "pensieve_time_to_first_token_seconds_count")).toBe(2);
  });

  it("gives each app its own registry, so apps in one process do not share counts", async () => {
    const first = appWithMetrics();
    const second = appWithMetrics();
    await first.inject({ method: "GET", url: "/health" });
    await first.inject({ method: "GET", url: "/health" });
    await second.inject({ method: "GET", url: "/health" });
    expect(sampleValue(await scrape(first), "pensieve_http_requests_total", { route: "/health" })).toBe(2);
    expect(sampleValue(await scrape(second), "pensieve_http_requests_total", { route: "/health" })).toBe(1);
  });

  it("includes process gauges when a performance monitor is given", async () => {
    const monitor = new PerformanceMonitor();
    monitor.start();
    try {
      monitor.sample();
      const samples = await scrape(appWithMetrics({ monitor }));
      expect(sampleValue(samples, "pensieve_process_resident_memory_bytes")).toBeGreaterThan(0);
      expect(sampleValue(samples, "pensieve_process_heap_used_bytes")).toBeGreaterThan(0);
      expect(sampleValue(samples, "pensieve_process_cpu_percent")).toBeGreaterThanOrEqual(0);
    } finally {
      monitor.stop();
    }
  });

  it("has no process gauges without a monitor", async () => {
    const samples = await scrape(appWithMetrics());
    expect(samples.some((sample) => sample.name.startsWith("pensieve_process_"))).toBe(false);
  });
});
