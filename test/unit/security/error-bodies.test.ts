import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import type { GenerationEvent } from "../../../src/engine/generation-event.js";
import { ScriptedEngine, textEvents } from "../../helpers/scripted-engine.js";

const body = { model: "claude-sonnet-5", max_tokens: 16, messages: [{ role: "user", content: "Hi" }] };
const secretPath = "/home/alice/.pensieve/models/secret-model.gguf";
const secretEnvironmentValue = "env-value-4b1d9c";

/** Things that must never reach a client: stack frames, file paths, environment values, error class names. */
function expectNothingInternal(payload: string): void {
  expect(payload).not.toContain(secretPath);
  expect(payload).not.toContain(secretEnvironmentValue);
  expect(payload).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
  expect(payload).not.toMatch(/\.(ts|js):\d+/);
  expect(payload).not.toContain("node_modules");
  expect(payload).not.toMatch(/stack|TypeError|RangeError/);
}

function failingWith(error: unknown, afterEvents: readonly GenerationEvent[] = []): ScriptedEngine {
  return new ScriptedEngine(async function* () {
    yield* afterEvents;
    throw error;
  });
}

const unexpectedErrors: [string, unknown][] = [
  ["an Error naming a path and an environment value", new Error(`ENOENT: open '${secretPath}' (PENSIEVE_SECRET=${secretEnvironmentValue})`)],
  ["a TypeError", new TypeError(`Cannot read properties of undefined (reading '${secretEnvironmentValue}')`)],
  ["a RangeError from deep recursion", new RangeError("Maximum call stack size exceeded")],
  ["an object with a stack", { message: secretPath, stack: `Error: x\n    at f (${secretPath}:1:2)` }],
  ["a 5xx-coded error", Object.assign(new Error(secretPath), { statusCode: 502 })],
  ["a string", secretPath],
];

describe("error bodies never hold internals (in process)", () => {
  it.each(unexpectedErrors)("a non-streaming request failing with %s gets a bare 500 api_error", async (_case, error) => {
    const app = createApp({ engine: failingWith(error) });
    const response = await app.inject({ method: "POST", url: "/v1/messages", payload: body });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ type: "error", error: { type: "api_error", message: "Internal server error." }, request_id: expect.stringMatching(/^req_/) });
    expectNothingInternal(response.payload);
  });

  it.each(unexpectedErrors)("a stream failing with %s after it started ends with a bare error event", async (_case, error) => {
    const app = createApp({ engine: failingWith(error, textEvents.slice(0, 2)) });
    const response = await app.inject({ method: "POST", url: "/v1/messages", payload: { ...body, stream: true } });
    expect(response.statusCode).toBe(200);
    expect(response.payload).toContain('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"Internal server error."}}');
    expectNothingInternal(response.payload);
  });

  it("a failing token count gets the same bare 500", async () => {
    const engine = ScriptedEngine.replaying(textEvents);
    engine.countTokens = async () => {
      throw new Error(`tokenizer at ${secretPath} failed`);
    };
    const response = await createApp({ engine }).inject({ method: "POST", url: "/v1/messages/count_tokens", payload: body });
    expect(response.statusCode).toBe(500);
    expectNothingInternal(response.payload);
  });

  it("client errors describe the request, not the server", async () => {
    const app = createApp({ engine: ScriptedEngine.replaying(textEvents) });
    const answers = await Promise.all([
      app.inject({ method: "POST", url: "/v1/messages", headers: { "content-type": "application/json" }, payload: "{bad" }),
      app.inject({ method: "POST", url: "/v1/messages", payload: { ...body, max_tokens: "x" } }),
      app.inject({ method: "POST", url: "/v1/messages", payload: { ...body, messages: [{ role: "user", content: [{ type: "image", source: {} }] }] } }),
      app.inject({ method: "GET", url: "/v1/%zz" }),
      app.inject({ method: "DELETE", url: "/v1/messages" }),
    ]);
    for (const response of answers) {
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
      expect(response.json().type).toBe("error");
      expectNothingInternal(response.payload);
    }
  });
});
