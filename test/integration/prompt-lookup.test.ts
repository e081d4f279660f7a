import type Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scriptedSentence } from "../../src/models/generator/make-model.js";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

const model = "claude-sonnet-5";

/** The SDK's types no longer list `temperature`; the server still takes it. */
type SampledRequest = Omit<Anthropic.MessageCreateParamsNonStreaming, "model"> & { readonly temperature: number };

/** The reply's text and the engine's draft counters after one request. */
async function replyOf(server: TestServer, request: SampledRequest) {
  const message = await server.client.messages.create({ model, ...request } as Anthropic.MessageCreateParamsNonStreaming);
  const text = message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
  return { text, stopReason: message.stop_reason, stats: server.engine.stats() };
}

/**
 * Prompt-lookup speculative decoding must not change a reply: the same requests, with the same seed, against a
 * server with it and one without, give the same text, greedy or not.
 */
describe("prompt lookup (speculative decoding)", { timeout: 180_000 }, () => {
  const servers: { on?: TestServer; off?: TestServer } = {};
  beforeAll(async () => {
    // Started one after the other: each load takes the runtime for a moment.
    servers.on = await startTestServer(await testModelPath("tiny"), { promptLookup: true });
    servers.off = await startTestServer(await testModelPath("tiny"), { promptLookup: false });
  }, 120_000);
  afterAll(async () => {
    await servers.on?.close();
    await servers.off?.close();
  });

  // A random-weight model writes noise: its drafts are mostly refuted, which is where a wrong rewind would show.
  const prompt = "Repeat this, word for word: the quick brown fox jumps over the lazy dog. ".repeat(12);
  for (const temperature of [0, 0.8]) {
    it(`gives the same reply with and without it at temperature ${temperature} (random-weight model)`, async () => {
      const request = { max_tokens: 200, temperature, messages: [{ role: "user" as const, content: prompt }] };
      const on = await replyOf(servers.on!, request);
      const off = await replyOf(servers.off!, request);
      expect(on.text.length).toBeGreaterThan(0);
      expect(on.text).toBe(off.text);
      expect(on.stopReason).toBe(off.stopReason);
      expect(off.stats.draftTokensAccepted + off.stats.draftTokensRejected).toBe(0);
    });
  }

  it("drafts only for greedy requests", async () => {
    const before = servers.on!.engine.stats();
    const drafted = (stats: ReturnType<TestServer["engine"]["stats"]>) => stats.draftTokensAccepted + stats.draftTokensRejected;
    const sampled = await replyOf(servers.on!, { max_tokens: 200, temperature: 0.8, messages: [{ role: "user", content: prompt }] });
    expect(drafted(sampled.stats)).toBe(drafted(before));
    const greedy = await replyOf(servers.on!, { max_tokens: 200, temperature: 0, messages: [{ role: "user", content: `${prompt} Again.` }] });
    expect(drafted(greedy.stats)).toBeGreaterThan(drafted(before));
  });
});

describe("prompt lookup on a model that copies its prompt", { timeout: 180_000 }, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await testModelPath("scripted"), { promptLookup: true });
  }, 120_000);
  afterAll(async () => server?.close());

  it("has its drafts confirmed, and the reply is the scripted one", async () => {
    // The scripted model answers its sentence to anything: with the sentence in the prompt, each generated
    // token's successor is found there.
    const reply = await replyOf(server, { max_tokens: 64, temperature: 0, messages: [{ role: "user", content: `Say: ${scriptedSentence}` }] });
    expect(reply.text).toBe(scriptedSentence);
    // Its first token follows the assistant header's line break, which the prompt has before other words: the
    // first drafts are refuted; those within the sentence are confirmed.
    expect(reply.stats.draftTokensAccepted).toBeGreaterThan(5);
  });
});
