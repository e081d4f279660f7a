import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { createApp, type AppOptions } from "../../../src/api/create-app.js";
import { maxNestingDepth } from "../../../src/api/security/nesting-depth-check.js";
import { ScriptedEngine, textEvents } from "../../helpers/scripted-engine.js";

const body = { model: "claude-sonnet-5", max_tokens: 16, messages: [{ role: "user", content: "Hi" }] };
const json = JSON.stringify(body);

function appWith(options: Partial<AppOptions> = {}) {
  const engine = ScriptedEngine.replaying(textEvents);
  return { engine, app: createApp({ engine, ...options }) };
}

function expectError(response: { statusCode: number; json(): unknown }, status: number, type: string): void {
  expect(response.statusCode).toBe(status);
  expect(response.json()).toEqual({ type: "error", error: { type, message: expect.any(String) }, request_id: expect.stringMatching(/^req_/) });
}

describe("body format (in process)", () => {
  it.each(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json-patch+json", "application/jsonx"])(
    "answers 415 invalid_request_error to a %s POST, before the engine is called",
    async (contentType) => {
      const { app, engine } = appWith();
      for (const url of ["/v1/messages", "/v1/messages/count_tokens"]) {
        const response = await app.inject({ method: "POST", url, headers: { "content-type": contentType }, payload: json });
        expectError(response, 415, "invalid_request_error");
        expect(response.json().error.message).toBe("Unsupported content type: send application/json.");
      }
      expect(engine.requests).toHaveLength(0);
    },
  );

  it("answers 415 to a POST with a body and no content type", async () => {
    const { app } = appWith();
    const response = await app.inject({ method: "POST", url: "/v1/messages", payload: Buffer.from(json) });
    expectError(response, 415, "invalid_request_error");
  });

  it("accepts application/json with parameters and in any case", async () => {
    const { app } = appWith();
    for (const contentType of ["application/json; charset=utf-8", "Application/JSON"]) {
      const response = await app.inject({ method: "POST", url: "/v1/messages", headers: { "content-type": contentType }, payload: json });
      expect(response.statusCode, contentType).toBe(200);
    }
  });

  it("refuses compressed bodies with 415 without inflating them, and accepts identity", async () => {
    const { app, engine } = appWith();
    for (const encoding of ["gzip", "deflate", "br", "GZIP", "gzip, identity"]) {
      const response = await app.inject({
        method: "POST",
        url: "/v1/messages",
        headers: { "content-type": "application/json", "content-encoding": encoding },
        payload: gzipSync(json),
      });
      expectError(response, 415, "invalid_request_error");
      expect(response.json().error.message).toMatch(/^Content-Encoding '.*' is not supported: send the body uncompressed\.$/);
    }
    expect(engine.requests).toHaveLength(0);
    const identity = await app.inject({ method: "POST", url: "/v1/messages", headers: { "content-type": "application/json", "content-encoding": "identity" }, payload: json });
    expect(identity.statusCode).toBe(200);
  });
});

describe("body size (in process)", () => {
  it("answers 413 request_too_large past the configured limit, on both prompt routes", async () => {
    const { app, engine } = appWith({ bodyLimit: 1024 });
    const large = JSON.stringify({ ...body, system: "x".repeat(1024) });
    for (const url of ["/v1/messages", "/v1/messages/count_tokens"]) {
      const response = await app.inject({ method: "POST", url, headers: { "content-type": "application/json" }, payload: large });
      expectError(response, 413, "request_too_large");
    }
    expect(engine.requests).toHaveLength(0);
  });

  it("takes 32 MiB by default: just under passes, just over is 413", async () => {
    const { app } = appWith();
    const limit = 32 * 1024 * 1024;
    const frame = JSON.stringify({ ...body, system: "" });
    const filler = (size: number) => "x".repeat(size - frame.length);
    const under = frame.replace('"system":""', `"system":"${filler(limit)}"`);
    const over = frame.replace('"system":""', `"system":"${filler(limit + 1)}"`);
    expect(Buffer.byteLength(under)).toBe(limit);
    expect((await app.inject({ method: "POST", url: "/v1/messages/count_tokens", headers: { "content-type": "application/json" }, payload: under })).statusCode).toBe(200);
    expectError(await app.inject({ method: "POST", url: "/v1/messages/count_tokens", headers: { "content-type": "application/json" }, payload: over }), 413, "request_too_large");
  });
});

describe("JSON that attacks the parser (in process)", () => {
  it.each([
    ["__proto__", `{"__proto__":{"polluted":true},"model":"m","max_tokens":1,"messages":[{"role":"user","content":"Hi"}]}`],
    ["nested __proto__", `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"Hi","__proto__":{"polluted":true}}]}`],
    ["constructor.prototype", `{"constructor":{"prototype":{"polluted":true}},"model":"m","max_tokens":1,"messages":[{"role":"user","content":"Hi"}]}`],
  ])("answers 400 to %s and pollutes nothing", async (_case, payload) => {
    const { app, engine } = appWith();
    const response = await app.inject({ method: "POST", url: "/v1/messages", headers: { "content-type": "application/json" }, payload });
    expectError(response, 400, "invalid_request_error");
    expect(engine.requests).toHaveLength(0);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it(`answers 400 to a body nested deeper than ${maxNestingDepth} levels, wherever the nesting is`, async () => {
    const { app, engine } = appWith();
    const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
    const tooDeep = [
      `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"Hi"}],"metadata":${nested(100_000)}}`,
      `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"a":${nested(5_000)}}}]}]}`,
      `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"Hi"}],"tools":[{"name":"f","description":${nested(maxNestingDepth)}}]}`,
    ];
    for (const payload of tooDeep) {
      for (const url of ["/v1/messages", "/v1/messages/count_tokens"]) {
        const response = await app.inject({ method: "POST", url, headers: { "content-type": "application/json" }, payload });
        expectError(response, 400, "invalid_request_error");
        expect(response.json().error.message).toBe(`The request body nests arrays and objects deeper than ${maxNestingDepth} levels.`);
      }
    }
    expect(engine.requests).toHaveLength(0);

    // Tool input schemas are the engine's to check (64 levels, naming the tool): test/integration/security-engine.test.ts.
    const deepSchema = `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"Hi"}],"tools":[{"name":"f","input_schema":{"type":"object","properties":{"a":${nested(10_000)}}}}]}`;
    expect((await app.inject({ method: "POST", url: "/v1/messages", headers: { "content-type": "application/json" }, payload: deepSchema })).statusCode).toBe(200);
    expect(engine.requests).toHaveLength(1);
    // The body object itself is level 1.
    const atLimit = `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"Hi"}],"metadata":${nested(maxNestingDepth - 1)}}`;
    expect((await app.inject({ method: "POST", url: "/v1/messages", headers: { "content-type": "application/json" }, payload: atLimit })).statusCode).toBe(200);
    expect(engine.requests).toHaveLength(2);
  });
});

describe("sampling and size bounds, checked before the engine (in process)", () => {
  it.each([
    ["max_tokens negative", { max_tokens: -1 }],
    ["max_tokens fractional", { max_tokens: 1.5 }],
    ["max_tokens as a string", { max_tokens: "NaN" }],
    ["max_tokens null", { max_tokens: null }],
    ["temperature negative", { temperature: -0.1 }],
    ["temperature above 1", { temperature: 1.0000001 }],
    ["temperature huge", { temperature: 1e308 }],
    ["temperature as a string", { temperature: "NaN" }],
    ["top_p negative", { top_p: -1 }],
    ["top_p above 1", { top_p: 2 }],
    ["top_k negative", { top_k: -1 }],
    ["top_k fractional", { top_k: 0.5 }],
    ["stop_sequences not a list", { stop_sequences: "END" }],
    ["stop_sequences with a number", { stop_sequences: [1] }],
    ["65 stop_sequences", { stop_sequences: Array.from({ length: 65 }, (_, index) => `s${index}`) }],
    ["a stop sequence of 1025 characters", { stop_sequences: ["x".repeat(1025)] }],
    ["1025 tools", { tools: Array.from({ length: 1025 }, (_, index) => ({ name: `t${index}`, input_schema: { type: "object" } })) }],
    ["a tool name of 257 characters", { tools: [{ name: "t".repeat(257), input_schema: { type: "object" } }] }],
    ["an empty tool name", { tools: [{ name: "", input_schema: { type: "object" } }] }],
    ["a tool schema that is not an object", { tools: [{ name: "t", input_schema: "deep" }] }],
    ["a model name of 513 characters", { model: "m".repeat(513) }],
    ["thinking budget negative", { thinking: { type: "enabled", budget_tokens: -1 } }],
  ])("answers 400 to %s", async (_case, fields) => {
    const { app, engine } = appWith();
    const response = await app.inject({ method: "POST", url: "/v1/messages", payload: { ...body, ...fields } });
    expectError(response, 400, "invalid_request_error");
    expect(engine.requests).toHaveLength(0);
  });

  it("accepts the edges of each bound", async () => {
    const { app, engine } = appWith();
    const fields = {
      temperature: 0,
      top_p: 1,
      top_k: 0,
      stop_sequences: Array.from({ length: 64 }, (_, index) => `${index}`.padEnd(1024, "x")),
      tools: Array.from({ length: 1024 }, (_, index) => ({ name: `t${index}`.padEnd(128, "x"), input_schema: { type: "object" } })),
    };
    const response = await app.inject({ method: "POST", url: "/v1/messages", payload: { ...body, ...fields } });
    expect(response.statusCode).toBe(200);
    expect(engine.requests[0]?.sampling).toMatchObject({ temperature: 0, topP: 1 });
  });

  // Huge counts are refused before they could wrap in native code.
  it.each([
    ["max_tokens above 2^31 - 1", { max_tokens: 2 ** 31 }],
    ["top_k above 2^31 - 1", { top_k: 2 ** 31 }],
    ["thinking budget above 2^31 - 1", { thinking: { type: "enabled", budget_tokens: 2 ** 31 } }],
  ])("answers 400 to %s", async (_case, fields) => {
    const { app } = appWith();
    const response = await app.inject({ method: "POST", url: "/v1/messages", payload: { ...body, ...fields } });
    expect(response.statusCode).toBe(400);
  });
});
