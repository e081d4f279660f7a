import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { RequestMetrics } from "../../../../src/api/metrics/request-metrics.js";
import { parsePrometheusText, sampleValue } from "../../../helpers/prometheus-text.js";

// Timing a request (its arrival, its first token) is RequestObservation's work: see request-observation.test.ts.
function recorder() {
  const registry = new Registry();
  const metrics = new RequestMetrics({ registry });
  return { metrics, scrape: async () => parsePrometheusText(await registry.metrics()) };
}

describe("RequestMetrics", () => {
  it("counts requests by method, route and status, and observes their durations by route", async () => {
    const { metrics, scrape } = recorder();
    metrics.observeRequest({ method: "POST", route: "/v1/messages", status: 200, durationSeconds: 0.3 });
    metrics.observeRequest({ method: "POST", route: "/v1/messages", status: 200, durationSeconds: 2 });
    metrics.observeRequest({ method: "POST", route: "/v1/messages", status: 529, durationSeconds: 0.001 });
    const samples = await scrape();
    expect(sampleValue(samples, "pensieve_http_requests_total", { route: "/v1/messages", status: "200" })).toBe(2);
    expect(sampleValue(samples, "pensieve_http_requests_total", { route: "/v1/messages", status: "529" })).toBe(1);
    expect(sampleValue(samples, "pensieve_http_request_duration_seconds_count", { method: "POST", route: "/v1/messages" })).toBe(3);
    expect(sampleValue(samples, "pensieve_http_request_duration_seconds_sum", { route: "/v1/messages" })).toBeCloseTo(2.301);
    expect(sampleValue(samples, "pensieve_http_request_duration_seconds_bucket", { route: "/v1/messages", le: "0.5" })).toBe(2);
  });

  it("observes first-token times in seconds, in the time-to-first-token histogram", async () => {
    const { metrics, scrape } = recorder();
    metrics.observeFirstToken(1.5);
    expect(sampleValue(await scrape(), "pensieve_time_to_first_token_seconds_bucket", { le: "2" })).toBe(1);
    expect(sampleValue(await scrape(), "pensieve_time_to_first_token_seconds_bucket", { le: "1" })).toBe(0);
  });

  it("labels what an upstream served with its endpoint, and what was served here with no upstream label", async () => {
    const { metrics, scrape } = recorder();
    metrics.observeRequest({ method: "POST", route: "/v1/messages", status: 200, durationSeconds: 1, upstream: "http://10.0.0.7:8000" });
    metrics.observeRequest({ method: "POST", route: "/v1/messages", status: 200, durationSeconds: 1, upstream: null });
    metrics.observeRequest({ method: "POST", route: "/v1/messages", status: 200, durationSeconds: 1 });
    metrics.observeFirstToken(0.2, "http://10.0.0.7:8000");
    metrics.observeFirstToken(0.3);
    const totals = (await scrape()).filter((sample) => sample.name === "pensieve_http_requests_total" || sample.name === "pensieve_time_to_first_token_seconds_count");
    expect(totals.map(({ name, labels, value }) => ({ name, upstream: labels["upstream"], value }))).toEqual([
      { name: "pensieve_http_requests_total", upstream: "http://10.0.0.7:8000", value: 1 },
      { name: "pensieve_http_requests_total", upstream: undefined, value: 2 },
      { name: "pensieve_time_to_first_token_seconds_count", upstream: undefined, value: 1 },
      { name: "pensieve_time_to_first_token_seconds_count", upstream: "http://10.0.0.7:8000", value: 1 },
    ]);
  });
});
