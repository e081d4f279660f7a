import type Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectEvents, textRequest } from "../helpers/generation-requests.js";
import { startTestServer, withEngine, type TestServer } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

/**
 * On the Qwen2.5-0.5B-size model one thread evaluates a prompt batch (512 tokens) in seconds: long enough to
 * act while a prompt is still being evaluated, as Claude Code does when it gives up on a slow first token.
 */
const longText = Array.from({ length: 140 }, (_, index) => `word${index % 97} topic${index % 13}`).join(" ");
const body = { model: "claude-sonnet-5", messages: [{ role: "user" as const, content: longText }] };

// With two sequences the retry could start cold on the free one; it must wait for the abandoned one instead.
describe.each([1, 2])("long prompts with %i sequence(s): progress, a client that leaves mid-prompt, and its retry", (parallel) => {
  let server: TestServer;
  const logLines: string[] = [];
  beforeAll(async () => {
    server = await startTestServer(await testModelPath("qwen2.5-0.5b-q4_0"), {
      contextSize: 4096,
      parallel,
      progressLogIntervalMs: 200,
      watchIntervalMs: 50,
      log: (level, message) => logLines.push(`${level}: ${message}`),
    });
  });
  afterAll(async () => server?.close());

  it("frees the sequence within a batch when the client leaves, and an identical retry reuses what was evaluated", async () => {
    const total = (await server.client.messages.countTokens(body)).input_tokens;
    expect(total).toBeGreaterThan(1024);

    const controller = new AbortController();
    const stream = await server.client.messages.create({ ...body, max_tokens: 5, stream: true } as Anthropic.MessageCreateParamsStreaming, {
      signal: controller.signal,
    });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.type).toBe("message_start");
    // The first batch is under way: the metrics gauge shows the rest still to evaluate.
    await expect.poll(() => server.engine.stats().promptTokensPending, { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => server.engine.stats().promptTokensPending, { timeout: 30_000 }).toBeLessThan(total);
    controller.abort();
    await iterator.return?.();
    // Claude Code retries after a pause; by then the server has seen the client leave.
    await expect.poll(() => server.engine.stats().abandonedSequences, { timeout: 30_000 }).toBe(1);

    const retry = await server.client.messages.create({ ...body, max_tokens: 1 });
    // The first request stopped between batches rather than evaluating its whole prompt for nobody…
    expect(retry.usage.cache_read_input_tokens).toBeLessThan(total - 1);
    // …and what it did evaluate served the retry.
    expect(retry.usage.cache_read_input_tokens).toBeGreaterThan(0);
    expect(retry.usage.input_tokens + (retry.usage.cache_read_input_tokens ?? 0)).toBe(total);
    expect(server.engine.stats().abortedGenerations).toBe(1);
    expect(logLines.some((line) => /^info: evaluating the prompt: \d+ of \d+ tokens \(\d+ %\), \d+ tokens\/s$/.test(line))).toBe(true);
  }, 120_000);
});

describe("the stall watchdog", () => {
  it("counts a prompt as evaluated once its first token is out, though LlamaChat evaluated its last batch", async () => {
    await withEngine({ modelPath: await testModelPath("tiny"), threads: 1, gpu: false, contextSize: 1024 }, async (engine) => {
      const pendingAtTokens: number[] = [];
      // Greedy: the tiny model's path is fixed and does not end its turn within these tokens.
      for await (const event of engine.generate(textRequest("a prompt that fits one batch", 8, 0), new AbortController().signal)) {
        if (event.type === "text-delta") pendingAtTokens.push(engine.stats().promptTokensPending);
      }
      expect(pendingAtTokens.length).toBeGreaterThan(0);
      expect(pendingAtTokens.every((pending) => pending === 0)).toBe(true);
    });
  }, 60_000);

  it("ends a generation that makes no progress within the stall time, cleanly, with max-tokens", async () => {
    const logLines: string[] = [];
    // A stall time far below one batch's evaluation: every long prompt looks stalled.
    const options = {
      modelPath: await testModelPath("qwen2.5-0.5b-q4_0"),
      threads: 1,
      gpu: false as const,
      contextSize: 4096,
      stallTimeoutMs: 300,
      watchIntervalMs: 50,
      log: (level: string, message: string) => logLines.push(`${level}: ${message}`),
    };
    await withEngine(options, async (engine) => {
      const events = await collectEvents(engine.generate(textRequest(longText, 5), new AbortController().signal));
      const finish = events.at(-1);
      expect(finish).toMatchObject({ type: "finish", stopReason: "max-tokens", usage: { outputTokens: 0 } });
      expect(logLines.some((line) => line.startsWith("warn: generation stalled: no token for"))).toBe(true);
      expect(engine.stats().promptTokensPending).toBe(0);
    });
  }, 120_000);
});
