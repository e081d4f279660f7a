import Anthropic from "@anthropic-ai/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FakeOpenAiServer } from "../helpers/fake-openai-server.js";
import { parsePrometheusText, sampleValue } from "../helpers/prometheus-text.js";
import { startFleetServer, type FleetServer } from "../helpers/servers/index.js";

// The fast tier of #15: the upstream engine behind the real server and the official SDK, against scriptable
// OpenAI-compatible servers on loopback ports. Nothing here loads a model.

const fakes: FakeOpenAiServer[] = [];
let fleet: FleetServer;

beforeAll(async () => {
  for (const name of ["alpha", "beta", "gamma"]) fakes.push(await FakeOpenAiServer.start(name));
  fleet = await startFleetServer(fakes.map((fake) => fake.url));
});

afterAll(async () => {
  await fleet.close();
  await Promise.all(fakes.map((fake) => fake.close()));
});

afterEach(async () => {
  for (const fake of fakes) {
    fake.script = () => ({});
    fake.healthy = true;
  }
  // A test that failed endpoints on purpose leaves their breakers open until a probe after the backoff.
  await expect.poll(() => fleet.engine.upstreams().every((endpoint) => endpoint.up), { timeout: 10_000 }).toBe(true);
});

const ask = (text: string, session: string, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}): Promise<Anthropic.Message> =>
  fleet.client.messages.create({ model: "fake-model", max_tokens: 64, messages: [{ role: "user", content: text }], ...extra }, { headers: { "x-claude-code-session-id": session } });

const textOf = (message: Anthropic.Message): string => message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");

const servedBy = (message: Anthropic.Message): string => /I am (\w+)\./.exec(textOf(message))?.[1] ?? "none";

describe("routing by conversation", () => {
  it("sends every turn of a conversation to the endpoint of its first, which reports the prefix as cached", async () => {
    const first = await ask("hello there", "session-routing-1");
    const second = await fleet.client.messages.create(
      {
        model: "fake-model",
        max_tokens: 64,
        messages: [
          { role: "user", content: "hello there" },
          { role: "assistant", content: textOf(first) },
          { role: "user", content: "and again" },
        ],
      },
      { headers: { "x-claude-code-session-id": "session-routing-1" } },
    );
    expect(servedBy(second)).toBe(servedBy(first));
    expect(second.usage.cache_read_input_tokens).toBeGreaterThan(0);
    // input_tokens is the prompt minus the cached part, never both.
    const fake = fakes.find((candidate) => candidate.name === servedBy(second));
    expect(fake).toBeDefined();
    expect(first.usage.cache_read_input_tokens).toBe(0);
  });

  it("spreads different conversations over the endpoints", async () => {
    const served = new Set<string>();
    for (let index = 0; index < 12; index += 1) served.add(servedBy(await ask("hi", `spread-${index}`)));
    expect(served.size).toBeGreaterThanOrEqual(2);
  });

  it("routes a request without a session by its model, system prompt and tools, and metadata.user_id's session like the header", async () => {
    const bySystem: Anthropic.Message[] = [];
    // One after another: at once, the load bound would spread them.
    for (let index = 0; index < 3; index += 1) {
      bySystem.push(await fleet.client.messages.create({ model: "fake-model", max_tokens: 8, system: "You are terse.", messages: [{ role: "user", content: `x${index}` }] }));
    }
    expect(new Set(bySystem.map(servedBy)).size).toBe(1);
    const userId = JSON.stringify({ device_id: "d", account_uuid: "a", session_id: "meta-session-7" });
    const byMetadata = await fleet.client.messages.create({ model: "fake-model", max_tokens: 8, metadata: { user_id: userId }, messages: [{ role: "user", content: "x" }] });
    const byHeader = await ask("x", "meta-session-7");
    expect(servedBy(byMetadata)).toBe(servedBy(byHeader));
  });

  it("makes two Pensieve instances choose the same endpoint for a key, without sharing anything", async () => {
    const other = await startFleetServer([...fakes].reverse().map((fake) => fake.url));
    try {
      for (let index = 0; index < 6; index += 1) {
        const session = `shared-${index}`;
        const here = await ask("hi", session);
        const there = await other.client.messages.create({ model: "fake-model", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }, { headers: { "x-claude-code-session-id": session } });
        expect(servedBy(there)).toBe(servedBy(here));
      }
    } finally {
      await other.close();
    }
  });
});

describe("metrics", () => {
  it("labels request, first-token and token series with the upstream, and reports each endpoint's health and affinity", async () => {
    const message = await ask("measure me", "metrics-1");
    const fake = fakes.find((candidate) => candidate.name === servedBy(message)) as FakeOpenAiServer;
    const samples = parsePrometheusText(await (await fetch(`${fleet.baseUrl}/metrics`)).text());
    const labels = { upstream: fake.url, pool: "fake-model" };
    expect(sampleValue(samples, "pensieve_upstream_up", labels)).toBe(1);
    expect(sampleValue(samples, "pensieve_upstream_affinity_hits_total", labels)).toBeGreaterThan(0);
    expect(sampleValue(samples, "pensieve_upstream_output_tokens_total", labels)).toBeGreaterThan(0);
    expect(sampleValue(samples, "pensieve_http_requests_total", { method: "POST", route: "/v1/messages", status: "200", upstream: fake.url })).toBeGreaterThan(0);
    expect(sampleValue(samples, "pensieve_time_to_first_token_seconds_count", { upstream: fake.url })).toBeGreaterThan(0);
  });
});

describe("translation", () => {
  it("strips the billing header, forces tools as required and switches thinking through the chat template", async () => {
    const message = await fleet.client.messages.create(
      {
        model: "fake-model",
        max_tokens: 64,
        system: [
          { type: "text", text: "x-anthropic-billing-header: cc_version=2.1.332; cch=abc;" },
          { type: "text", text: "You are a coding agent." },
        ],
        thinking: { type: "enabled", budget_tokens: 1024 },
        tools: [{ name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }],
        tool_choice: { type: "any" },
        messages: [{ role: "user", content: "weather?" }],
      },
      { headers: { "x-claude-code-session-id": "translation-1" } },
    );
    expect(message.stop_reason).toBe("end_turn");
    const body = fakes.flatMap((fake) => fake.completions).find((request) => JSON.stringify(request.body).includes("weather?"))?.body ?? {};
    expect(JSON.stringify(body["messages"])).not.toContain("billing-header");
    expect(body["messages"]).toEqual([
      { role: "system", content: "You are a coding agent." },
      { role: "user", content: "weather?" },
    ]);
    expect(body["tool_choice"]).toBe("required");
    expect(body["chat_template_kwargs"]).toEqual({ enable_thinking: true });
    expect(body["stop"]).toBeUndefined();
  });

  it("streams reasoning as a thinking block and tool arguments as a tool_use repaired against its schema", async () => {
    for (const fake of fakes) {
      fake.script = () => ({
        chunks: [
          { reasoning: "Let me " },
          { reasoning: "look." },
          { toolCall: { index: 0, id: "call_1", name: "search", arguments: "" } },
          { toolCall: { index: 0, arguments: '{"query": "pens' } },
          { toolCall: { index: 0, arguments: 'ieve", "limit": 0}' } },
        ],
      });
    }
    const stream = fleet.client.messages.stream(
      {
        model: "fake-model",
        max_tokens: 64,
        tools: [{ name: "search", description: "Search", input_schema: { type: "object", properties: { query: { type: "string" }, limit: { type: "integer", minimum: 1 } }, required: ["query"] } }],
        messages: [{ role: "user", content: "find it" }],
      },
      { headers: { "x-claude-code-session-id": "translation-2" } },
    );
    const message = await stream.finalMessage();
    expect(message.content.map((block) => block.type)).toEqual(["thinking", "tool_use"]);
    expect(message.content[0]).toMatchObject({ type: "thinking", thinking: "Let me look." });
    expect(message.content[1]).toMatchObject({ type: "tool_use", name: "search", input: { query: "pensieve", limit: 1 } });
    expect(message.stop_reason).toBe("tool_use");
  });

  it("stops at a stop sequence split across chunks, exactly, holding back its start, and ends the upstream request", async () => {
    for (const fake of fakes) {
      fake.script = () => ({ chunks: [{ content: "one two EN" }, { content: "D three" }, { content: " four" }], hang: true });
    }
    const seen: string[] = [];
    const stream = fleet.client.messages.stream(
      { model: "fake-model", max_tokens: 64, stop_sequences: ["END", "never"], messages: [{ role: "user", content: "count" }] },
      { headers: { "x-claude-code-session-id": "translation-3" } },
    );
    stream.on("text", (text) => seen.push(text));
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe("stop_sequence");
    expect(message.stop_sequence).toBe("END");
    expect(textOf(message)).toBe("one two ");
    expect(seen.join("")).toBe("one two ");
    const request = fakes.flatMap((fake) => fake.completions).find((candidate) => JSON.stringify(candidate.body["messages"]).includes("count"));
    await request?.ended;
    expect(request?.aborted).toBe(true);
  });

  it("reports llama-server's cached tokens from its timings, and maps its context overflow to Claude Code's message", async () => {
    for (const fake of fakes) fake.script = () => ({ usage: { prompt: 100, completion: 2, cached: 60, asTimings: true } });
    const message = await ask("timings", "translation-4");
    expect(message.usage).toMatchObject({ input_tokens: 40, cache_read_input_tokens: 60, output_tokens: 2 });
    for (const fake of fakes) {
      fake.script = () => ({
        status: 400,
        errorBody: { error: { code: 400, type: "exceed_context_size_error", message: "the request exceeds the available context size", n_prompt_tokens: 5000, n_ctx: 4096 } },
      });
    }
    const error = await ask("too long", "translation-4").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).message).toContain("prompt is too long: 5000 tokens > 4096 maximum");
  });

  it("maps vLLM's overflow wording too, and counts tokens with the upstream's tokenizer", async () => {
    for (const fake of fakes) {
      fake.script = () => ({
        status: 400,
        errorBody: { object: "error", message: "This model's maximum context length is 4096 tokens. However, your request has 9000 input tokens. Please reduce the length of the input messages.", type: "BadRequestError", code: 400 },
      });
    }
    const error = await ask("too long", "translation-5").catch((caught: unknown) => caught);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).message).toContain("prompt is too long: 9000 tokens > 4096 maximum");
    const counted = await fleet.client.messages.countTokens({ model: "fake-model", messages: [{ role: "user", content: "count me" }] });
    const expected = Math.ceil(JSON.stringify([{ role: "user", content: "count me" }]).length / 4);
    expect(counted.input_tokens).toBe(expected);
  });
});

describe("faults", () => {
  it("fails over before the first content: a 503 and a reset are retried on the next endpoint", async () => {
    const first = servedBy(await ask("hi", "failover-1"));
    const owner = fakes.find((fake) => fake.name === first) as FakeOpenAiServer;
    owner.script = () => ({ status: 503 });
    const second = await ask("hi", "failover-1");
    expect(servedBy(second)).not.toBe(first);
    owner.script = () => ({ resetAfterChunks: 0 });
    const third = await ask("hi", "failover-1");
    expect(servedBy(third)).not.toBe(first);
    expect(fleet.engine.upstreams().reduce((sum, endpoint) => sum + endpoint.failovers, 0)).toBeGreaterThanOrEqual(2);
  });

  it("after the first content, a reset ends the stream with an error event instead of another endpoint's reply", async () => {
    for (const fake of fakes) fake.script = () => ({ chunks: [{ content: "partial " }, { content: "never" }], resetAfterChunks: 1 });
    const stream = fleet.client.messages.stream({ model: "fake-model", max_tokens: 64, messages: [{ role: "user", content: "cut" }] }, { headers: { "x-claude-code-session-id": "failover-2" } });
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    const failure = await stream.finalMessage().catch((caught: unknown) => caught);
    expect(String(failure)).toMatch(/cut the reply short/);
    expect(texts.join("")).toBe("partial ");
  });

  it("leaves an endpoint whose health probe fails, and takes it back once it passes", async () => {
    const name = servedBy(await ask("hi", "health-1"));
    const owner = fakes.find((fake) => fake.name === name) as FakeOpenAiServer;
    owner.healthy = false;
    await expect.poll(() => fleet.engine.upstreams().find((endpoint) => endpoint.url === owner.url)?.up, { timeout: 5_000 }).toBe(false);
    expect(servedBy(await ask("hi", "health-1"))).not.toBe(owner.name);
    owner.healthy = true;
    await expect.poll(() => fleet.engine.upstreams().find((endpoint) => endpoint.url === owner.url)?.up, { timeout: 5_000 }).toBe(true);
    expect(servedBy(await ask("hi", "health-1"))).toBe(owner.name);
  });

  it("aborts the upstream request when the client disconnects", async () => {
    for (const fake of fakes) fake.script = () => ({ chunks: [{ content: "working" }], hang: true });
    const controller = new AbortController();
    const stream = fleet.client.messages.stream(
      { model: "fake-model", max_tokens: 64, messages: [{ role: "user", content: "leave me" }] },
      { headers: { "x-claude-code-session-id": "disconnect-1" }, signal: controller.signal },
    );
    const settled = stream.finalMessage().catch((caught: unknown) => caught);
    await new Promise<void>((resolve) => stream.on("text", () => resolve()));
    controller.abort();
    expect(await settled).toBeInstanceOf(Anthropic.APIUserAbortError);
    const request = fakes.flatMap((fake) => fake.completions).find((candidate) => JSON.stringify(candidate.body["messages"]).includes("leave me"));
    await request?.ended;
    expect(request?.aborted).toBe(true);
    await expect.poll(() => fleet.engine.stats().busySequences).toBe(0);
  });
});

describe("load", () => {
  it("queues a request while every endpoint is at its cap, and sends it where a slot frees", async () => {
    // No probe round in the meantime: the freed slot alone must let the queued request through.
    const small = await startFleetServer(fakes.map((fake) => fake.url), { maxConcurrent: 1, maxQueue: 2, probeIntervalMs: 60_000 });
    try {
      for (const fake of fakes) fake.script = (body) => (JSON.stringify(body["messages"]).includes("queued") ? {} : { chunks: [{ content: `I am ${fake.name}.` }], hang: true });
      const controllers = [0, 1, 2].map(() => new AbortController());
      const holders = controllers.map((controller, index) =>
        small.client.messages.stream({ model: "fake-model", max_tokens: 8, messages: [{ role: "user", content: "hold" }] }, { headers: { "x-claude-code-session-id": `hold-${index}` }, signal: controller.signal }),
      );
      const settled = holders.map((stream) => stream.finalMessage().catch((caught: unknown) => caught));
      const served = await Promise.all(holders.map((stream) => new Promise<string>((resolve) => stream.on("text", (text) => resolve(text)))));
      const queued = small.client.messages.create({ model: "fake-model", max_tokens: 8, messages: [{ role: "user", content: "queued" }] }, { headers: { "x-claude-code-session-id": "queued-1" } });
      await expect.poll(() => small.engine.stats().queuedRequests).toBe(1);
      controllers[1]?.abort();
      const answer = await queued;
      expect(servedBy(answer)).toBe(/I am (\w+)\./.exec(served[1] ?? "")?.[1]);
      for (const controller of controllers) controller.abort();
      await Promise.all(settled);
      await expect.poll(() => small.engine.stats().busySequences).toBe(0);
    } finally {
      await small.close();
    }
  });

  it("spills a conversation past a busy endpoint, and answers 529 once every endpoint is at its cap and the queue is full", async () => {
    const small = await startFleetServer(fakes.map((fake) => fake.url), { maxConcurrent: 1, maxQueue: 0 });
    try {
      for (const fake of fakes) fake.script = () => ({ delayMs: 0, chunks: [{ content: `I am ${fake.name}.` }], hang: true });
      const controllers = [0, 1, 2].map(() => new AbortController());
      const streams = controllers.map((controller) =>
        small.client.messages.stream({ model: "fake-model", max_tokens: 8, messages: [{ role: "user", content: "same" }] }, { headers: { "x-claude-code-session-id": "spill-1" }, signal: controller.signal }),
      );
      const settled = streams.map((stream) => stream.finalMessage().catch((caught: unknown) => caught));
      const firstTexts = await Promise.all(streams.map((stream) => new Promise<string>((resolve) => stream.on("text", (text) => resolve(text)))));
      // One conversation, three endpoints busy with it: the load bound and the caps spread it.
      expect(new Set(firstTexts).size).toBe(3);
      const refused = await small.client.messages
        .create({ model: "fake-model", max_tokens: 8, messages: [{ role: "user", content: "more" }] }, { headers: { "x-claude-code-session-id": "spill-1" } })
        .catch((caught: unknown) => caught);
      expect(refused).toBeInstanceOf(Anthropic.APIError);
      expect((refused as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
      for (const controller of controllers) controller.abort();
      for (const outcome of await Promise.all(settled)) expect(outcome).toBeInstanceOf(Anthropic.APIUserAbortError);
      await expect.poll(() => small.engine.stats().busySequences).toBe(0);
    } finally {
      await small.close();
    }
  });
});
