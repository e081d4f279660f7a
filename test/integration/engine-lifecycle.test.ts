import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/api/create-app.js";
import { LlamaEngine } from "../../src/engine/llama/llama-engine.js";
import { collectEvents, textRequest } from "../helpers/generation-requests.js";
import { testModelPath } from "../helpers/test-models.js";
import { withEngine } from "../helpers/servers/index.js";
import type { GenerationEvent } from "../../src/engine/generation-event.js";

function textOf(events: readonly GenerationEvent[]): string {
  return events.map((event) => (event.type === "text-delta" ? event.text : "")).join("");
}

describe("LlamaEngine on a generated tiny model", () => {
  let engine: LlamaEngine;
  /** The engine's state each time it said the weights began to load. */
  const weightsLoading: string[] = [];
  beforeAll(async () => {
    engine = LlamaEngine.start({
      modelPath: await testModelPath("tiny"),
      threads: 1,
      gpu: false,
      contextSize: 1024,
      onWeightsLoading: () => weightsLoading.push(engine.status.state),
    });
  });
  afterAll(async () => engine?.dispose());

  it("goes from loading to ready, describing the model", async () => {
    expect(["loading", "ready"]).toContain(engine.status.state);
    const status = await engine.whenSettled();
    expect(status.state).toBe("ready");
    expect(status.model).toMatchObject({ contextSize: 1024, maxInputTokens: 1022 });
  });

  it("says once, while loading, that the weights began to load (the CLI collects garbage there)", async () => {
    await engine.whenSettled();
    expect(weightsLoading).toEqual(["loading"]);
  });

  it("starts with usage, ends with finish, and reports exact output tokens", async () => {
    const events = await collectEvents(engine.generate(textRequest("Hello", 10), new AbortController().signal));
    expect(events[0]?.type).toBe("start");
    const finish = events.at(-1);
    if (finish?.type !== "finish") throw new Error("no finish event");
    expect(finish.usage.outputTokens).toBeGreaterThan(0);
    expect(finish.usage.outputTokens).toBeLessThanOrEqual(10);
    if (finish.stopReason === "max-tokens") expect(finish.usage.outputTokens).toBe(10);
  });

  it("generates 10 tokens well within 2 s (a hang guard, not a benchmark)", async () => {
    const started = performance.now();
    await collectEvents(engine.generate(textRequest("Count", 10), new AbortController().signal));
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("grows RSS by less than 100 MB over 20 generations", async () => {
    await collectEvents(engine.generate(textRequest("warm up", 20), new AbortController().signal));
    const before = process.memoryUsage().rss;
    for (let index = 0; index < 20; index += 1) {
      await collectEvents(engine.generate(textRequest(`Request number ${index}`, 20), new AbortController().signal));
    }
    const grownMb = (process.memoryUsage().rss - before) / 1024 / 1024;
    expect(grownMb).toBeLessThan(100);
  });

  it("reuses the cached prefix of a repeated prompt and says so in usage", async () => {
    const request = textRequest("The same long question about the same long topic, asked twice.", 1);
    const first = await collectEvents(engine.generate(request, new AbortController().signal));
    const second = await collectEvents(engine.generate(request, new AbortController().signal));
    const [firstStart, secondStart] = [first[0], second[0]];
    if (firstStart?.type !== "start" || secondStart?.type !== "start") throw new Error("no start event");
    const total = firstStart.usage.inputTokens + firstStart.usage.cachedInputTokens;
    expect(secondStart.usage.cachedInputTokens).toBe(total - 1);
    expect(secondStart.usage.inputTokens + secondStart.usage.cachedInputTokens).toBe(total);
  });

  it("draws a new seed for each request: the same prompt in the same second gives different noise", async () => {
    const request = textRequest("Say something random", 16);
    const replies = new Set<string>();
    for (let index = 0; index < 3; index += 1) replies.add(textOf(await collectEvents(engine.generate(request, new AbortController().signal))));
    expect(replies.size).toBeGreaterThan(1);
  });

  it("counts exactly the tokens it evaluates for a fresh prompt", async () => {
    const request = textRequest(`A prompt never seen before: ${Math.random()}`, 1);
    const counted = await engine.countTokens(request);
    const [start] = await collectEvents(engine.generate(request, new AbortController().signal));
    if (start?.type !== "start") throw new Error("no start event");
    expect(start.usage.inputTokens + start.usage.cachedInputTokens).toBe(counted);
  });
});

describe("LlamaEngine with two threads", () => {
  it("gives a lone sequence's decoding one thread on the real native context, and generates", async () => {
    const logLines: string[] = [];
    const log = (level: string, message: string): number => logLines.push(`${level}: ${message}`);
    await withEngine({ modelPath: await testModelPath("tiny"), threads: 2, gpu: false, contextSize: 1024, log }, async (engine, status) => {
      expect(status.state).toBe("ready");
      const events = await collectEvents(engine.generate(textRequest("Hello", 8), new AbortController().signal));
      expect(events.at(-1)).toMatchObject({ type: "finish" });
      expect(logLines.filter((line) => line.includes("cannot give decoding"))).toEqual([]);
    });
  });
});

describe("LlamaEngine with a fixed seed", () => {
  it("gives the same reply to the same prompt", async () => {
    await withEngine({ modelPath: await testModelPath("tiny"), threads: 1, gpu: false, contextSize: 1024, seed: 7 }, async (engine) => {
      const request = textRequest("Say something random", 16);
      const replies: string[] = [];
      for (let index = 0; index < 3; index += 1) replies.push(textOf(await collectEvents(engine.generate(request, new AbortController().signal))));
      expect(replies[0]).not.toBe("");
      expect(new Set(replies).size).toBe(1);
    });
  });
});

describe("a model that fails to load", () => {
  it("reports failed with the reason, answers /health 503, and keeps the server up", async () => {
    const broken = path.join(os.tmpdir(), `pensieve-broken-${process.pid}.gguf`);
    await writeFile(broken, "this is not a GGUF file");
    const engine = LlamaEngine.start({ modelPath: broken, threads: 1, gpu: false });
    const status = await engine.whenSettled();
    expect(status.state).toBe("failed");
    const app = createApp({ engine });
    const health = await app.inject({ method: "GET", url: "/health" });
    expect(health.statusCode).toBe(503);
    expect(health.json().status).toBe("failed");
    const reply = await app.inject({
      method: "POST",
      url: "/v1/messages",
      payload: { model: "m", max_tokens: 5, messages: [{ role: "user", content: "Hi" }] },
    });
    expect(reply.statusCode).toBe(503);
    expect(reply.json().error.type).toBe("api_error");
    expect((await app.inject({ method: "HEAD", url: "/" })).statusCode).toBe(200);
    await app.close();
  });
});
