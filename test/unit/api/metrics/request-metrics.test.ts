import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { RequestMetrics } from "../../../../src/api/metrics/request-metrics.js";
import type { GenerationEvent } from "../../../../src/engine/generation-event.js";
import { parsePrometheusText, sampleValue } from "../../../helpers/prometheus-text.js";

function recorder() {
  let nowMs = 0;
  const registry = new Registry();
  const metrics = new RequestMetrics({ registry, now: () => nowMs });
  return {
    metrics,
    advance: (milliseconds: number) => {
      nowMs += milliseconds;
    },
    scrape: async () => parsePrometheusText(await registry.metrics()),
  };
}

const start: GenerationEvent = { type: "start", usage: { inputTokens: 5, cachedInputTokens: 0 } };
const text: GenerationEvent = { type: "text-delta", text: "Hi" };

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

  it("times the first token from the request's arrival, once per request", async () => {
    const { metrics, advance, scrape } = recorder();
    const request = {};
    metrics.observeArrival(request);
    advance(400); // queueing and prefill
    metrics.observeGenerationEvent(request, start);
    advance(350);
    metrics.observeGenerationEvent(request, text);
    advance(100);
    metrics.observeGenerationEvent(request, text);
    const samples = await scrape();
    expect(sampleValue(samples, "pensieve_time_to_first_token_seconds_count")).toBe(1);
    expect(sampleValue(samples, "pensieve_time_to_first_token_seconds_sum")).toBeCloseTo(0.75);
  });

  it("counts a thinking delta or a tool call as the first token too", async () => {
    const { metrics, advance, scrape } = recorder();
    const thinking = {};
    const tool = {};
    metrics.observeArrival(thinking);
    metrics.observeArrival(tool);
    advance(200);
    metrics.observeGenerationEvent(thinking, { type: "thinking-delta", text: "hmm" });
    advance(300);
    metrics.observeGenerationEvent(tool, { type: "tool-call", name: "f", input: {} });
    const samples = await scrape();
    expect(sampleValue(samples, "pensieve_time_to_first_token_seconds_count")).toBe(2);
    expect(sampleValue(samples, "pensieve_time_to_first_token_seconds_sum")).toBeCloseTo(0.7);
  });

  it("observes nothing for a generation that produced no token", async () => {
    const { metrics, scrape } = recorder();
    const request = {};
    metrics.observeGenerationEvent(request, start);
    metrics.observeGenerationEvent(request, {
      type: "finish",
      stopReason: "max-tokens",
      stopSequence: null,
      usage: { inputTokens: 5, cachedInputTokens: 0, outputTokens: 0 },
    });
    expect(sampleValue(await scrape(), "pensieve_time_to_first_token_seconds_count")).toBe(0);
  });

  it("starts the clock at the first event when the arrival was not observed", async () => {
    const { metrics, advance, scrape } = recorder();
    const request = {};
    advance(5_000);
    metrics.observeGenerationEvent(request, start);
    advance(250);
    metrics.observeGenerationEvent(request, text);
    expect(sampleValue(await scrape(), "pensieve_time_to_first_token_seconds_sum")).toBeCloseTo(0.25);
  });

  it("accepts a first-token time measured elsewhere", async () => {
    const { metrics, scrape } = recorder();
    metrics.observeFirstToken(1.5);
    expect(sampleValue(await scrape(), "pensieve_time_to_first_token_seconds_bucket", { le: "2" })).toBe(1);
    expect(sampleValue(await scrape(), "pensieve_time_to_first_token_seconds_bucket", { le: "1" })).toBe(0);
  });

  it("uses the real clock by default", async () => {
    const registry = new Registry();
    const metrics = new RequestMetrics({ registry });
    const request = {};
    metrics.observeArrival(request);
    metrics.observeGenerationEvent(request, text);
    const samples = parsePrometheusText(await registry.metrics());
    expect(sampleValue(samples, "pensieve_time_to_first_token_seconds_sum")).toBeGreaterThanOrEqual(0);
  });
});
