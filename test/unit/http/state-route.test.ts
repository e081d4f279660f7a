import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import { RecentRequests } from "../../../src/api/live/recent-requests.js";
import type { PerformanceReadings } from "../../../src/api/metrics/process-metrics.js";
import { registerStateRoute } from "../../../src/api/routes/state-route.js";
import type { PerformanceSample, PerformanceSummary } from "../../../src/util/performance-monitor.js";
import { ScriptedEngine, textEvents } from "../../helpers/scripted-engine.js";
import { openStateStream, type StateStreamClient } from "../../helpers/state-stream-client.js";

const key = "page-test-key";
const withKey = { "x-api-key": key };
const body = { model: "claude-sonnet-5", max_tokens: 16, messages: [{ role: "user", content: "a secret prompt about otters" }] };

const sample: PerformanceSample = { elapsedMs: 100, cpuPercent: 42.4, rssBytes: 500_000_000, rssAnonBytes: 200_000_000, heapUsedBytes: 50_000_000, vramBytes: null };
const monitor: PerformanceReadings = { latest: () => sample, summary: () => ({}) as PerformanceSummary, measuresVram: false };

const opened: { app: FastifyInstance; streams: StateStreamClient[] }[] = [];
afterEach(async () => {
  for (const { app, streams } of opened.splice(0)) {
    for (const stream of streams) await stream.close();
    await app.close();
  }
});

/** The whole app on a loopback port (a stream never ends, so `inject` cannot read one), with a key. */
async function listening(engine: ScriptedEngine) {
  const app = createApp({ engine, monitor, liveIntervalMs: 20, security: { apiKey: key } });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (typeof address !== "object" || address === null) throw new Error("no address");
  const entry = { app, streams: [] as StateStreamClient[] };
  opened.push(entry);
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    app,
    baseUrl,
    open: async (headers: Record<string, string> = withKey) => {
      const stream = await openStateStream(baseUrl, headers);
      entry.streams.push(stream);
      return stream;
    },
  };
}

describe("GET /api/state (scripted engine, real socket)", () => {
  it("sends a state at once: model, chat format, context, memory against the budget, each sequence, queue, tokens", async () => {
    const engine = ScriptedEngine.replaying(textEvents);
    engine.sequences = [
      { model: "scripted-model", index: 0, activity: { state: "prompt", evaluatedTokens: 300, promptTokens: 1200 }, cachedTokens: 800, lastSession: "session-a" },
      { model: "scripted-model", index: 1, activity: { state: "generating", promptTokens: 50, outputTokens: 7 }, cachedTokens: 57, lastSession: null },
      { model: "scripted-model", index: 2, activity: { state: "idle" }, cachedTokens: 0, lastSession: null },
    ];
    engine.memory = { modelFileBytes: 4e9, kvCacheBytes: 1e9, promptCacheDiskBytes: 3e8, promptCacheLimitBytes: 4e9, memoryLimitBytes: 12e9 };
    engine.statsOverride = { sequences: 3, busySequences: 2, queuedRequests: 4, promptTokensEvaluated: 1000, promptTokensCached: 500, outputTokens: 100, promptTokensPending: 900 };
    const stream = await (await listening(engine)).open();
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const state = await stream.next();
    expect(state).toMatchObject({
      status: "ready",
      reason: null,
      models: [{ id: "scripted-model", chat_format: "ChatML", context_size: 4096, max_input_tokens: 4094 }],
      memory: {
        rss_bytes: 500_000_000,
        anonymous_bytes: 200_000_000,
        heap_used_bytes: 50_000_000,
        gpu_bytes: null,
        cpu_percent: 42,
        model_file_bytes: 4e9,
        kv_cache_bytes: 1e9,
        prompt_cache_disk_bytes: 3e8,
        prompt_cache_limit_bytes: 4e9,
        limit_bytes: 12e9,
      },
      sequences: {
        total: 3,
        busy: 2,
        abandoned: 0,
        details: [
          { index: 0, state: "prompt", evaluated_tokens: 300, prompt_tokens: 1200, output_tokens: null, cached_tokens: 800, last_session: "session-a" },
          { index: 1, state: "generating", evaluated_tokens: null, prompt_tokens: 50, output_tokens: 7, cached_tokens: 57, last_session: null },
          { index: 2, state: "idle", evaluated_tokens: null, prompt_tokens: null, output_tokens: null, cached_tokens: 0 },
        ],
      },
      queue_depth: 4,
      // Running generations count in the totals: 1000 + 300 evaluated so far + the generating one's 50.
      tokens: { input_total: 1350, cached_total: 500, output_total: 107, pending_prompt: 900, input_per_second: null, output_per_second: null },
      generations: { completed: 0, aborted: 0 },
      requests: [],
      upstreams: null,
    });
    expect(Date.parse(state.time)).toBeGreaterThan(0);
  });

  it("lists each upstream endpoint of a pool: up or down, in flight against its cap, failovers, affinity, cached tokens", async () => {
    const engine = ScriptedEngine.replaying(textEvents);
    const endpoint = { pool: "fleet", dialect: "vllm", maxConcurrent: 4, requests: 10, failures: 1, promptTokens: 900, outputTokens: 50 };
    engine.upstreamEndpoints = [
      { ...endpoint, url: "http://gpu-a:8000", up: true, inFlight: 3, failovers: 2, affinityHits: 9, cachedTokens: 800 },
      { ...endpoint, url: "http://gpu-b:8000", up: false, inFlight: 0, failovers: 0, affinityHits: 1, cachedTokens: 0 },
    ];
    const state = await (await (await listening(engine)).open()).next();
    expect(state.upstreams).toEqual([
      { pool: "fleet", url: "http://gpu-a:8000", dialect: "vllm", up: true, in_flight: 3, max_concurrent: 4, requests: 10, failures: 1, failovers: 2, affinity_hits: 9, prompt_tokens: 900, cached_tokens: 800, output_tokens: 50 },
      { pool: "fleet", url: "http://gpu-b:8000", dialect: "vllm", up: false, in_flight: 0, max_concurrent: 4, requests: 10, failures: 1, failovers: 0, affinity_hits: 1, prompt_tokens: 900, cached_tokens: 0, output_tokens: 50 },
    ]);
  });

  it("says what the engine cannot tell as null, and sends a state every tick with token rates once time has passed", async () => {
    const engine = ScriptedEngine.replaying(textEvents);
    const stream = await (await listening(engine)).open();
    const first = await stream.next();
    expect(first.sequences.details).toBeNull();
    expect(first.memory.model_file_bytes).toBeNull();
    expect(first.memory.limit_bytes).toBeNull();
    engine.statsOverride = { outputTokens: 40, promptTokensEvaluated: 10 };
    const second = await stream.next();
    expect(second.tokens.output_total).toBe(40);
    expect(second.tokens.output_per_second).toBeGreaterThan(0);
    expect(second.tokens.input_per_second).toBeGreaterThan(0);
  });

  it("lists finished generation requests with counts and stop reason, never their text", async () => {
    const engine = ScriptedEngine.replaying(textEvents);
    const server = await listening(engine);
    const headers = { ...withKey, "x-claude-code-session-id": "claude-session-1" };
    expect((await server.app.inject({ method: "POST", url: "/v1/messages", headers, payload: body })).statusCode).toBe(200);
    expect((await server.app.inject({ method: "POST", url: "/v1/messages/count_tokens", headers, payload: body })).statusCode).toBe(200);
    expect((await server.app.inject({ method: "POST", url: "/v1/messages", headers, payload: { ...body, max_tokens: "many" } })).statusCode).toBe(400);
    const state = await (await server.open()).next();
    expect(state.requests).toHaveLength(2);
    expect(state.requests[0]).toMatchObject({ model: "claude-sonnet-5", status: 400, input_tokens: null, stop_reason: null });
    expect(state.requests[1]).toMatchObject({
      model: "claude-sonnet-5",
      session: "claude-session-1",
      status: 200,
      input_tokens: 12,
      cached_input_tokens: 0,
      output_tokens: 3,
      stop_reason: "end_turn",
    });
    expect(state.requests[1]?.first_token_ms).toBeTypeOf("number");
    expect(JSON.stringify(state)).not.toMatch(/otters|Hello/);
    expect(engine.requests[0]?.session).toBe("claude-session-1");
  });

  it("lists OpenAI Chat Completions requests too", async () => {
    const server = await listening(ScriptedEngine.replaying(textEvents));
    const payload = { model: "gpt-4o", messages: body.messages };
    expect((await server.app.inject({ method: "POST", url: "/v1/chat/completions", headers: withKey, payload })).statusCode).toBe(200);
    const state = await (await server.open()).next();
    expect(state.requests).toHaveLength(1);
    expect(state.requests[0]).toMatchObject({ model: "gpt-4o", status: 200, input_tokens: 12, output_tokens: 3, stop_reason: "end_turn" });
  });

  it("needs the key: none and a wrong one get 401 with the real API's messages, before any state is read", async () => {
    const engine = ScriptedEngine.replaying(textEvents);
    const stats = vi.spyOn(engine, "stats");
    const { app } = await listening(engine);
    const missing = await app.inject({ method: "GET", url: "/api/state" });
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error).toEqual({ type: "authentication_error", message: "x-api-key header is required" });
    const wrong = await app.inject({ method: "GET", url: "/api/state", headers: { "x-api-key": "not-the-key" } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.message).toBe("invalid x-api-key");
    expect(stats).not.toHaveBeenCalled();
  });

  it("refuses a foreign Origin with 403, key or not, and its preflight too: another site's page cannot read it", async () => {
    const engine = ScriptedEngine.replaying(textEvents);
    const stats = vi.spyOn(engine, "stats");
    const { app, baseUrl } = await listening(engine);
    for (const origin of ["https://attacker.example", "http://localhost:3000", baseUrl.replace("127.0.0.1", "localhost"), "null"]) {
      const response = await app.inject({ method: "GET", url: "/api/state", headers: { ...withKey, origin, host: new URL(baseUrl).host } });
      expect(response.statusCode, origin).toBe(403);
      expect(response.json().error.type).toBe("permission_error");
      expect(response.headers["access-control-allow-origin"]).toBeUndefined();
    }
    const preflight = await app.inject({
      method: "OPTIONS",
      url: "/api/state",
      headers: { origin: "https://attacker.example", "access-control-request-method": "GET", "access-control-request-headers": "x-api-key" },
    });
    expect(preflight.statusCode).toBe(403);
    expect(stats).not.toHaveBeenCalled();
  });

  it("lets the server's own page in: an Origin naming the Host the request came to", async () => {
    const server = await listening(ScriptedEngine.replaying(textEvents));
    const stream = await server.open({ ...withKey, origin: server.baseUrl });
    expect(stream.response.status).toBe(200);
    expect((await stream.next()).status).toBe("ready");
    const posted = await server.app.inject({ method: "POST", url: "/v1/messages", headers: { ...withKey, origin: "http://localhost", host: "localhost" }, payload: body });
    expect(posted.statusCode).toBe(200);
  });
});

describe("the state stream's timer", () => {
  /** The route alone, on a timer the test ticks by hand. */
  async function withManualTimer(engine = ScriptedEngine.replaying(textEvents), onError?: (error: unknown) => void) {
    const timers: { tick: () => void; cancelled: boolean }[] = [];
    const app = Fastify();
    registerStateRoute(app, {
      engine,
      ...(onError !== undefined ? { onError } : {}),
      recentRequests: new RecentRequests(),
      every: (_intervalMs, tick) => {
        const timer = { tick, cancelled: false };
        timers.push(timer);
        return () => {
          timer.cancelled = true;
        };
      },
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    if (typeof address !== "object" || address === null) throw new Error("no address");
    const entry = { app, streams: [] as StateStreamClient[] };
    opened.push(entry);
    return { app, timers, open: () => openStateStream(`http://127.0.0.1:${address.port}`) };
  }

  it("sends one state per tick and stops when the client disconnects", async () => {
    const { timers, open } = await withManualTimer();
    const stream = await open();
    await stream.next();
    expect(timers).toHaveLength(1);
    timers[0]?.tick();
    await stream.next();
    await stream.close();
    await expect.poll(() => timers[0]?.cancelled).toBe(true);
  });

  it("ends every open stream when the app closes, rather than wait for the pages to go", async () => {
    const { app, timers, open } = await withManualTimer();
    const streams = [await open(), await open()];
    for (const stream of streams) await stream.next();
    await app.close();
    expect(timers.map((timer) => timer.cancelled)).toEqual([true, true]);
    for (const stream of streams) await expect(stream.next()).rejects.toThrow("ended");
  });

  it("ends the stream, and says why, when a state cannot be read", async () => {
    const engine = ScriptedEngine.replaying(textEvents);
    const errors: unknown[] = [];
    const { timers, open } = await withManualTimer(engine, (error) => errors.push(error));
    const stream = await open();
    await stream.next();
    vi.spyOn(engine, "stats").mockImplementation(() => {
      throw new Error("stats unavailable");
    });
    timers[0]?.tick();
    await expect(stream.next()).rejects.toThrow("ended");
    expect(timers[0]?.cancelled).toBe(true);
    expect(errors).toEqual([new Error("stats unavailable")]);
  });
});
