import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/api/create-app.js";
import { LlamaEngine } from "../../src/engine/llama/llama-engine.js";
import { PerformanceMonitor } from "../../src/util/performance-monitor.js";
import { parsePrometheusText, sampleValue, type PrometheusSample } from "../helpers/prometheus-text.js";
import { testModelPath } from "../helpers/test-models.js";

interface UsageBody {
  usage: { input_tokens: number; cache_read_input_tokens: number; output_tokens: number };
}

describe("GET /metrics over the real engine (scripted model)", () => {
  let engine: LlamaEngine;
  let app: FastifyInstance;
  const monitor = new PerformanceMonitor();

  beforeAll(async () => {
    // One thread, as in every test that runs inference: see test/helpers/start-test-server.ts.
    engine = LlamaEngine.start({ modelPath: await testModelPath("scripted"), threads: 1, gpu: false, contextSize: 2048 });
    await engine.whenSettled();
    monitor.start();
    app = createApp({ engine, monitor });
  });
  afterAll(async () => {
    monitor.stop();
    await app?.close();
    await engine?.dispose();
  });

  async function scrape(): Promise<PrometheusSample[]> {
    const response = await app.inject({ method: "GET", url: "/metrics" });
    expect(response.statusCode).toBe(200);
    return parsePrometheusText(response.body);
  }

  it("counts exactly the tokens the responses reported, the second turn's shared prefix as cached", async () => {
    const before = await scrape();
    const messages = [{ role: "user", content: "Tell me something." }];
    const first = await app.inject({ method: "POST", url: "/v1/messages", payload: { model: "claude-sonnet-5", max_tokens: 20, messages } });
    const firstUsage = (first.json() as UsageBody).usage;
    const second = await app.inject({
      method: "POST",
      url: "/v1/messages",
      payload: {
        model: "claude-sonnet-5",
        max_tokens: 20,
        messages: [...messages, { role: "assistant", content: "Something." }, { role: "user", content: "More." }],
      },
    });
    const secondUsage = (second.json() as UsageBody).usage;
    expect(secondUsage.cache_read_input_tokens).toBeGreaterThan(0);

    const after = await scrape();
    const delta = (name: string) => (sampleValue(after, name) ?? 0) - (sampleValue(before, name) ?? 0);
    expect(delta("pensieve_prompt_tokens_evaluated_total")).toBe(firstUsage.input_tokens + secondUsage.input_tokens);
    expect(delta("pensieve_prompt_tokens_cached_total")).toBe(firstUsage.cache_read_input_tokens + secondUsage.cache_read_input_tokens);
    expect(delta("pensieve_output_tokens_total")).toBe(firstUsage.output_tokens + secondUsage.output_tokens);
    expect(delta("pensieve_generations_completed_total")).toBe(2);
    expect(delta("pensieve_time_to_first_token_seconds_count")).toBe(2);
    expect(sampleValue(after, "pensieve_http_requests_total", { method: "POST", route: "/v1/messages", status: "200" })).toBe(2);
  });

  it("shows an idle engine: one sequence, none busy, nothing queued, model ready", async () => {
    // After its last reply the sequence takes a moment to prepare that conversation's next turn (busy meanwhile).
    await expect.poll(async () => sampleValue(await scrape(), "pensieve_sequences_busy")).toBe(0);
    const samples = await scrape();
    expect(sampleValue(samples, "pensieve_sequences")).toBe(1);
    expect(sampleValue(samples, "pensieve_sequences_busy")).toBe(0);
    expect(sampleValue(samples, "pensieve_queue_depth")).toBe(0);
    expect(sampleValue(samples, "pensieve_model_ready")).toBe(1);
  });

  it("reports the process's memory from the running monitor, with the model loaded", async () => {
    // The monitor samples once a second.
    await expect.poll(() => monitor.latest(), { timeout: 5_000 }).not.toBeNull();
    const samples = await scrape();
    const rss = sampleValue(samples, "pensieve_process_resident_memory_bytes") ?? 0;
    expect(rss).toBeGreaterThan(10 * 1024 * 1024);
    expect(sampleValue(samples, "pensieve_process_resident_memory_peak_bytes")).toBeGreaterThanOrEqual(rss);
    expect(sampleValue(samples, "pensieve_process_heap_used_bytes")).toBeGreaterThan(0);
  });
});
