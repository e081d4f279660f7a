import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import { fuzzedContentType, fuzzedMessageBody } from "../../helpers/fuzzed-message-bodies.js";
import { ScriptedEngine, textEvents } from "../../helpers/scripted-engine.js";

/**
 * 10,000 random and mutated bodies against POST /v1/messages in process: every answer is a 2xx, or a 4xx in
 * Anthropic's error shape, never a 5xx; and the server still answers normally afterwards. The same bodies go to
 * the real engine in test/integration/security-engine.test.ts.
 */
describe("POST /v1/messages, fuzzed (in process)", () => {
  it("answers 10,000 random and mutated bodies with a 2xx or an Anthropic-shaped 4xx, and stays up", async () => {
    const engine = ScriptedEngine.replaying(textEvents);
    const app = createApp({ engine });
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fuzzedMessageBody(8192), fuzzedContentType, async (body, type) => {
        const response = await app.inject({ method: "POST", url: "/v1/messages", headers: type === "" ? {} : { "content-type": type }, payload: body });
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        expect(response.statusCode).toBeGreaterThanOrEqual(200);
        expect(response.statusCode).toBeLessThan(500);
        if (response.statusCode >= 400) {
          const error = response.json() as { type: string; error: { type: string; message: string }; request_id: string };
          expect(error.type).toBe("error");
          expect(typeof error.error.type).toBe("string");
          expect(typeof error.error.message).toBe("string");
          expect(error.request_id).toBe(response.headers["request-id"]);
        }
      }),
      // 10,000 in `npm test`; `npm run test:fuzz` runs 100,000.
      { numRuns: Number(process.env["PENSIEVE_FUZZ_RUNS"] ?? 10_000) },
    );
    // The mix is worth something only if both sides were reached often.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(1000);
    expect([...statuses].filter(([status]) => status >= 400).reduce((sum, [, count]) => sum + count, 0)).toBeGreaterThan(3000);

    const health = await app.inject({ method: "GET", url: "/health" });
    expect(health.statusCode).toBe(200);
    const normal = await app.inject({ method: "POST", url: "/v1/messages", payload: { model: "m", max_tokens: 8, messages: [{ role: "user", content: "Hi" }] } });
    expect(normal.statusCode).toBe(200);
    expect(normal.json().content).toEqual([{ type: "text", text: "Hello, world" }]);
    await app.close();
  });
});
