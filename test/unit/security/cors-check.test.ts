import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import { originOf } from "../../../src/api/security/origin-of.js";
import { ScriptedEngine, textEvents } from "../../helpers/scripted-engine.js";

const body = { model: "claude-sonnet-5", max_tokens: 16, messages: [{ role: "user", content: "Hi" }] };
const allowedOrigin = "http://localhost:3000";

function appWith(corsOrigins: readonly string[] = [], apiKey?: string) {
  const engine = ScriptedEngine.replaying(textEvents);
  return { engine, app: createApp({ engine, security: { corsOrigins, ...(apiKey !== undefined ? { apiKey } : {}) } }) };
}

describe("originOf", () => {
  it.each([
    ["http://localhost:3000", "http://localhost:3000"],
    ["HTTPS://App.Example", "https://app.example"],
    ["https://app.example:443", "https://app.example"],
    ["http://app.example:80/", "http://app.example"],
    ["http://[::1]:8080", "http://[::1]:8080"],
    ["chrome-extension://abcdef", "chrome-extension://abcdef"],
  ])("reads %j as %j", (value, origin) => {
    expect(originOf(value)).toBe(origin);
  });
  it.each(["null", "*", "", "localhost:3000", "http://", "http://a.example/path", "http://user@a.example", "http://::1", "http://a.example:99999", "http://a b"])("refuses %j", (value) => {
    expect(originOf(value)).toBeNull();
  });
});

describe("CORS and Origin (in process)", () => {
  it("lets requests without an Origin through (SDKs, curl, Claude Code)", async () => {
    const response = await appWith().app.inject({ method: "POST", url: "/v1/messages", payload: body });
    expect(response.statusCode).toBe(200);
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("answers 403 to any Origin by default, before the engine is called: a drive-by page cannot run a prompt", async () => {
    const { app, engine } = appWith();
    for (const origin of ["https://attacker.example", "null", "http://localhost:3000", "http://127.0.0.1:8080"]) {
      const response = await app.inject({ method: "POST", url: "/v1/messages", headers: { origin }, payload: body });
      expect(response.statusCode, origin).toBe(403);
      expect(response.json().error.type).toBe("permission_error");
      expect(response.headers["access-control-allow-origin"]).toBeUndefined();
    }
    expect((await app.inject({ method: "GET", url: "/health", headers: { origin: "https://attacker.example" } })).statusCode).toBe(403);
    expect(engine.requests).toHaveLength(0);
  });

  it("answers 403 to a form or text/plain POST from a page even with its Origin allowed elsewhere", async () => {
    const { app, engine } = appWith([allowedOrigin]);
    const response = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: { origin: "https://attacker.example", "content-type": "text/plain" },
      payload: JSON.stringify(body),
    });
    expect(response.statusCode).toBe(403);
    expect(engine.requests).toHaveLength(0);
  });

  it("answers a preflight from an allowed origin with 204, echoing the origin and the requested headers, with no key", async () => {
    const { app } = appWith([allowedOrigin], "secret");
    const response = await app.inject({
      method: "OPTIONS",
      url: "/v1/messages",
      headers: {
        origin: allowedOrigin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-api-key, anthropic-version, content-type, x-stainless-os, anthropic-dangerous-direct-browser-access",
      },
    });
    expect(response.statusCode).toBe(204);
    expect(response.payload).toBe("");
    expect(response.headers).toMatchObject({
      "access-control-allow-origin": allowedOrigin,
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-allow-headers": "x-api-key, anthropic-version, content-type, x-stainless-os, anthropic-dangerous-direct-browser-access",
      "access-control-expose-headers": "request-id, retry-after",
      "access-control-max-age": "600",
      vary: "Origin",
    });
  });

  it("echoes only well-formed header names in a preflight", async () => {
    const { app } = appWith([allowedOrigin]);
    const response = await app.inject({
      method: "OPTIONS",
      url: "/v1/messages",
      headers: { origin: allowedOrigin, "access-control-request-method": "POST", "access-control-request-headers": "x-api-key, bad header, (x), content-type" },
    });
    expect(response.headers["access-control-allow-headers"]).toBe("x-api-key, content-type");
    const bare = await app.inject({ method: "OPTIONS", url: "/v1/models", headers: { origin: allowedOrigin, "access-control-request-method": "GET" } });
    expect(bare.statusCode).toBe(204);
    expect(bare.headers["access-control-allow-headers"]).toBeUndefined();
  });

  it("never answers a preflight with `*`, and refuses one from another origin or without an origin", async () => {
    const { app } = appWith([allowedOrigin]);
    const foreign = await app.inject({ method: "OPTIONS", url: "/v1/messages", headers: { origin: "https://attacker.example", "access-control-request-method": "POST" } });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.headers["access-control-allow-origin"]).toBeUndefined();
    const noOrigin = await app.inject({ method: "OPTIONS", url: "/v1/messages" });
    expect(noOrigin.statusCode).toBe(403);
  });

  it("adds the CORS headers to answers for an allowed origin: JSON, errors and streams", async () => {
    const { app } = appWith(["HTTP://LOCALHOST:3000/"], "secret");
    const headers = { origin: allowedOrigin, "x-api-key": "secret" };
    const plain = await app.inject({ method: "POST", url: "/v1/messages", headers, payload: body });
    const stream = await app.inject({ method: "POST", url: "/v1/messages", headers, payload: { ...body, stream: true } });
    const unauthorized = await app.inject({ method: "POST", url: "/v1/messages", headers: { origin: allowedOrigin }, payload: body });
    expect([plain.statusCode, stream.statusCode, unauthorized.statusCode]).toEqual([200, 200, 401]);
    expect(stream.headers["content-type"]).toMatch(/^text\/event-stream/);
    for (const response of [plain, stream, unauthorized]) {
      expect(response.headers).toMatchObject({ "access-control-allow-origin": allowedOrigin, "access-control-expose-headers": "request-id, retry-after", vary: "Origin" });
      expect(response.headers["request-id"]).toMatch(/^req_/);
    }
  });

  it("lets the server's own page through, named as the client named the server, over http or behind a TLS proxy", async () => {
    const { app } = appWith();
    for (const origin of ["http://127.0.0.1:8080", "https://127.0.0.1:8080"]) {
      const response = await app.inject({ method: "POST", url: "/v1/messages", headers: { host: "127.0.0.1:8080", origin }, payload: body });
      expect(response.statusCode).toBe(200);
      expect(response.headers["access-control-allow-origin"]).toBeUndefined();
    }
    const otherPort = await app.inject({ method: "POST", url: "/v1/messages", headers: { host: "127.0.0.1:8080", origin: "http://127.0.0.1:9090" }, payload: body });
    expect(otherPort.statusCode).toBe(403);
  });

  it("names the refused origin, and a malformed one as 'null'", async () => {
    const { app } = appWith();
    const refused = async (origin: string) =>
      ((await app.inject({ method: "POST", url: "/v1/messages", headers: { origin }, payload: body })).json() as { error: { message: string } }).error.message;
    expect(await refused("https://attacker.example")).toBe(
      "Origin 'https://attacker.example' is not allowed: start Pensieve with --cors-origin <origin> to let a web page call it.",
    );
    expect(await refused("http://a b")).toMatch(/^Origin 'null' is not allowed/);
  });
});
