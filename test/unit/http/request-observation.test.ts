import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp, type AppOptions } from "../../../src/api/create-app.js";
import { recordAccessLog } from "../../helpers/access-log.js";
import { parsePrometheusText, sampleValue } from "../../helpers/prometheus-text.js";
import { ScriptedEngine, sequentialIds } from "../../helpers/scripted-engine.js";

const body = { model: "claude-sonnet-5", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] };

/** A clock the test moves by hand, starting at an arbitrary reading. */
function manualClock() {
  let nowMs = 12_345;
  return {
    now: () => nowMs,
    advance: (milliseconds: number) => {
      nowMs += milliseconds;
    },
  };
}

/** A generation that takes 400 ms of queueing and prefill before its start, 350 ms more to its first token, 100 ms after. */
function timedEngine(advance: (milliseconds: number) => void): ScriptedEngine {
  return new ScriptedEngine(async function* () {
    advance(400);
    yield { type: "start", usage: { inputTokens: 12, cachedInputTokens: 0 } };
    advance(350);
    yield { type: "text-delta", text: "Hello" };
    advance(100);
    yield { type: "text-delta", text: ", world" };
    yield { type: "finish", stopReason: "end-turn", stopSequence: null, usage: { inputTokens: 12, cachedInputTokens: 0, outputTokens: 3 } };
  });
}

/** An app whose access-log lines are collected, parsed. */
function loggedApp(options: Omit<AppOptions, "logger">) {
  const { logger, lines } = recordAccessLog();
  const app = createApp({ ...options, generateId: sequentialIds(), logger });
  return { app, requestLines: () => lines };
}

async function scrape(app: ReturnType<typeof createApp>) {
  const response = await app.inject({ method: "GET", url: "/metrics" });
  expect(response.statusCode).toBe(200);
  return parsePrometheusText(response.body);
}

/** Two generations, one streamed, on `timedEngine`: the log lines and /metrics must both say 750 ms to the first token and 850 ms in all. */
async function expectOneClockFromArrival(app: ReturnType<typeof createApp>, requestLines: () => Record<string, unknown>[]) {
  await app.inject({ method: "POST", url: "/v1/messages", payload: body });
  await app.inject({ method: "POST", url: "/v1/messages", payload: { ...body, stream: true } });
  for (const line of requestLines()) expect(line).toMatchObject({ status: 200, first_token_ms: 750, duration_ms: 850 });
  expect(requestLines()).toHaveLength(2);
  const samples = await scrape(app);
  expect(sampleValue(samples, "pensieve_time_to_first_token_seconds_count")).toBe(2);
  expect(sampleValue(samples, "pensieve_time_to_first_token_seconds_sum")).toBeCloseTo(1.5, 9);
  expect(sampleValue(samples, "pensieve_http_request_duration_seconds_count", { method: "POST", route: "/v1/messages" })).toBe(2);
  expect(sampleValue(samples, "pensieve_http_request_duration_seconds_sum", { method: "POST", route: "/v1/messages" })).toBeCloseTo(1.7, 9);
}

describe("request observation (in process, scripted engine)", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("times the access log line and /metrics on one clock, from the request's arrival", async () => {
    const clock = manualClock();
    const { app, requestLines } = loggedApp({ engine: timedEngine(clock.advance), now: clock.now });
    await expectOneClockFromArrival(app, requestLines);
  });

  it("uses the real clock by default: performance.now", async () => {
    // Nothing is injected: if the app timed requests on any other clock, none of these readings would be seen.
    let nowMs = 98_765;
    vi.spyOn(performance, "now").mockImplementation(() => nowMs);
    const advance = (milliseconds: number) => {
      nowMs += milliseconds;
    };
    const { app, requestLines } = loggedApp({ engine: timedEngine(advance) });
    await expectOneClockFromArrival(app, requestLines);
  });

  it("times and logs answers the security checks give on arrival, with their request-id", async () => {
    const clock = manualClock();
    const { app, requestLines } = loggedApp({ engine: timedEngine(clock.advance), now: clock.now });
    const response = await app.inject({ method: "POST", url: "/v1/messages", headers: { host: "evil.example" }, payload: body });
    expect(response.statusCode).toBe(403);
    expect(response.headers["request-id"]).toBe("req_test0001");
    expect(requestLines()).toEqual([expect.objectContaining({ request_id: "req_test0001", status: 403, duration_ms: 0 })]);
    expect(requestLines()[0]).not.toHaveProperty("first_token_ms");
    const samples = await scrape(app);
    expect(sampleValue(samples, "pensieve_http_requests_total", { method: "POST", route: "/v1/messages", status: "403" })).toBe(1);
    expect(sampleValue(samples, "pensieve_time_to_first_token_seconds_count")).toBe(0);
  });
});
