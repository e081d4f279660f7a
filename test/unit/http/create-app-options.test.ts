import { Writable } from "node:stream";
import type { FastifyBaseLogger } from "fastify";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import { ScriptedEngine, sequentialIds, textEvents } from "../../helpers/scripted-engine.js";

const body = { model: "claude-sonnet-5", max_tokens: 16, messages: [{ role: "user", content: "Hi" }] };

/** A logger at `info` and every line it wrote, parsed. */
function recordedLogger() {
  const lines: { level: number; msg: string; err?: { message: string } }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter((line) => line !== "")) lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  return { logger: pino({ level: "info" }, destination) as FastifyBaseLogger, lines };
}

describe("createApp's Fastify settings (in process, scripted engine)", () => {
  it("makes its own request ids: a client's request-id header is not taken", async () => {
    const app = createApp({ engine: ScriptedEngine.replaying(textEvents), generateId: sequentialIds() });
    const response = await app.inject({ method: "POST", url: "/v1/messages", headers: { "request-id": "forged" }, payload: body });
    expect(response.statusCode).toBe(200);
    expect(response.headers["request-id"]).toMatch(/^req_/);
  });

  it("routes a path with a trailing slash as without one", async () => {
    const app = createApp({ engine: ScriptedEngine.replaying(textEvents) });
    expect((await app.inject({ method: "POST", url: "/v1/messages/", payload: body })).statusCode).toBe(200);
  });

  it("does not coerce types: a number sent as a string is refused, as the real API does", async () => {
    const engine = ScriptedEngine.replaying(textEvents);
    const response = await createApp({ engine }).inject({ method: "POST", url: "/v1/messages", payload: { ...body, max_tokens: "16" } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(engine.requests).toHaveLength(0);
  });

  it("names an unknown path without its query string", async () => {
    const response = await createApp({ engine: ScriptedEngine.replaying(textEvents) }).inject({ method: "GET", url: "/v1/nothing?beta=true" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ type: "error", error: { type: "not_found_error", message: "Not found: GET /v1/nothing" } });
  });

  it("logs a failure of the server's own as an error, and a client's mistake not", async () => {
    const { logger, lines } = recordedLogger();
    const failing = new ScriptedEngine(async function* () {
      yield* [];
      throw new Error("the engine broke");
    });
    const app = createApp({ engine: failing, logger });
    expect((await app.inject({ method: "POST", url: "/v1/messages", payload: body })).statusCode).toBe(500);
    expect((await app.inject({ method: "POST", url: "/v1/messages", payload: { ...body, max_tokens: -1 } })).statusCode).toBe(400);
    const errors = lines.filter((line) => line.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: "request failed", err: { message: "the engine broke" } });
  });
});
