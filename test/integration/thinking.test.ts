import type Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStreamGrammar } from "../helpers/stream-grammar.js";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

async function streamEvents(server: TestServer, extra: Record<string, unknown>): Promise<Anthropic.RawMessageStreamEvent[]> {
  const body = { model: "claude-sonnet-5", max_tokens: 24, stream: true, messages: [{ role: "user", content: "Think first" }], ...extra };
  const stream = await server.client.messages.create(body as unknown as Anthropic.MessageCreateParamsStreaming);
  const events: Anthropic.RawMessageStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/**
 * The Qwen chat format opens a `<think>` segment at the start of every reply; a random-weight model then
 * writes noise inside it. That is enough to check the thinking protocol end to end.
 */
describe("thinking blocks (Qwen format with reasoning segments)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await testModelPath("tiny"), { contextSize: 2048, chatFormat: "qwen3.5" });
  });
  afterAll(async () => server?.close());

  it("streams a thinking block first (thinking_delta, then signature_delta), with correct indices", async () => {
    const events = await streamEvents(server, {});
    expect(checkStreamGrammar(events as unknown as { type: string }[])).toEqual([]);
    const firstBlock = events.find((event) => event.type === "content_block_start");
    expect(firstBlock?.type === "content_block_start" && firstBlock.content_block).toEqual({ type: "thinking", thinking: "", signature: "" });
    const deltas = events.flatMap((event) => (event.type === "content_block_delta" && event.index === 0 ? [event.delta.type] : []));
    expect(deltas[0]).toBe("thinking_delta");
    expect(deltas.at(-1)).toBe("signature_delta");
  });

  it("returns thinking blocks in a non-streaming reply, and accepts them back with any signature", async () => {
    const message = await server.client.messages.create({ model: "claude-sonnet-5", max_tokens: 24, messages: [{ role: "user", content: "Think" }] });
    const thinking = message.content[0];
    expect(thinking?.type).toBe("thinking");
    const followUp = await server.client.messages.create({
      model: "claude-sonnet-5",
      max_tokens: 4,
      messages: [
        { role: "user", content: "Think" },
        { role: "assistant", content: [{ type: "thinking", thinking: "earlier thoughts", signature: "" }, { type: "text", text: "Answer." }] },
        { role: "user", content: "Again" },
      ],
    });
    expect(followUp.type).toBe("message");
  });

  it('display "omitted": a thinking block without text whose signature brings the thought back in the next turn', async () => {
    const first = await server.client.messages.create({
      model: "claude-sonnet-5",
      max_tokens: 24,
      thinking: { type: "adaptive", display: "omitted" },
      messages: [{ role: "user", content: "Think" }],
    } as unknown as Anthropic.MessageCreateParamsNonStreaming);
    const block = first.content[0];
    if (block?.type !== "thinking") throw new Error(`expected a thinking block first, got ${JSON.stringify(first.content)}`);
    expect(block.thinking).toBe("");
    expect(block.signature).toMatch(/^pensieve-thought\./);
    const withEcho = (thinking: Anthropic.ThinkingBlockParam) => ({
      model: "claude-sonnet-5",
      messages: [
        { role: "user" as const, content: "Think" },
        // The chat format keeps only the last reply's thought in the prompt: the reply is last.
        { role: "assistant" as const, content: [thinking, { type: "text" as const, text: "Answer." }] },
      ],
    });
    const thought = Buffer.from(block.signature.slice("pensieve-thought.".length), "base64url").toString("utf8");
    expect(thought.length).toBeGreaterThan(0);
    const omitted = await server.client.messages.countTokens(withEcho({ type: "thinking", thinking: "", signature: block.signature }));
    const spelledOut = await server.client.messages.countTokens(withEcho({ type: "thinking", thinking: thought, signature: "" }));
    const empty = await server.client.messages.countTokens(withEcho({ type: "thinking", thinking: "", signature: "" }));
    expect(omitted.input_tokens).toBe(spelledOut.input_tokens);
    expect(omitted.input_tokens).toBeGreaterThan(empty.input_tokens);
  });

  it("thinking disabled: no thinking block", async () => {
    const events = await streamEvents(server, { thinking: { type: "disabled" } });
    expect(checkStreamGrammar(events as unknown as { type: string }[])).toEqual([]);
    const blockTypes = events.flatMap((event) => (event.type === "content_block_start" ? [event.content_block.type] : []));
    expect(blockTypes).not.toContain("thinking");
  });
});
