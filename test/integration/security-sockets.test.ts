import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/api/create-app.js";
import type { GenerationEvent } from "../../src/engine/generation-event.js";
import { KeepAliveConnection, rawExchange, type RawResponse } from "../helpers/raw-http.js";
import { ScriptedEngine, textEvents } from "../helpers/scripted-engine.js";
import { listenOnLoopback, startTestServer, type ListeningApp, type TestServer } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

/**
 * The protections that only show on a real socket, where an HTTP client library would fill in a Host, refuse to
 * send a control byte, or never send a body slowly: the real server (tiny generated model) on a loopback port.
 */

const headersTimeoutMs = 200;
const requestTimeoutMs = 400;
const messageBody = JSON.stringify({ model: "m", max_tokens: 4, messages: [{ role: "user", content: "Hi" }] });

function expectAnthropicError(response: RawResponse, status: number, type: string): void {
  expect(response.status).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^application\/json/);
  expect(response.headers["request-id"]).toMatch(/^req_/);
  expect(JSON.parse(response.body)).toEqual({ type: "error", error: { type, message: expect.any(String) }, request_id: response.headers["request-id"] });
}

let server: TestServer;
let port: number;

beforeAll(async () => {
  server = await startTestServer(await testModelPath("tiny"), { security: { headersTimeoutMs, requestTimeoutMs } });
  port = Number(new URL(server.baseUrl).port);
});
afterAll(async () => {
  await server.close();
});

function request(lines: readonly string[], body = ""): (write: (data: string | Buffer) => Promise<boolean>) => Promise<void> {
  return async (write) => {
    await write(`${lines.join("\r\n")}\r\n\r\n${body}`);
  };
}

describe("Host header, on a real socket", () => {
  it("answers a correct Host normally", async () => {
    const response = await rawExchange(port, request(["GET /health HTTP/1.1", `Host: localhost:${port}`, "Connection: close"]));
    expect(response.status).toBe(200);
  });

  it.each([
    ["a foreign name (DNS rebinding)", [`Host: attacker.example:${port}`]],
    ["an empty Host", ["Host: "]],
    ["no Host at all (HTTP/1.1)", []],
    ["the wildcard address", [`Host: 0.0.0.0:${port}`]],
    ["an mDNS name", [`Host: laptop.local:${port}`]],
    ["a cloud-internal name", ["Host: metadata.google.internal"]],
  ])("answers 403 permission_error to %s", async (_case, hostLines) => {
    const response = await rawExchange(port, request(["GET /health HTTP/1.1", ...hostLines, "Connection: close"]));
    expectAnthropicError(response, 403, "permission_error");
  });

  it("answers 403 to an HTTP/1.0 request without a Host", async () => {
    const response = await rawExchange(port, request(["GET /health HTTP/1.0"]));
    expectAnthropicError(response, 403, "permission_error");
  });

  it("answers a foreign Host before reading the body: the 403 comes while the body is still unsent", async () => {
    const response = await rawExchange(port, async (write) => {
      await write(["POST /v1/messages HTTP/1.1", "Host: attacker.example", "Content-Type: application/json", "Content-Length: 10000000", "", ""].join("\r\n"));
      // No body follows: the answer must not wait for it.
    });
    expectAnthropicError(response, 403, "permission_error");
  });
});

describe("slow and malformed clients, on a real socket", () => {
  it(`cuts off a client that sends headers too slowly with 408 (headers timeout ${headersTimeoutMs} ms)`, async () => {
    const response = await rawExchange(port, async (write) => {
      await write(`POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n`);
    });
    expectAnthropicError(response, 408, "invalid_request_error");
    expect(response.elapsedMs).toBeGreaterThanOrEqual(headersTimeoutMs - 20);
  });

  it("cuts off a client that connects and sends nothing with 408 after the headers timeout", async () => {
    const response = await rawExchange(port, async () => {});
    expectAnthropicError(response, 408, "invalid_request_error");
    expect(response.elapsedMs).toBeGreaterThanOrEqual(headersTimeoutMs - 20);
  });

  it(`cuts off a client that sends its body too slowly with 408 (request timeout ${requestTimeoutMs} ms)`, async () => {
    const response = await rawExchange(port, async (write) => {
      await write(["POST /v1/messages HTTP/1.1", "Host: localhost", "Content-Type: application/json", `Content-Length: ${messageBody.length}`, "", messageBody.slice(0, 10)].join("\r\n"));
    });
    expectAnthropicError(response, 408, "invalid_request_error");
    expect(response.elapsedMs).toBeGreaterThanOrEqual(requestTimeoutMs - 20);
  });

  it("answers a raw control byte in the URL with 400 in Anthropic's shape", async () => {
    const response = await rawExchange(port, request(["GET /v1/\u001b[2Jmodels HTTP/1.1", "Host: localhost", "Connection: close"]));
    expectAnthropicError(response, 400, "invalid_request_error");
  });

  it("answers headers past Node's 16 KiB limit with 431 in Anthropic's shape", async () => {
    const response = await rawExchange(port, request(["GET /health HTTP/1.1", "Host: localhost", `X-Padding: ${"x".repeat(20_000)}`, "Connection: close"]));
    expectAnthropicError(response, 431, "invalid_request_error");
  });
});

describe("request bodies, on a real socket", () => {
  it("answers a declared body over 32 MiB with 413 request_too_large without reading it", async () => {
    const response = await rawExchange(port, async (write) => {
      await write(["POST /v1/messages HTTP/1.1", "Host: localhost", "Content-Type: application/json", `Content-Length: ${32 * 1024 * 1024 + 1}`, "", ""].join("\r\n"));
    });
    expectAnthropicError(response, 413, "request_too_large");
  });

  it("answers a chunked body that grows past 32 MiB with 413 request_too_large", async () => {
    const megabyte = Buffer.alloc(1024 * 1024, "x");
    const chunk = Buffer.concat([Buffer.from(`${megabyte.length.toString(16)}\r\n`), megabyte, Buffer.from("\r\n")]);
    let sentMegabytes = 0;
    const response = await rawExchange(port, async (write) => {
      if (!(await write(["POST /v1/messages HTTP/1.1", "Host: localhost", "Content-Type: application/json", "Transfer-Encoding: chunked", "", ""].join("\r\n")))) return;
      while (sentMegabytes < 64 && (await write(chunk))) sentMegabytes += 1;
    });
    expectAnthropicError(response, 413, "request_too_large");
    expect(sentMegabytes).toBeGreaterThanOrEqual(31);
    expect(sentMegabytes).toBeLessThan(64);
    // A close while the client's bytes still arrive resets the connection, and a reset can drop the answer unread.
    expect(response.socketError).toBeNull();
  });

  it("answers a declared body over 32 MiB that is being sent with 413, and the client reads it with no reset", async () => {
    const megabyte = Buffer.alloc(1024 * 1024, "x");
    let sentMegabytes = 0;
    const response = await rawExchange(port, async (write) => {
      if (!(await write(["POST /v1/messages HTTP/1.1", "Host: localhost", "Content-Type: application/json", `Content-Length: ${64 * 1024 * 1024}`, "", ""].join("\r\n")))) return;
      while (sentMegabytes < 64 && (await write(megabyte))) sentMegabytes += 1;
    });
    expectAnthropicError(response, 413, "request_too_large");
    expect(sentMegabytes).toBeLessThan(64);
    expect(response.socketError).toBeNull();
  });

  it("answers a gzip bomb with 415 without inflating it, declared or chunked", async () => {
    // 256 MiB of zeros in about 250 KiB: inflating it would take the memory the model needs.
    const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const rssBefore = process.memoryUsage().rss;
    const declared = await rawExchange(port, async (write) => {
      await write(["POST /v1/messages HTTP/1.1", "Host: localhost", "Content-Type: application/json", "Content-Encoding: gzip", `Content-Length: ${bomb.length}`, "", ""].join("\r\n"));
      await write(bomb);
    });
    const chunked = await rawExchange(port, async (write) => {
      await write(["POST /v1/messages/count_tokens HTTP/1.1", "Host: localhost", "Content-Type: application/json", "Content-Encoding: gzip", "Transfer-Encoding: chunked", "", ""].join("\r\n"));
      await write(Buffer.concat([Buffer.from(`${bomb.length.toString(16)}\r\n`), bomb, Buffer.from("\r\n0\r\n\r\n")]));
    });
    for (const response of [declared, chunked]) {
      expectAnthropicError(response, 415, "invalid_request_error");
      expect(JSON.parse(response.body).error.message).toBe("Content-Encoding 'gzip' is not supported: send the body uncompressed.");
    }
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(128 * 1024 * 1024);
    // And the server still works.
    const health = await rawExchange(port, request(["GET /health HTTP/1.1", "Host: localhost", "Connection: close"]));
    expect(health.status).toBe(200);
  });

  it("answers a text/plain POST, which browsers send cross-site without a preflight, with 415", async () => {
    const response = await rawExchange(port, request(["POST /v1/messages HTTP/1.1", "Host: localhost", "Content-Type: text/plain", `Content-Length: ${messageBody.length}`, "Connection: close"], messageBody));
    expectAnthropicError(response, 415, "invalid_request_error");
  });
});

describe("requests per keep-alive connection, on a real socket", () => {
  let app: FastifyInstance;
  let limitedPort: number;
  const connections: KeepAliveConnection[] = [];

  beforeAll(async () => {
    app = createApp({ engine: ScriptedEngine.replaying(textEvents), security: { maxRequestsPerSocket: 2 } });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    limitedPort = typeof address === "object" && address !== null ? address.port : 0;
  });
  afterAll(async () => {
    for (const connection of connections) connection.destroy();
    await app.close();
  });

  async function connect(): Promise<KeepAliveConnection> {
    const connection = await KeepAliveConnection.open(limitedPort);
    connections.push(connection);
    return connection;
  }

  const health = "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n";
  const post = (body: string): string =>
    `POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const message = post(messageBody);
  const streamed = post(JSON.stringify({ ...(JSON.parse(messageBody) as object), stream: true }));

  // A server that only says `Connection: close` keeps the socket until its keep-alive timeout (72 s): the 10 s
  // limit on these tests is the guard against that hang.
  it.each([
    ["GET /health", health],
    ["POST /v1/messages", message],
    ["streamed POST /v1/messages", streamed],
  ])("answers the 2nd %s with Connection: close and closes the connection after it", { timeout: 10_000 }, async (_case, request) => {
    const connection = await connect();
    const first = await connection.exchange(request);
    expect(first.status).toBe(200);
    expect(first.headers["connection"]).toBe("keep-alive");
    expect(first.headers["keep-alive"]).toMatch(/\bmax=2\b/);
    const second = await connection.exchange(request);
    expect(second.status).toBe(200);
    expect(second.headers["connection"]).toBe("close");
    await connection.closed;
    expect(connection.unread()).toBe("");
  });

  it("answers two of three pipelined requests, then closes without answering the third", { timeout: 10_000 }, async () => {
    const connection = await connect();
    const first = await connection.exchange(health.repeat(3));
    const second = await connection.nextResponse();
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.headers["connection"]).toBe("close");
    await connection.closed;
    // Node would answer the third with a bare 503 had the connection stayed open; a client retries it elsewhere.
    expect(connection.unread()).toBe("");
  });
});

describe("a connection answered before its request arrived, on a real socket", () => {
  let app: FastifyInstance;
  let engine: ScriptedEngine;
  let listening: ListeningApp;

  beforeAll(async () => {
    engine = ScriptedEngine.replaying(textEvents);
    app = createApp({ engine, security: {} });
    listening = await listenOnLoopback(app);
  });
  afterAll(async () => {
    await listening.close();
  });

  it("serves no request pipelined behind the refused one", { timeout: 10_000 }, async () => {
    // A client that goes on sending after the server's half-close, as one still uploading would.
    const socket = net.connect({ port: listening.port, host: "127.0.0.1", allowHalfOpen: true });
    await once(socket, "connect");
    let received = "";
    const answered = new Promise<void>((resolve) =>
      socket.on("data", (chunk: Buffer) => {
        received += chunk.toString("latin1");
        if (received.includes("\r\n\r\n")) resolve();
      }),
    );
    const closed = once(socket, "close");
    const refusedHeaders = ["POST /v1/messages HTTP/1.1", "Host: attacker.example", "Content-Type: application/json", `Content-Length: ${messageBody.length}`, "", ""];
    socket.write(refusedHeaders.join("\r\n"));
    await answered;
    expect(received).toMatch(/^HTTP\/1\.1 403 /);
    expect(received).toMatch(/\r\nconnection: close\r\n/i);
    const pipelined = ["POST /v1/messages HTTP/1.1", "Host: localhost", "Content-Type: application/json", `Content-Length: ${messageBody.length}`, "", messageBody].join("\r\n");
    socket.end(messageBody + pipelined);
    // When the server closes follows from the client's close or the linger's limits: test/unit/security/lingering-close.test.ts.
    await closed;
    expect(engine.requests).toEqual([]);
    expect(received.match(/HTTP\/1\.1 /g)).toHaveLength(1);
  });
});

describe("the request timeout ends with the request: long replies are not cut", () => {
  let app: FastifyInstance;
  let listening: ListeningApp;
  let baseUrl: string;
  let releaseGeneration: () => void = () => {};

  beforeAll(async () => {
    // Generation that lasts until the test says so, on the real HTTP server: what is measured is Node's timers.
    const engine = new ScriptedEngine(async function* (): AsyncGenerator<GenerationEvent> {
      yield textEvents[0] as GenerationEvent;
      await new Promise<void>((resolve) => (releaseGeneration = resolve));
      yield* textEvents.slice(1);
    });
    app = createApp({ engine, pingIntervalMs: 20, security: { headersTimeoutMs: 50, requestTimeoutMs: 100 } });
    listening = await listenOnLoopback(app);
    baseUrl = listening.baseUrl;
  });
  afterAll(async () => {
    releaseGeneration();
    await listening.close();
  });

  it("streams for many times the request timeout", async () => {
    const response = await fetch(`${baseUrl}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...JSON.parse(messageBody), stream: true }) });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = "";
    const started = performance.now();
    // While generation waits, a ping comes every 50 ms (the route's ping timer): they are the clock. 15 of them
    // span at least 650 ms, over six request timeouts.
    while ((received.match(/event: ping/g) ?? []).length < 15) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended early after ${Math.round(performance.now() - started)} ms:\n${received}`);
      received += decoder.decode(value, { stream: true });
    }
    expect(performance.now() - started).toBeGreaterThan(requestTimeoutMsOf(app) * 5);
    releaseGeneration();
    for (let next = await reader.read(); !next.done; next = await reader.read()) received += decoder.decode(next.value, { stream: true });
    expect(received).toContain("event: message_stop");
  });

  it("waits silently on a non-streaming generation for many times the request timeout", async () => {
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const outgoing = http.request(`${baseUrl}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" } }, (incoming) => {
        let body = "";
        incoming.setEncoding("utf8");
        incoming.on("data", (chunk: string) => (body += chunk));
        incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, body }));
        incoming.on("error", reject);
      });
      outgoing.on("error", reject);
      outgoing.end(messageBody);
    });
    // Nothing is written while a non-streaming reply is generated, so there is no event to wait for: this pause is
    // the duration under test (five request timeouts, 20 rounds of the connection checker), not a wait for a result.
    await delay(requestTimeoutMsOf(app) * 5);
    releaseGeneration();
    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(JSON.parse(body).content).toEqual([{ type: "text", text: "Hello, world" }]);
  });
});

function requestTimeoutMsOf(app: FastifyInstance): number {
  return app.server.requestTimeout;
}
