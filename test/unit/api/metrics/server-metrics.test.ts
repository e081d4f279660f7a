import { describe, expect, it } from "vitest";
import { ServerMetrics } from "../../../../src/api/metrics/server-metrics.js";
import { parsePrometheusText, sampleValue } from "../../../helpers/prometheus-text.js";
import { ScriptedEngine } from "../../../helpers/scripted-engine.js";

describe("ServerMetrics", () => {
  it("scrapes every metric in Prometheus' text format", async () => {
    const metrics = new ServerMetrics({ engine: ScriptedEngine.replaying([]) });
    metrics.requests.observeFirstToken(1.5);
    const { contentType, text } = await metrics.scrape();
    expect(contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
    const samples = parsePrometheusText(text);
    expect(sampleValue(samples, "pensieve_time_to_first_token_seconds_sum")).toBe(1.5);
    expect(sampleValue(samples, "pensieve_model_ready")).toBe(1);
  });

  it("keeps each instance's metrics apart", async () => {
    const first = new ServerMetrics({ engine: ScriptedEngine.replaying([]) });
    const second = new ServerMetrics({ engine: ScriptedEngine.replaying([]) });
    first.requests.observeRequest({ method: "GET", route: "/health", status: 200, durationSeconds: 0.001 });
    expect(sampleValue(parsePrometheusText((await first.scrape()).text), "pensieve_http_requests_total", { route: "/health" })).toBe(1);
    expect(sampleValue(parsePrometheusText((await second.scrape()).text), "pensieve_http_requests_total", { route: "/health" })).toBeUndefined();
  });
});
