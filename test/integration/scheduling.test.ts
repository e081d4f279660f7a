import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

const user = (text: string) => [{ role: "user" as const, content: text }];

/**
 * A streaming request that keeps its sequence busy until aborted: greedy decoding makes the random model's
 * path deterministic, and on this prompt it never reaches end of turn within the context.
 */
async function holdSequence(server: TestServer, text: string) {
  const controller = new AbortController();
  const body = { model: "claude-sonnet-5", max_tokens: 3000, stream: true as const, temperature: 0, messages: user(text) };
  const stream = await server.client.messages.create(body as Anthropic.MessageCreateParamsStreaming, { signal: controller.signal });
  const iterator = stream[Symbol.asyncIterator]();
  await iterator.next(); // message_start: the sequence is taken
  return {
    release: async () => {
      controller.abort();
      await iterator.return?.();
    },
  };
}

describe("scheduling: one sequence, a queue of one", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await testModelPath("tiny"), { contextSize: 4096, parallel: 1, maxQueue: 1 });
  });
  afterAll(async () => server?.close());

  it("queues one request, refuses the next at once with 529 and retry-after, and serves the queued one after", async () => {
    const holder = await holdSequence(server, "hold the sequence");
    await expect.poll(() => server.engine.stats().busySequences).toBe(1);

    const queued = server.client.messages.create({ model: "claude-sonnet-5", max_tokens: 2, messages: user("wait your turn") });
    await expect.poll(() => server.engine.stats().queuedRequests).toBe(1);

    const refused = await fetch(`${server.baseUrl}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "test" },
      body: JSON.stringify({ model: "claude-sonnet-5", max_tokens: 2, messages: user("no room") }),
    });
    expect(refused.status).toBe(529);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe("overloaded_error");

    await holder.release();
    const answer = await queued;
    expect(answer.type).toBe("message");
  });

  it("drops a queued request whose client left, without decoding it", async () => {
    const holder = await holdSequence(server, "hold the sequence");
    const completedBefore = server.engine.stats().completedGenerations;

    const leaver = new AbortController();
    const leaving = server.client.messages
      .create({ model: "claude-sonnet-5", max_tokens: 2, messages: user("I will leave") }, { signal: leaver.signal })
      .catch((error: unknown) => error);
    await expect.poll(() => server.engine.stats().queuedRequests).toBe(1);
    leaver.abort();
    expect(await leaving).toBeInstanceOf(Anthropic.APIUserAbortError);
    await expect.poll(() => server.engine.stats().queuedRequests).toBe(0);

    await holder.release();
    await expect.poll(() => server.engine.stats().busySequences).toBe(0);
    expect(server.engine.stats().completedGenerations).toBe(completedBefore);
  });
});

describe("scheduling: two sequences and prefix reuse over HTTP", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await testModelPath("tiny"), { contextSize: 4096, parallel: 2 });
  });
  afterAll(async () => server?.close());

  const longSystem = `You are a careful assistant. ${"Follow every rule in this long system prompt exactly. ".repeat(60)}`;

  it("a repeated long prefix reports cache_read_input_tokens, and input + cache_read equals the cold input", async () => {
    const request = { model: "claude-sonnet-5", max_tokens: 1, system: longSystem, messages: user("the same question") };
    const cold = await server.client.messages.create(request);
    const warm = await server.client.messages.create(request);
    expect(cold.usage.cache_read_input_tokens ?? 0).toBe(0);
    expect(warm.usage.cache_read_input_tokens).toBeGreaterThan(500);
    expect(warm.usage.input_tokens + (warm.usage.cache_read_input_tokens ?? 0)).toBe(cold.usage.input_tokens);
  });

  it("a short background request does not evict the long conversation's cached prefix", async () => {
    await server.client.messages.create({ model: "claude-sonnet-5", max_tokens: 1, system: longSystem, messages: user("main turn") });
    await server.client.messages.create({ model: "claude-haiku-4-5", max_tokens: 1, messages: user("quick title please") });
    await server.client.messages.create({ model: "claude-haiku-4-5", max_tokens: 1, messages: user("another quick one") });
    const next = await server.client.messages.create({ model: "claude-sonnet-5", max_tokens: 1, system: longSystem, messages: user("main turn again") });
    expect(next.usage.cache_read_input_tokens).toBeGreaterThan(500);
  });

  it("serves concurrent requests on both sequences", async () => {
    const replies = await Promise.all(
      [0, 1, 2, 3].map((index) => server.client.messages.create({ model: "claude-sonnet-5", max_tokens: 8, messages: user(`parallel ${index}`) })),
    );
    expect(replies.every((reply) => reply.type === "message")).toBe(true);
    // After its reply a sequence takes a moment to prepare the conversation's next turn (LoadedModel.prepareNextTurn).
    await expect.poll(() => server.engine.stats().busySequences).toBe(0);
  });
});

describe("scheduling: a request that must trim its sequence while others generate", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await testModelPath("tiny"), { contextSize: 4096, parallel: 3 });
  });
  afterAll(async () => server?.close());

  /**
   * A long generation read as it streams (unread, the socket's backpressure would pause it and free the batch loop).
   * Greedy decoding on this prompt never reaches end of turn within its 3000 tokens.
   */
  async function streamUntilStopped(text: string) {
    const controller = new AbortController();
    const body = { model: "claude-sonnet-5", max_tokens: 3000, stream: true as const, temperature: 0, messages: user(text) };
    const stream = await server.client.messages.create(body as Anthropic.MessageCreateParamsStreaming, { signal: controller.signal });
    const state: { deltas: number; ended: boolean; failure?: unknown } = { deltas: 0, ended: false };
    const reading = (async () => {
      try {
        for await (const event of stream) if (event.type === "content_block_delta") state.deltas += 1;
        state.ended = true;
      } catch (error) {
        // Only stop()'s abort is expected; a stream that failed is not one still running.
        if (!controller.signal.aborted) state.failure = error;
      }
    })();
    return {
      state,
      stop: async () => {
        controller.abort();
        await reading;
      },
    };
  }

  // node-llama-cpp's batch loop holds the context lock while any token is queued, and with two or more sequences
  // generating it keeps it from batch to batch (the patch's wait for every sequence's next token). Erasing a sequence's
  // stale tokens needs that lock: without the patch's yield a new request waited until every other generation ended.
  it("starts and finishes while two other generations are still running", { timeout: 120_000 }, async () => {
    // Every sequence holds a finished conversation, so the next new one must erase a stale tail first.
    const old = ["first old conversation", "second old conversation", "third old conversation"];
    await Promise.all(old.map((text) => server.client.messages.create({ model: "claude-sonnet-5", max_tokens: 8, messages: user(text) })));
    await expect.poll(() => server.engine.stats().busySequences, { timeout: 30_000 }).toBe(0);

    const long = [await streamUntilStopped("a long story, please"), await streamUntilStopped("another long story")];
    try {
      await expect.poll(() => Math.min(...long.map((generation) => generation.state.deltas)), { timeout: 30_000 }).toBeGreaterThan(20);
      const reply = await server.client.messages.create({ model: "claude-sonnet-5", max_tokens: 4, messages: user("a quick question meanwhile") });
      expect(reply.type).toBe("message");
      expect(long.map((generation) => [generation.state.ended, generation.state.failure])).toEqual([
        [false, undefined],
        [false, undefined],
      ]);
    } finally {
      await Promise.all(long.map((generation) => generation.stop()));
    }
  });
});
