import Anthropic from "@anthropic-ai/sdk";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzedChatCompletionBody } from "../helpers/fuzzed-chat-completion-bodies.js";
import { fuzzedContentType, fuzzedMessageBody } from "../helpers/fuzzed-message-bodies.js";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

/**
 * The API key through the real SDK, and hostile requests against the real engine (tiny generated model): nothing
 * a client sends may reach llama.cpp in a shape that crashes it, and nothing may answer 5xx.
 */

const apiKey = "pensieve-test-key-5d1f";
const hi = [{ role: "user" as const, content: "Hi" }];
const jsonObject = { format: { type: "json_schema", schema: { type: "object" } } };

let server: TestServer;

beforeAll(async () => {
  // A small context keeps the fuzzed requests that ask for huge max_tokens short.
  server = await startTestServer(await testModelPath("tiny"), { contextSize: 512, security: { apiKey } });
});
afterAll(async () => {
  await server.close();
});

function client(options: { apiKey?: string | null; authToken?: string; defaultHeaders?: Record<string, string> }): Anthropic {
  return new Anthropic({ baseURL: server.baseUrl, maxRetries: 0, timeout: 30_000, apiKey: null, ...options });
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": apiKey, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

describe("API key, through the SDK", () => {
  it("serves a client with the key, sent as the SDK sends it (Bearer) or in x-api-key", async () => {
    for (const sdk of [client({ apiKey }), client({ authToken: apiKey }), client({ defaultHeaders: { "x-api-key": apiKey } })]) {
      const message = await sdk.messages.create({ model: "m", max_tokens: 2, messages: hi });
      expect(message.type).toBe("message");
    }
  });

  it("raises AuthenticationError with the real API's body for a wrong key", async () => {
    const error = await client({ apiKey: "wrong" })
      .messages.create({ model: "m", max_tokens: 2, messages: hi })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    const authenticationError = error as InstanceType<typeof Anthropic.AuthenticationError>;
    expect(authenticationError.status).toBe(401);
    expect(authenticationError.requestID).toMatch(/^req_/);
    expect(authenticationError.error).toEqual({ type: "error", error: { type: "authentication_error", message: "invalid x-api-key" }, request_id: authenticationError.requestID });
  });

  it("answers probes without a key, and nothing else", async () => {
    expect((await fetch(server.baseUrl, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
    const models = await fetch(`${server.baseUrl}/v1/models`, { headers: { "anthropic-version": "2023-06-01" } });
    expect(models.status).toBe(401);
    expect(await models.json()).toMatchObject({ error: { type: "authentication_error", message: "x-api-key header is required" } });
    // Without Anthropic's headers, the shared /v1/models answers in OpenAI's shape, its refusal too.
    const bare = await fetch(`${server.baseUrl}/v1/models`);
    expect(bare.status).toBe(401);
    expect(await bare.json()).toMatchObject({ error: { type: "invalid_request_error", code: "invalid_api_key", message: "x-api-key header is required" } });
  });
});

describe("hostile values against the real engine", () => {
  it.each([100, 10_000])("refuses a tool schema nested %i levels deep with 400 on both routes, before grammar compilation", async (depth) => {
    // As text: JSON.stringify would overflow its own stack on the deeper one.
    const schema = `${'{"type":"object","properties":{"a":'.repeat(depth)}{"type":"string"}${"}}".repeat(depth)}`;
    const body = `{"model":"m","max_tokens":2,"messages":[{"role":"user","content":"Hi"}],"tools":[{"name":"deep","input_schema":${schema}}],"tool_choice":{"type":"any"}}`;
    for (const path of ["/v1/messages", "/v1/messages/count_tokens"]) {
      const response = await post(path, body);
      expect(response.status, path).toBe(400);
      expect(JSON.parse(response.text).error.message).toBe("tools.0.input_schema: schema nesting exceeds 64 levels");
    }
  });

  it("refuses a tool call input nested thousands of levels deep with 400 (JSON.stringify would overflow the stack)", async () => {
    const nested = "[".repeat(5000) + "]".repeat(5000);
    const body = `{"model":"m","max_tokens":2,"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"a":${nested}}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"ok"}]}],"tools":[{"name":"f","input_schema":{"type":"object"}}]}`;
    for (const path of ["/v1/messages", "/v1/messages/count_tokens"]) {
      const response = await post(path, body);
      expect(response.status, path).toBe(400);
    }
  });

  it.each([
    ["max_tokens 2^31 - 1 (clamped to the context)", { max_tokens: 2 ** 31 - 1 }],
    ["top_k 2^31 - 1 (past the vocabulary: every token stays a candidate)", { top_k: 2 ** 31 - 1 }],
    ["thinking budget 2^31 - 1", { thinking: { type: "enabled", budget_tokens: 2 ** 31 - 1 } }],
    ["temperature 0 and top_p 0", { temperature: 0, top_p: 0 }],
    // Found by fuzzing: dividing by it overflowed, llama.cpp sampled outside the grammar, and the process ended.
    ["temperature 8e-41 (near float32's smallest) under a JSON schema", { temperature: 8.234741221002684e-41, top_p: 0.9999999999999996, output_config: jsonObject }],
  ])("serves the largest values allowed: %s", async (_case, fields) => {
    const response = await post("/v1/messages", { model: "m", max_tokens: 8, messages: hi, ...fields });
    expect(response.status, response.text).toBe(200);
  });

  it.each([
    ["max_tokens 2^31, which would wrap in native code", { max_tokens: 2 ** 31 }],
    ["max_tokens 1e300", { max_tokens: 1e300 }],
    ["top_k 2^31", { top_k: 2 ** 31 }],
    ["top_k 2^32 + 5, which would wrap to 5", { top_k: 2 ** 32 + 5 }],
    ["top_k 1e300", { top_k: 1e300 }],
    ["thinking budget 2^31", { thinking: { type: "enabled", budget_tokens: 2 ** 31 } }],
  ])("refuses %s with 400 before the engine, and stays up", async (_case, fields) => {
    const response = await post("/v1/messages", { model: "m", max_tokens: 4, messages: hi, ...fields });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).error.type).toBe("invalid_request_error");
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
  });

  it("refuses a tool name with a space (node-llama-cpp's grammar cannot offer it) with 400 on both APIs, and stays up", async () => {
    // Found by the fuzzer below: it reached the engine and answered 500.
    const messages = await post("/v1/messages", { model: "m", max_tokens: 1, messages: hi, tools: [{ name: "     ", input_schema: { type: "object" } }] });
    expect(messages.status).toBe(400);
    expect(JSON.parse(messages.text).error.message).toBe("tools.0.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'");
    const tools = [{ type: "function", function: { name: "read file", parameters: { type: "object" } } }];
    const completions = await post("/v1/chat/completions", { model: "m", max_tokens: 1, messages: hi, tools });
    expect(completions.status).toBe(400);
    expect(JSON.parse(completions.text).error).toMatchObject({ type: "invalid_request_error", param: "tools.0.function.name" });
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
  });

  it("answers 1,000 fuzzed bodies on both prompt routes with a 2xx or a 4xx, and no in-stream api_error", async () => {
    let index = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fuzzedMessageBody(8), fuzzedContentType, async (body, contentType) => {
        const path = index++ % 3 === 2 ? "/v1/messages/count_tokens" : "/v1/messages";
        const response = await post(path, body, contentType === "" ? {} : { "content-type": contentType });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect(response.status, `${path} answered ${response.text.slice(0, 300)} to ${body.slice(0, 1000)}`).toBeLessThan(500);
        expect(response.text).not.toContain('"type":"api_error"');
      }),
      { numRuns: 1000 },
    );
    // About a quarter reach the model; the rest are refused, as they should be.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(100);
    const message = await client({ apiKey }).messages.create({ model: "m", max_tokens: 2, messages: hi });
    expect(message.type).toBe("message");
  });

  it("answers 1,000 fuzzed Chat Completions bodies with a 2xx or a 4xx (the real engine under the OpenAI route)", async () => {
    let reachedModel = 0;
    await fc.assert(
      fc.asyncProperty(fuzzedChatCompletionBody, async (body) => {
        const response = await post("/v1/chat/completions", body);
        if (response.status === 200) reachedModel += 1;
        expect(response.status, `answered ${response.text.slice(0, 300)} to ${body.slice(0, 1000)}`).toBeLessThan(500);
        expect(response.text).not.toContain('"type":"server_error"');
      }),
      { numRuns: 1000 },
    );
    expect(reachedModel).toBeGreaterThan(100);
  });
});
