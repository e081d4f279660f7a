import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scriptedSentence } from "../../src/models/generator/make-model.js";
import { startFleetServer, startTestServer, type FleetServer, type TestServer } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

// A second Pensieve as an upstream, through its own OpenAI endpoint (#15): Pensieve's Anthropic surface in front
// of another Pensieve's Chat Completions, each side the real server on a loopback port.

let upstream: TestServer;
let front: FleetServer;

beforeAll(async () => {
  upstream = await startTestServer(await testModelPath("scripted"), { contextSize: 4096 });
  front = await startFleetServer([upstream.baseUrl], { dialect: "openai", maxConcurrent: 2 });
});

afterAll(async () => {
  await front?.close();
  await upstream?.close();
});

describe("Pensieve in front of a second Pensieve", () => {
  it("names the pool after the upstream's model, answers through it, and reads its cache on turn 2", async () => {
    const model = front.engine.models()[0]?.id;
    expect(model).toBe(upstream.engine.models()[0]?.id);
    const system = `You are a careful assistant. ${"Keep to the point. ".repeat(30)}`;
    const first = await front.client.messages.create(
      { model: "claude-sonnet-5", max_tokens: 64, system, messages: [{ role: "user", content: "Hello" }] },
      { headers: { "x-claude-code-session-id": "nested-1" } },
    );
    expect(first.content).toEqual([{ type: "text", text: scriptedSentence }]);
    expect(first.stop_reason).toBe("end_turn");
    const second = await front.client.messages.create(
      {
        model: "claude-sonnet-5",
        max_tokens: 64,
        system,
        messages: [
          { role: "user", content: "Hello" },
          { role: "assistant", content: scriptedSentence },
          { role: "user", content: "Once more" },
        ],
      },
      { headers: { "x-claude-code-session-id": "nested-1" } },
    );
    expect(second.usage.cache_read_input_tokens).toBeGreaterThan(0);
    expect(second.usage.input_tokens).toBeGreaterThan(0);
  });

  it("relays the upstream's context overflow in Claude Code's words", async () => {
    const error = await front.client.messages
      .create({ model: "claude-sonnet-5", max_tokens: 8, messages: [{ role: "user", content: "word ".repeat(6000) }] })
      .catch((caught: unknown) => caught);
    // The upstream's own numbers, relayed: its maximum is its model's longest prompt.
    expect(String(error)).toMatch(new RegExp(`400 .*prompt is too long: \\d+ tokens > ${upstream.engine.models()[0]?.maxInputTokens} maximum`));
  });

  it("finds a stop sequence in the upstream's stream itself", async () => {
    const word = scriptedSentence.split(" ")[2] ?? "";
    const message = await front.client.messages.create({ model: "claude-sonnet-5", max_tokens: 64, stop_sequences: [word], messages: [{ role: "user", content: "Hi" }] });
    expect(message.stop_reason).toBe("stop_sequence");
    expect(message.stop_sequence).toBe(word);
    expect(message.content).toEqual([{ type: "text", text: scriptedSentence.slice(0, scriptedSentence.indexOf(word)) }]);
  });
});
