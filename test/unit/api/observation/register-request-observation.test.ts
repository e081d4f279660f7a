import http from "node:http";
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { registerRequestObservation } from "../../../../src/api/observation/register-request-observation.js";

interface Ended {
  readonly url: string;
  readonly abandoned: boolean;
  readonly durationMs: number;
}

/**
 * A bare Fastify app with the observation registered and three routes: a plain reply, a hijacked stream that
 * completes, and a hijacked stream that never ends (until the client leaves). `ended` collects each listener call.
 */
async function observedApp(): Promise<{ app: FastifyInstance; baseUrl: string; ended: Ended[]; nextEnd: () => Promise<Ended> }> {
  const app = Fastify();
  const ended: Ended[] = [];
  const waiters: ((value: Ended) => void)[] = [];
  let clock = 0;
  registerRequestObservation(app, { now: () => (clock += 10) }, [
    (request) => {
      const entry = { url: request.url, abandoned: request.observation.abandoned, durationMs: request.observation.durationMs };
      ended.push(entry);
      waiters.shift()?.(entry);
    },
  ]);
  app.get("/plain", async () => ({ ok: true }));
  app.get("/stream", async (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { "content-type": "text/plain" });
    reply.raw.write("one\n");
    reply.raw.end("two\n");
  });
  app.get("/endless", async (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { "content-type": "text/plain" });
    reply.raw.write("first\n");
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, baseUrl: `http://127.0.0.1:${port}`, ended, nextEnd: () => new Promise((resolve) => waiters.push(resolve)) };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe("registerRequestObservation", () => {
  it("gives every request an observation and ends it once, complete, for a plain reply", async () => {
    const observed = await observedApp();
    app = observed.app;
    const ending = observed.nextEnd();
    const response = await fetch(`${observed.baseUrl}/plain`);
    expect(await response.json()).toEqual({ ok: true });
    expect(await ending).toMatchObject({ url: "/plain", abandoned: false });
    // The socket's close after the complete response must not end it a second time.
    await fetch(`${observed.baseUrl}/plain`);
    await app.close();
    app = undefined;
    expect(observed.ended.map((entry) => entry.abandoned)).toEqual([false, false]);
  });

  it("ends a hijacked stream that completed as complete, not abandoned", async () => {
    const observed = await observedApp();
    app = observed.app;
    const ending = observed.nextEnd();
    const response = await fetch(`${observed.baseUrl}/stream`, { headers: { connection: "close" } });
    expect(await response.text()).toBe("one\ntwo\n");
    expect(await ending).toMatchObject({ url: "/stream", abandoned: false });
    expect(observed.ended).toHaveLength(1);
  });

  it("ends a stream whose client left mid-way as abandoned, with its duration stopped then", async () => {
    const observed = await observedApp();
    app = observed.app;
    const ending = observed.nextEnd();
    const request = http.get(`${observed.baseUrl}/endless`, (response) => {
      response.once("data", () => request.destroy());
    });
    request.on("error", () => {}); // the destroy's own abort
    const entry = await ending;
    expect(entry).toMatchObject({ url: "/endless", abandoned: true });
    expect(entry.durationMs).toBeGreaterThan(0);
    expect(observed.ended).toHaveLength(1);
  });
});
