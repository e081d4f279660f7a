import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { scriptedSentence } from "../../src/models/generator/make-model.js";
import { checkStreamGrammar } from "../helpers/stream-grammar.js";
import { useTestServer } from "../helpers/servers/index.js";

const user = (text: string) => [{ role: "user" as const, content: text }];
const allowedStopReasons = ["end_turn", "max_tokens", "stop_sequence", "model_context_window_exceeded"];

describe("official SDK against the real server (scripted model: exact answers)", () => {
  const server = useTestServer("scripted");

  it("messages.create returns the model's exact sentence and end_turn", async () => {
    const message = await server.client.messages.create({ model: "claude-sonnet-5", max_tokens: 100, messages: user("Hi there") });
    expect(message.model).toBe("claude-sonnet-5");
    expect(message.id).toMatch(/^msg_/);
    expect(message.content).toEqual([{ type: "text", text: scriptedSentence }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.output_tokens).toBeGreaterThan(5);
    const counted = await server.client.messages.countTokens({ model: "claude-sonnet-5", messages: user("Hi there") });
    expect(message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0)).toBe(counted.input_tokens);
  });

  it("messages.stream(...).finalMessage() assembles the same message", async () => {
    const stream = server.client.messages.stream({ model: "claude-opus-4-8", max_tokens: 100, messages: user("Stream it") });
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    const message = await stream.finalMessage();
    expect(message.content).toEqual([{ type: "text", text: scriptedSentence }]);
    expect(texts.join("")).toBe(scriptedSentence);
    expect(texts.length).toBeGreaterThan(1);
  });

  it("a stop sequence ends the text before it and is reported", async () => {
    const message = await server.client.messages.create({
      model: "claude-sonnet-5",
      max_tokens: 100,
      stop_sequences: ["demo"],
      messages: user("Stop early"),
    });
    expect(message.stop_reason).toBe("stop_sequence");
    expect(message.stop_sequence).toBe("demo");
    expect(message.content).toEqual([{ type: "text", text: scriptedSentence.slice(0, scriptedSentence.indexOf("demo")) }]);
  });

  it("max_tokens cuts the reply and says so", async () => {
    const message = await server.client.messages.create({ model: "claude-sonnet-5", max_tokens: 3, messages: user("Be short") });
    expect(message.stop_reason).toBe("max_tokens");
    expect(message.usage.output_tokens).toBe(3);
    expect(scriptedSentence.startsWith((message.content[0] as { text: string }).text)).toBe(true);
  });

  it("max_tokens far above the context (Claude Code's 64000) is clamped, not rejected", async () => {
    const message = await server.client.messages.create({ model: "claude-sonnet-5", max_tokens: 64000, messages: user("Hi") });
    expect(message.stop_reason).toBe("end_turn");
  });

  it("count_tokens equals message_start's input tokens for the same request", async () => {
    const request = {
      model: "claude-haiku-4-5",
      system: [{ type: "text" as const, text: "You are terse." }],
      messages: [
        { role: "user" as const, content: "One" },
        { role: "assistant" as const, content: "Two" },
        { role: "user" as const, content: "Three, four and five." },
      ],
    };
    const counted = await server.client.messages.countTokens(request);
    const stream = await server.client.messages.create({ ...request, max_tokens: 5, stream: true });
    let startUsage: Anthropic.Usage | undefined;
    for await (const event of stream) if (event.type === "message_start") startUsage = event.message.usage;
    expect(counted.input_tokens).toBeGreaterThan(10);
    expect((startUsage?.input_tokens ?? 0) + (startUsage?.cache_read_input_tokens ?? 0)).toBe(counted.input_tokens);
  });
});

describe("official SDK against the real server (random-weight tiny model)", () => {
  const server = useTestServer("tiny", { contextSize: 512 });

  it("raw stream iteration follows the event grammar", async () => {
    const stream = await server.client.messages.create({ model: "claude-sonnet-5", max_tokens: 16, stream: true, messages: user("Hello") });
    const events: { type: string }[] = [];
    for await (const event of stream) events.push(event);
    expect(checkStreamGrammar(events as { type: string }[])).toEqual([]);
    const delta = events.find((event) => event.type === "message_delta") as Anthropic.RawMessageDeltaEvent;
    expect(allowedStopReasons).toContain(delta.delta.stop_reason);
    expect(delta.usage.output_tokens).toBeLessThanOrEqual(16);
  });

  it("generation that runs into the end of the context stops with model_context_window_exceeded or end_turn", async () => {
    const message = await server.client.messages.create({ model: "claude-sonnet-5", max_tokens: 64000, messages: user("Go on") });
    expect(["end_turn", "model_context_window_exceeded"]).toContain(message.stop_reason);
    expect(message.usage.input_tokens + message.usage.output_tokens + (message.usage.cache_read_input_tokens ?? 0)).toBeLessThan(512);
  });

  it("a prompt longer than the context gets Claude Code's exact 400", async () => {
    const error = await server.client.messages
      .create({ model: "claude-sonnet-5", max_tokens: 10, messages: user("lorem ipsum ".repeat(400)) })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).message).toMatch(/prompt is too long: \d+ tokens > 510 maximum/);
  });

  it("models.list shows the loaded model with its real window", async () => {
    const page = await server.client.models.list();
    expect(page.data).toHaveLength(1);
    expect(page.data[0]?.type).toBe("model");
    expect((page.data[0] as { max_input_tokens?: number }).max_input_tokens).toBe(510);
  });

  it("raises the SDK's error classes for 400 and 404, with the request id", async () => {
    const badRequest = await server.client.messages
      .create({ model: "claude-sonnet-5", messages: user("x") } as unknown as Anthropic.MessageCreateParamsNonStreaming)
      .catch((caught: unknown) => caught);
    expect(badRequest).toBeInstanceOf(Anthropic.BadRequestError);
    expect((badRequest as InstanceType<typeof Anthropic.BadRequestError>).requestID).toMatch(/^req_/);
    const notFound = await server.client.models.retrieve("no-such-model").catch((caught: unknown) => caught);
    expect(notFound).toBeInstanceOf(Anthropic.NotFoundError);
  });

  it("a client that disconnects mid-stream aborts its generation and frees its sequence", async () => {
    const abortedBefore = server.engine.stats().abortedGenerations;
    const controller = new AbortController();
    // Greedy decoding keeps the random model's path deterministic: it does not end its turn early here.
    const body = { model: "claude-sonnet-5", max_tokens: 400, stream: true as const, temperature: 0, messages: user("Talk") };
    const stream = await server.client.messages.create(body as Anthropic.MessageCreateParamsStreaming, { signal: controller.signal });
    try {
      for await (const event of stream) {
        if (event.type === "content_block_delta") {
          controller.abort();
          break;
        }
      }
    } catch {
      // the SDK may surface the abort as an error; either way the connection is gone
    }
    await expect.poll(() => server.engine.stats().abortedGenerations, { timeout: 20_000 }).toBe(abortedBefore + 1);
    expect(server.engine.stats().busySequences).toBe(0);
    // With one sequence, this only completes if the aborted generation released it.
    const next = await server.client.messages.create({ model: "claude-sonnet-5", max_tokens: 4, messages: user("Next") });
    expect(allowedStopReasons).toContain(next.stop_reason);
  });

  it("max_tokens 0 puts the prompt in the cache without generating: the same prompt then reuses all of it", async () => {
    const prompt = user("Warm this prompt: ".concat("a long shared system of rules and tools ".repeat(20)));
    const warmed = await server.client.messages.create({ model: "claude-sonnet-5", max_tokens: 0, messages: prompt });
    expect(warmed.content).toEqual([]);
    expect(warmed.stop_reason).toBe("max_tokens");
    expect(warmed.usage.output_tokens).toBe(0);
    const total = warmed.usage.input_tokens + (warmed.usage.cache_read_input_tokens ?? 0);
    const answered = await server.client.messages.create({ model: "claude-sonnet-5", max_tokens: 1, messages: prompt });
    // The last prompt token is always evaluated again for fresh logits, so it never counts as cached.
    expect(answered.usage.cache_read_input_tokens).toBe(total - 1);
    expect(answered.usage.input_tokens).toBe(1);
  });
});
