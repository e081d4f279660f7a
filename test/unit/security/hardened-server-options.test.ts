import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { hardenedServerOptions } from "../../../src/api/security/hardened-server-options.js";
import { sequentialIds } from "../../helpers/scripted-engine.js";

/** The slow-client and framework-error behaviour over real sockets is in test/integration/security-sockets.test.ts. */
describe("hardenedServerOptions", () => {
  it("defaults to short arrival timeouts, no limit on replies, and 1000 requests per connection", () => {
    const options = hardenedServerOptions({}, sequentialIds());
    expect(options).toMatchObject({
      requestTimeout: 60_000,
      connectionTimeout: 0,
      maxRequestsPerSocket: 1000,
      http: { headersTimeout: 10_000, requestTimeout: 60_000, connectionsCheckingInterval: 2_500, requireHostHeader: false },
      onProtoPoisoning: "error",
      onConstructorPoisoning: "error",
    });
  });

  it("takes the configured timeouts and request limit, keeping the headers timeout within the request timeout", () => {
    const options = hardenedServerOptions({ headersTimeoutMs: 5_000, requestTimeoutMs: 2_000, maxRequestsPerSocket: 0 }, sequentialIds());
    expect(options).toMatchObject({ requestTimeout: 2_000, maxRequestsPerSocket: 0, http: { headersTimeout: 2_000, requestTimeout: 2_000 } });
    expect(hardenedServerOptions({ headersTimeoutMs: 3_000 }, sequentialIds()).http).toMatchObject({ headersTimeout: 3_000, requestTimeout: 60_000 });
  });

  it("checks for expired requests a quarter of the headers timeout apart, between 10 ms and Node's 30 s", () => {
    const interval = (headersTimeoutMs: number) =>
      hardenedServerOptions({ headersTimeoutMs, requestTimeoutMs: 10_000_000 }, sequentialIds()).http.connectionsCheckingInterval;
    expect(interval(400)).toBe(100);
    expect(interval(401)).toBe(100);
    expect(interval(20)).toBe(10);
    expect(interval(1_000_000)).toBe(30_000);
  });

  it("answers a request that failed before routing in Anthropic's error shape, with its request id", () => {
    const sent: { status?: number; body?: unknown; headers: Record<string, unknown> } = { headers: {} };
    const reply = {
      raw: { setHeader: (name: string, value: unknown) => (sent.headers[name] = value) },
      status(code: number) {
        sent.status = code;
        return reply;
      },
      send(body: unknown) {
        sent.body = body;
        return reply;
      },
    };
    const error = Object.assign(new Error("'%' is not a valid URL"), { statusCode: 400, code: "FST_ERR_BAD_URL" }) as FastifyError;
    hardenedServerOptions({}, sequentialIds()).frameworkErrors(error, { id: "req_7" } as FastifyRequest, reply as unknown as FastifyReply);
    expect(sent.status).toBe(400);
    expect(sent.headers).toEqual({ "request-id": "req_7" });
    expect(sent.body).toMatchObject({ type: "error", error: { type: "invalid_request_error" }, request_id: "req_7" });
  });
});
