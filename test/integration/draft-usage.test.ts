import type Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

// The sequence's token meter counts every draft token prompt lookup evaluates as output, kept or refuted: usage
// counts only the tokens the reply kept, so it is the same with and without drafts, and never over max_tokens.
let on: TestServer;
let off: TestServer;
beforeAll(async () => {
  on = await startTestServer(await testModelPath("tiny"), { promptLookup: true });
  off = await startTestServer(await testModelPath("tiny"), { promptLookup: false });
}, 120_000);
afterAll(async () => {
  await on?.close();
  await off?.close();
});

it("counts the same output tokens with and without prompt lookup, never more than max_tokens", { timeout: 120_000 }, async () => {
  const prompt = "Repeat this, word for word: the quick brown fox jumps over the lazy dog. ".repeat(12);
  const request = { model: "m", max_tokens: 200, temperature: 0, messages: [{ role: "user", content: prompt }] } as Anthropic.MessageCreateParamsNonStreaming;
  const withLookup = await on.client.messages.create(request);
  const withoutLookup = await off.client.messages.create(request);
  expect(on.engine.stats().draftTokensRejected).toBeGreaterThan(0);
  expect(withLookup.usage.output_tokens).toBeLessThanOrEqual(200);
  expect(withLookup.usage.output_tokens).toBe(withoutLookup.usage.output_tokens);
});
