import type Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { scriptedSentence } from "../../src/models/generator/make-model.js";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

// The sequence's token meter counts every draft token prompt lookup evaluates as output, kept or refuted: usage
// counts only the tokens the reply kept, so it is the same with and without drafts, and never over max_tokens.
// The scripted model makes the drafts certain on any CPU: it answers its sentence, which the prompt holds once
// whole (drafts confirmed) and once cut short by other words (drafts refuted).
let on: TestServer;
let off: TestServer;
beforeAll(async () => {
  on = await startTestServer(await testModelPath("scripted"), { promptLookup: true });
  off = await startTestServer(await testModelPath("scripted"), { promptLookup: false });
}, 120_000);
afterAll(async () => {
  await on?.close();
  await off?.close();
});

it("counts the same output tokens with and without prompt lookup, and a cut reply never more than max_tokens", { timeout: 120_000 }, async () => {
  const halfway = scriptedSentence.slice(0, scriptedSentence.indexOf(";"));
  // The SDK's types no longer list `temperature`; the server still takes it.
  const request = (maxTokens: number) =>
    ({
      model: "m",
      max_tokens: maxTokens,
      temperature: 0,
      messages: [{ role: "user", content: `Say: ${scriptedSentence} Not: ${halfway} and nothing more, then ${halfway}, go away.` }],
    }) as Anthropic.MessageCreateParamsNonStreaming;
  const withLookup = await on.client.messages.create(request(200));
  const withoutLookup = await off.client.messages.create(request(200));
  expect(withLookup.content).toEqual([expect.objectContaining({ type: "text", text: scriptedSentence })]);
  expect(withoutLookup.content).toEqual(withLookup.content);
  const drafted = on.engine.stats();
  expect(drafted.draftTokensAccepted).toBeGreaterThan(0);
  expect(drafted.draftTokensRejected).toBeGreaterThan(0);
  expect(withLookup.usage.output_tokens).toBe(withoutLookup.usage.output_tokens);

  // Cut inside the sentence, where a confirmed draft runs past the cut.
  const cut = await on.client.messages.create(request(6));
  expect(cut.stop_reason).toBe("max_tokens");
  expect(cut.usage.output_tokens).toBe(6);
  expect(on.engine.stats().draftTokensAccepted).toBeGreaterThan(drafted.draftTokensAccepted);
});
