import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from "fastify";
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { streamServerSentEvents, type ServerSentEventFormat } from "../../../src/api/stream-server-sent-events.js";

const format: ServerSentEventFormat<string> = {
  encode: (event) => `data: ${event}\n\n`,
  ping: ": ping\n\n",
  error: (error) => `event: error\ndata: ${error.message}\n\n`,
  end: "data: [END]\n\n",
};

/** An app whose one route streams what `events` yields, and the error-level log lines it writes, parsed. */
async function streamingApp(events: () => AsyncGenerator<string>, pingIntervalMs: number) {
  const logged: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter((line) => line !== "")) logged.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = Fastify({ loggerInstance: pino({ level: "error" }, destination) as FastifyBaseLogger });
  app.get("/events", async (_request, reply) => {
    const iterator = events();
    await streamServerSentEvents(reply, await iterator.next(), iterator, { pingIntervalMs, format });
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}/events`, logged };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe("streamServerSentEvents", () => {
  it("writes the stream's headers, each event's frames and the end frame", async () => {
    const served = await streamingApp(async function* () {
      yield "a";
      yield "b";
    }, 60_000);
    app = served.app;
    const response = await fetch(served.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    // Proxies (nginx) must pass each frame on as written, and nothing may cache a generation.
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    expect(await response.text()).toBe("data: a\n\ndata: b\n\ndata: [END]\n\n");
  });

  it("pings a stream that has been idle for the interval", async () => {
    let sawPing!: () => void;
    const pinged = new Promise<void>((resolve) => (sawPing = resolve));
    const served = await streamingApp(async function* () {
      yield "before";
      await pinged; // the next event waits until the client has seen a ping
      yield "after";
    }, 100);
    app = served.app;
    const response = await fetch(served.url);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let received = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      received += chunk.value;
      if (received.includes(": ping")) sawPing();
    }
    expect(received.startsWith("data: before\n\n: ping\n\n")).toBe(true);
    expect(received.endsWith("data: after\n\ndata: [END]\n\n")).toBe(true);
  });

  it("reports an error after the headers in-band, as the format's error frame, and logs it", async () => {
    const served = await streamingApp(async function* () {
      yield "partial";
      throw new Error("the model went away");
    }, 60_000);
    app = served.app;
    const received = await (await fetch(served.url)).text();
    expect(received).toMatch(/^data: partial\n\nevent: error\ndata: .+\n\n$/);
    expect(received).not.toContain("[END]");
    expect(served.logged).toHaveLength(1);
    expect(served.logged[0]).toMatchObject({ msg: "generation failed after the stream started", err: { message: "the model went away" } });
  });
});

/** A reply whose raw response records what is written, on which the test can close the connection. */
function recordingReply() {
  const writes: string[] = [];
  const raw = {
    writableEnded: false,
    destroyed: false,
    writeHead: () => raw,
    write: (frames: string) => writes.push(frames),
    end: () => {
      raw.writableEnded = true;
    },
  };
  const reply = { hijack: () => reply, raw, request: { log: { error: () => {} } } };
  return { reply: reply as unknown as FastifyReply, raw, writes };
}

/** Events the test hands over one at a time, as a generation would. */
function handedEvents() {
  const waiting: ((result: IteratorResult<string>) => void)[] = [];
  const iterator: AsyncIterator<string> = { next: () => new Promise((resolve) => waiting.push(resolve)) };
  const hand = async (result: IteratorResult<string>) => {
    await vi.waitFor(() => expect(waiting).toHaveLength(1));
    waiting.shift()!(result);
  };
  return { iterator, hand };
}

describe("streamServerSentEvents on a clock the test moves", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("pings once the stream has been idle for the interval, and not before", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    const { reply, writes } = recordingReply();
    const { iterator, hand } = handedEvents();
    const streaming = streamServerSentEvents(reply, { done: false, value: "a" }, iterator, { pingIntervalMs: 1000, format });
    expect(writes).toEqual(["data: a\n\n"]);
    vi.advanceTimersByTime(999);
    expect(writes).not.toContain(format.ping);
    vi.advanceTimersByTime(1);
    expect(writes).toEqual(["data: a\n\n", format.ping]);
    await hand({ done: true, value: undefined });
    await streaming;
  });

  it("does not ping a stream that writes more often than the interval", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    const { reply, writes } = recordingReply();
    const { iterator, hand } = handedEvents();
    const streaming = streamServerSentEvents(reply, { done: false, value: "a" }, iterator, { pingIntervalMs: 1000, format });
    for (let step = 0; step < 4; step++) {
      vi.advanceTimersByTime(900);
      await hand({ done: false, value: String(step) });
    }
    expect(writes).toEqual(["data: a\n\n", "data: 0\n\n", "data: 1\n\n", "data: 2\n\n", "data: 3\n\n"]);
    await hand({ done: true, value: undefined });
    await streaming;
  });

  it("does not count an event that encodes to nothing as a write: the stream still pings", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    const { reply, writes } = recordingReply();
    const { iterator, hand } = handedEvents();
    const silent: ServerSentEventFormat<string> = { ...format, encode: (event) => (event === "internal" ? "" : format.encode(event)) };
    const streaming = streamServerSentEvents(reply, { done: false, value: "a" }, iterator, { pingIntervalMs: 1000, format: silent });
    for (let step = 0; step < 4; step++) {
      vi.advanceTimersByTime(300);
      await hand({ done: false, value: "internal" });
    }
    expect(writes).toEqual(["data: a\n\n", format.ping]);
    expect(writes).not.toContain("");
    await hand({ done: true, value: undefined });
    await streaming;
  });

  it("writes nothing more once the client has gone, and still ends the response", async () => {
    const { reply, raw, writes } = recordingReply();
    const { iterator, hand } = handedEvents();
    const streaming = streamServerSentEvents(reply, { done: false, value: "a" }, iterator, { pingIntervalMs: 1000, format });
    raw.destroyed = true;
    await hand({ done: false, value: "b" });
    await hand({ done: true, value: undefined });
    await streaming;
    expect(writes).toEqual(["data: a\n\n"]);
    expect(raw.writableEnded).toBe(true);
  });
});

