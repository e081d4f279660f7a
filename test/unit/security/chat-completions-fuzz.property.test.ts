import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import { fuzzedChatCompletionBody } from "../../helpers/fuzzed-chat-completion-bodies.js";
import { fuzzedContentType } from "../../helpers/fuzzed-message-bodies.js";
import { ScriptedEngine, textEvents } from "../../helpers/scripted-engine.js";

/**
 * Random and mutated bodies against POST /v1/chat/completions in process: every answer is a 2xx, or a 4xx in
 * OpenAI's error shape, never a 5xx; and the server still answers normally afterwards.
 */
describe("POST /v1/chat/completions, fuzzed (in process)", () => {
  it("answers 3,000 random and mutated bodies with a 2xx or an OpenAI-shaped 4xx, and stays up", { timeout: 180_000 }, async () => {
    const app = createApp({ engine: ScriptedEngine.replaying(textEvents) });
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fuzzedChatCompletionBody, fuzzedContentType, async (body, type) => {
        const response = await app.inject({ method: "POST", url: "/v1/chat/completions", headers: type === "" ? {} : { "content-type": type }, payload: body });
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        expect(response.statusCode).toBeGreaterThanOrEqual(200);
        expect(response.statusCode).toBeLessThan(500);
        if (response.statusCode >= 400) {
          const { error } = response.json() as { error: { message: unknown; type: unknown; param: unknown; code: unknown } };
          expect(typeof error.message).toBe("string");
          expect(error.type).toBe("invalid_request_error");
          expect(error.param === null || typeof error.param === "string").toBe(true);
          expect(error.code === null || typeof error.code === "string").toBe(true);
        }
      }),
      { numRuns: Number(process.env["PENSIEVE_FUZZ_RUNS"] ?? 3_000) },
    );
    // The mix is worth something only if both sides were reached often.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(200);
    expect([...statuses].filter(([status]) => status >= 400).reduce((sum, [, count]) => sum + count, 0)).toBeGreaterThan(900);

    const normal = await app.inject({ method: "POST", url: "/v1/chat/completions", payload: { model: "m", messages: [{ role: "user", content: "Hi" }] } });
    expect(normal.json().choices[0].message.content).toBe("Hello, world");
    await app.close();
  });
});
