import * as crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import { createApiKeyCheck } from "../../../src/api/security/api-key-check.js";
import { ScriptedEngine, textEvents } from "../../helpers/scripted-engine.js";

vi.mock("node:crypto", { spy: true });

const body = { model: "claude-sonnet-5", max_tokens: 16, messages: [{ role: "user", content: "Hi" }] };
const key = "sk-local-0123456789";

function appWith(apiKey?: string) {
  const engine = ScriptedEngine.replaying(textEvents);
  return { engine, app: createApp({ engine, ...(apiKey !== undefined ? { security: { apiKey } } : {}) }) };
}

function post(app: ReturnType<typeof appWith>["app"], headers: Record<string, string>) {
  return app.inject({ method: "POST", url: "/v1/messages", headers, payload: body });
}

describe("API key (in process)", () => {
  it("with no key configured, accepts any key and none (the SDK always sends one)", async () => {
    const { app } = appWith();
    expect((await post(app, { "x-api-key": "anything" })).statusCode).toBe(200);
    expect((await post(app, { authorization: "Bearer whatever" })).statusCode).toBe(200);
    expect((await post(app, {})).statusCode).toBe(200);
  });

  it("accepts the key in x-api-key or as a Bearer token", async () => {
    const { app } = appWith(key);
    expect((await post(app, { "x-api-key": key })).statusCode).toBe(200);
    expect((await post(app, { authorization: `Bearer ${key}` })).statusCode).toBe(200);
    expect((await post(app, { authorization: `bearer   ${key}` })).statusCode).toBe(200);
  });

  it("answers a wrong key with the real API's exact body, before the engine is called", async () => {
    const { app, engine } = appWith(key);
    for (const headers of [{ "x-api-key": "wrong" }, { "x-api-key": `${key}x` }, { "x-api-key": "" }, { authorization: "Bearer wrong" }, { authorization: key }, { authorization: `Basic ${key}` }]) {
      const response = await post(app, headers);
      expect(response.statusCode, JSON.stringify(headers)).toBe(401);
      expect(response.json()).toEqual({
        type: "error",
        error: { type: "authentication_error", message: "invalid x-api-key" },
        request_id: response.headers["request-id"],
      });
    }
    expect(engine.requests).toHaveLength(0);
  });

  it("answers a missing key with `x-api-key header is required`", async () => {
    const { app } = appWith(key);
    const response = await post(app, {});
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toEqual({ type: "authentication_error", message: "x-api-key header is required" });
  });

  it("prefers x-api-key when both headers come", async () => {
    const { app } = appWith(key);
    expect((await post(app, { "x-api-key": key, authorization: "Bearer wrong" })).statusCode).toBe(200);
    expect((await post(app, { "x-api-key": "wrong", authorization: `Bearer ${key}` })).statusCode).toBe(401);
  });

  it("compares in constant time: sha256 of both sides, then timingSafeEqual on equal lengths", async () => {
    const { app } = appWith(key);
    vi.mocked(crypto.timingSafeEqual).mockClear();
    // A one-byte key and a 10 kB one: timingSafeEqual would throw on unequal lengths if they were not hashed.
    for (const given of ["x", "k".repeat(10_000)]) expect((await post(app, { "x-api-key": given })).statusCode).toBe(401);
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(2);
    for (const [left, right] of vi.mocked(crypto.timingSafeEqual).mock.calls) {
      expect([(left as Buffer).length, (right as Buffer).length]).toEqual([32, 32]);
    }
  });

  it("lets HEAD /, GET /health and the live page's own files through without a key, and nothing else", async () => {
    const { app } = appWith(key);
    expect((await app.inject({ method: "HEAD", url: "/" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/health?probe=1" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/page/app.js" })).statusCode).toBe(200);
    const closed = [["GET", "/api/state"], ["GET", "/v1/models"], ["GET", "/metrics"], ["POST", "/v1/messages/count_tokens"], ["GET", "/nowhere"]] as const;
    for (const [method, url] of closed) {
      const response = await app.inject({ method, url });
      expect(response.statusCode, `${method} ${url}`).toBe(401);
    }
    expect((await app.inject({ method: "GET", url: "/v1/models", headers: { "x-api-key": key } })).statusCode).toBe(200);
  });

  it("refuses an empty key rather than accept clients that send an empty one", () => {
    expect(() => createApiKeyCheck("")).toThrow("must not be empty");
  });
});
