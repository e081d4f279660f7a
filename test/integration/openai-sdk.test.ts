import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";
import OpenAI from "openai";
import { Compile } from "typebox/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeReplyModel } from "../../src/models/generator/make-reply-model.js";
import { parseReplyBlocks } from "../../src/models/generator/reply-blocks.js";
import { parsePrometheusText, sampleValue } from "../helpers/prometheus-text.js";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

/**
 * OpenAI's Chat Completions through the official `openai` SDK, against the real server and the real engine: reply
 * models made for the test answer exactly what they were made to (text, or a tool call), the tiny random model
 * exercises what constrained decoding must guarantee whatever the weights say.
 */
const apiKey = "sk-pensieve-test";
const replyText = 'Hello, hello! I will write {"a": [1, 1]} to "out.txt".';
const command = "echo hi > out.txt";
const bashTool: OpenAI.ChatCompletionFunctionTool = {
  type: "function",
  function: { name: "Bash", description: "Runs a shell command.", parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] } },
};
const readTool: OpenAI.ChatCompletionFunctionTool = {
  type: "function",
  function: { name: "Read", description: "Reads a file.", parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } },
};
/** A conversation that went through one tool call: the prompt ends with the tool's result. */
const afterToolResult: OpenAI.ChatCompletionMessageParam[] = [
  { role: "user", content: "List the files, then make out.txt." },
  { role: "assistant", content: null, tool_calls: [{ id: "call_01", type: "function", function: { name: "Bash", arguments: '{"command":"ls"}' } }] },
  { role: "tool", tool_call_id: "call_01", content: "a.txt\nb.txt\n" },
];

let folder: string;
let llama: Llama;
beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "pensieve-openai-sdk-"));
  llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
});
afterAll(async () => {
  await llama?.dispose();
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

async function replyModelServer(name: string, reply: unknown): Promise<TestServer> {
  const made = await makeReplyModel({ llama, reply: parseReplyBlocks(reply), outputPath: path.join(folder, `${name}.gguf`) });
  return startTestServer(made.outputPath, { contextSize: 4096, security: { apiKey } });
}

function openAiClient(server: TestServer, key = apiKey): OpenAI {
  return new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey: key, maxRetries: 0, timeout: 60_000 });
}

function ask(content: string, extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}): OpenAI.ChatCompletionCreateParamsNonStreaming {
  return { model: "gpt-4o", max_completion_tokens: 300, messages: [{ role: "user", content }], ...extra };
}

describe("Chat Completions through the openai SDK: a reply model that answers text", () => {
  let server: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await replyModelServer("text", [{ type: "text", text: replyText }]);
    client = openAiClient(server);
  });
  afterAll(async () => server?.close());

  it("answers exactly the text, finish_reason stop, with usage", async () => {
    const completion = await client.chat.completions.create(ask("Say something."));
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("gpt-4o");
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]?.message).toMatchObject({ role: "assistant", content: replyText });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const usage = completion.usage!;
    expect(usage.completion_tokens).toBeGreaterThan(5);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
  });

  it("streams exactly the text, then a usage chunk when asked for", async () => {
    const stream = await client.chat.completions.create({ ...ask("Stream it."), stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(replyText);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(5);
  });

  it("folds a stream with the SDK's own helper into the same message", async () => {
    const { model, messages } = ask("Stream it again.");
    const runner = client.chat.completions.stream({ model, messages });
    const completion = await runner.finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBe(replyText);
  });

  it("stops at a stop sequence, which is not part of the content, finish_reason stop", async () => {
    const completion = await client.chat.completions.create(ask("Say something.", { stop: ["hello!"] }));
    expect(completion.choices[0]?.message.content).toBe("Hello, ");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
  });

  it("ends at max_completion_tokens with finish_reason length", async () => {
    const completion = await client.chat.completions.create(ask("Say something.", { max_completion_tokens: 3 }));
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(3);
  });

  it("reuses turn 1 on turn 2: prompt_tokens_details.cached_tokens covers the first turn", async () => {
    const system = { role: "system" as const, content: "You are a helpful assistant on a long-running project. ".repeat(20) };
    const first = await client.chat.completions.create({ ...ask(""), messages: [system, { role: "user", content: "Turn one." }] });
    const answer = first.choices[0]!.message;
    const second = await client.chat.completions.create({
      ...ask(""),
      messages: [system, { role: "user", content: "Turn one." }, { role: "assistant", content: answer.content }, { role: "user", content: "Turn two." }],
    });
    const cached = second.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    expect(cached).toBeGreaterThan(first.usage!.prompt_tokens);
    expect(cached).toBeLessThan(second.usage!.prompt_tokens);
  });

  it("takes a tool result back (tool message after assistant tool_calls) and answers", async () => {
    const completion = await client.chat.completions.create({ ...ask(""), messages: afterToolResult, tools: [bashTool] });
    expect(completion.choices[0]?.message.content).toBe(replyText);
  });

  it("answers bad input with a 400 in OpenAI's shape, naming the field", async () => {
    const error = await client.chat.completions.create({ ...ask(""), messages: [] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error", param: "messages", code: null });
    const badArguments = await client.chat.completions
      .create({ ...ask(""), messages: [{ role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "Bash", arguments: "not json" } }] }] })
      .catch((caught: unknown) => caught);
    expect(badArguments).toMatchObject({ status: 400, param: "messages.0.tool_calls.0.function.arguments" });
  });

  it("answers a wrong key with 401 invalid_api_key", async () => {
    const error = await openAiClient(server, "sk-wrong").chat.completions.create(ask("Hi")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: "invalid_api_key" });
  });

  it("lists and retrieves models in OpenAI's shape", async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ object: "model", owned_by: "pensieve", created: expect.any(Number) });
    expect(await client.models.retrieve("claude-sonnet-5")).toMatchObject({ id: "claude-sonnet-5", object: "model" });
  });

  it("counts its requests in /metrics by route and status", async () => {
    const response = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } });
    const samples = parsePrometheusText(await response.text());
    const route = "/v1/chat/completions";
    expect(sampleValue(samples, "pensieve_http_requests_total", { method: "POST", route, status: "200" })).toBeGreaterThanOrEqual(7);
    expect(sampleValue(samples, "pensieve_http_requests_total", { method: "POST", route, status: "400" })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(samples, "pensieve_http_requests_total", { method: "POST", route, status: "401" })).toBe(1);
  });
});

describe("Chat Completions through the openai SDK: a reply model that calls a tool", () => {
  let server: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await replyModelServer("tool", [{ type: "tool_use", name: "Bash", input: { command } }]);
    client = openAiClient(server);
  });
  afterAll(async () => server?.close());

  it("calls the named function when forced: tool_calls with a call_ id and JSON arguments, finish_reason tool_calls", async () => {
    const completion = await client.chat.completions.create(
      ask("Make out.txt.", { tools: [readTool, bashTool], tool_choice: { type: "function", function: { name: "Bash" } } }),
    );
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    const calls = choice.message.tool_calls ?? [];
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ type: "function", id: expect.stringMatching(/^call_/), function: { name: "Bash" } });
    expect(calls[0]?.type === "function" && JSON.parse(calls[0].function.arguments)).toEqual({ command });
  });

  it("streams the call with tool_choice required: the argument deltas join to the input", async () => {
    const stream = await client.chat.completions.create({ ...ask("Make out.txt.", { tools: [bashTool], tool_choice: "required" }), stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(deltas[0]).toMatchObject({ index: 0, id: expect.stringMatching(/^call_/), type: "function", function: { name: "Bash" } });
    expect(JSON.parse(deltas.map((delta) => delta.function?.arguments ?? "").join(""))).toEqual({ command });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("round trip: the call's result sent back as a tool message gets the next call, reusing the prompt", async () => {
    const first = await client.chat.completions.create(ask("Make out.txt.", { tools: [bashTool] }));
    const call = first.choices[0]!.message.tool_calls![0]!;
    const second = await client.chat.completions.create({
      ...ask(""),
      tools: [bashTool],
      messages: [
        { role: "user", content: "Make out.txt." },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: "" },
      ],
    });
    expect(second.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: "Bash", arguments: JSON.stringify({ command }) } });
    expect(second.usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThan(0);
  });

  it("answers in text, calling nothing, under tool_choice none", async () => {
    const completion = await client.chat.completions.create(ask("Make out.txt.", { tools: [bashTool], tool_choice: "none", max_completion_tokens: 8 }));
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
    expect(completion.choices[0]?.finish_reason).not.toBe("tool_calls");
  });
});

describe("Chat Completions through the openai SDK: the tiny random model", () => {
  let server: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startTestServer(await testModelPath("tiny"), { contextSize: 2048, security: { apiKey } });
    client = openAiClient(server);
  });
  afterAll(async () => server?.close());

  it("a json_schema response_format: the content is JSON that validates, whatever the weights say", async () => {
    const schema = {
      type: "object",
      properties: { status: { enum: ["ok", "failed"] }, retries: { type: "integer", minimum: 0, maximum: 5 }, done: { type: "boolean" } },
      required: ["status", "retries", "done"],
      additionalProperties: false,
    };
    const completion = await client.chat.completions.create(
      ask("Report.", { response_format: { type: "json_schema", json_schema: { name: "report", schema, strict: true } } }),
    );
    const content = completion.choices[0]?.message.content ?? "";
    expect(Compile(schema as never).Check(JSON.parse(content))).toBe(true);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
  });

  it("json_object: the content is a JSON object", async () => {
    const completion = await client.chat.completions.create(ask("Any JSON.", { response_format: { type: "json_object" }, max_completion_tokens: 200 }));
    const value: unknown = JSON.parse(completion.choices[0]?.message.content ?? "");
    expect(typeof value === "object" && value !== null && !Array.isArray(value)).toBe(true);
  });

  it("a forced strict function: arguments valid against its schema", async () => {
    const tool: OpenAI.ChatCompletionFunctionTool = {
      type: "function",
      function: {
        name: "get_weather",
        strict: true,
        parameters: {
          type: "object",
          properties: { city: { type: "string", enum: ["Paris", "London"] }, days: { type: "integer", minimum: 1, maximum: 7 } },
          required: ["city", "days"],
          additionalProperties: false,
        },
      },
    };
    const completion = await client.chat.completions.create(ask("Weather?", { tools: [tool], tool_choice: "required", parallel_tool_calls: false }));
    const call = completion.choices[0]?.message.tool_calls?.[0];
    const input = JSON.parse(call?.type === "function" ? call.function.arguments : "null") as { city: string; days: number };
    expect(["Paris", "London"]).toContain(input.city);
    expect(Number.isInteger(input.days) && input.days >= 1 && input.days <= 7).toBe(true);
  });

  it("a seed makes a sampled reply reproducible; another seed samples another", async () => {
    const sampled = async (seed: number) =>
      (await client.chat.completions.create(ask("Write.", { temperature: 1, seed, max_completion_tokens: 12 }))).choices[0]?.message.content;
    const first = await sampled(7);
    expect(await sampled(7)).toBe(first);
    expect(await sampled(8)).not.toBe(first);
  });
});

describe("Chat Completions through the openai SDK: reasoning (the Qwen format's thought segment)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await testModelPath("tiny"), { contextSize: 2048, chatFormat: "qwen3.5" });
  });
  afterAll(async () => server?.close());

  it("streams the thought as reasoning_content deltas before any content, as vLLM and llama-server do", async () => {
    const client = openAiClient(server, "any");
    const stream = await client.chat.completions.create({ ...ask("Think first."), max_completion_tokens: 16, stream: true });
    const deltas: Record<string, unknown>[] = [];
    for await (const chunk of stream) deltas.push((chunk.choices[0]?.delta ?? {}) as Record<string, unknown>);
    const reasoning = deltas.filter((delta) => typeof delta["reasoning_content"] === "string");
    expect(reasoning.length).toBeGreaterThan(0);
    const firstContent = deltas.findIndex((delta) => typeof delta["content"] === "string" && delta["content"] !== "");
    if (firstContent !== -1) expect(deltas.indexOf(reasoning[0]!)).toBeLessThan(firstContent);
  });
});
