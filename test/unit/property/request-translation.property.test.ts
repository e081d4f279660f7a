import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import { InvalidRequestError } from "../../../src/api/server-error.js";
import { toGenerationRequest } from "../../../src/api/translate/to-generation-request.js";
import { Value } from "typebox/value";
import { MessagesRequestSchema, type MessagesRequest } from "../../../src/api/wire/messages-request.js";
import { toChatHistory } from "../../../src/engine/llama/chat-history.js";
import { ScriptedEngine, textEvents } from "../../helpers/scripted-engine.js";

const text = fc.oneof(fc.string(), fc.constantFrom("", " ", "x-anthropic-billing-header: cch=1;", "Hello"));
const block = fc.oneof(
  fc.record({ type: fc.constant("text"), text }),
  fc.record({ type: fc.constant("text") }),
  fc.record({ type: fc.constant("thinking"), thinking: text, signature: fc.oneof(fc.constant(""), fc.string()) }),
  fc.record({ type: fc.constant("tool_use"), id: fc.string(), name: fc.string(), input: fc.oneof(fc.object(), fc.anything()) }),
  fc.record({
    type: fc.constant("tool_result"),
    tool_use_id: fc.string(),
    content: fc.oneof(text, fc.array(fc.record({ type: fc.constantFrom("text", "image", "document", "bogus"), text })), fc.anything()),
    is_error: fc.oneof(fc.boolean(), fc.anything()),
  }),
  fc.record({ type: fc.constantFrom("image", "document", "search_result", "server_tool_use", "redacted_thinking", "bogus"), source: fc.anything() }),
  fc.record({ type: fc.string() }, { requiredKeys: [] }),
);
const message = fc.record({
  role: fc.constantFrom("user", "assistant", "system"),
  content: fc.oneof(text, fc.array(block, { maxLength: 4 })),
});
const requestBody = fc.record(
  {
    model: fc.oneof(fc.constant("claude-sonnet-5"), fc.string()),
    max_tokens: fc.oneof(fc.nat(100_000), fc.integer(), fc.double(), fc.anything()),
    messages: fc.array(message, { maxLength: 6 }),
    system: fc.oneof(text, fc.array(fc.record({ type: fc.constantFrom("text", "image"), text }), { maxLength: 3 })),
    tools: fc.array(
      fc.record({ name: fc.string(), type: fc.option(fc.constantFrom("custom", "web_search_20250305"), { nil: undefined }), input_schema: fc.oneof(fc.object(), fc.constant(undefined)) }),
      { maxLength: 3 },
    ),
    tool_choice: fc.oneof(fc.record({ type: fc.constantFrom("auto", "any", "tool", "none", "other"), name: fc.option(fc.string(), { nil: undefined }) }), fc.anything()),
    thinking: fc.oneof(fc.record({ type: fc.constantFrom("enabled", "disabled", "adaptive"), budget_tokens: fc.anything() }), fc.anything()),
    stop_sequences: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), fc.anything()),
    temperature: fc.oneof(fc.double(), fc.anything()),
    stream: fc.oneof(fc.boolean(), fc.anything()),
  },
  { requiredKeys: [] },
);

/** Top-level fields of the right types (what passes the schema); the content blocks stay wild. */
const schemaShapedBody = fc.record(
  {
    model: fc.string({ minLength: 1 }),
    max_tokens: fc.nat(100_000),
    messages: fc.array(message, { minLength: 1, maxLength: 6 }),
    system: fc.oneof(text, fc.array(fc.record({ type: fc.constantFrom("text", "image"), text }), { maxLength: 3 })),
    tools: fc.array(
      fc.record({ name: fc.string({ minLength: 1 }), type: fc.option(fc.constantFrom("custom", "web_search_20250305"), { nil: undefined }), input_schema: fc.option(fc.object(), { nil: undefined }) }, { requiredKeys: ["name"] }),
      { maxLength: 3 },
    ),
    tool_choice: fc.record({ type: fc.constantFrom("auto", "any", "tool", "none"), name: fc.string() }, { requiredKeys: ["type"] }),
    thinking: fc.record({ type: fc.constantFrom("enabled", "disabled", "adaptive"), budget_tokens: fc.oneof(fc.integer(), fc.anything()) }, { requiredKeys: ["type"] }),
    stop_sequences: fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
    temperature: fc.double({ min: 0, max: 1, noNaN: true }),
    top_k: fc.nat(100),
    stream: fc.boolean(),
  },
  { requiredKeys: ["model", "max_tokens", "messages"] },
);

describe("request translation, property-based", () => {
  it("a schema-valid request either translates (and renders to chat history) or is refused with InvalidRequestError", () => {
    let checked = 0;
    fc.assert(
      fc.property(schemaShapedBody, (body) => {
        const request = body as unknown as MessagesRequest;
        // The translator runs only behind the schema check, as in the server.
        if (!Value.Check(MessagesRequestSchema, request)) return;
        checked += 1;
        try {
          const translated = toGenerationRequest(request);
          toChatHistory(translated);
        } catch (error) {
          // Only structured refusals are allowed; a TypeError here would be a crash in production.
          if (!(error instanceof InvalidRequestError)) throw error;
        }
      }),
      { numRuns: 3000 },
    );
    expect(checked).toBeGreaterThan(300); // enough generated requests got past the schema to mean something
  });

  it("any JSON body to /v1/messages gets a 2xx or a 4xx in Anthropic's error shape, never a 5xx", async () => {
    const app = createApp({ engine: ScriptedEngine.replaying(textEvents) });
    await fc.assert(
      fc.asyncProperty(fc.oneof(requestBody, fc.jsonValue()), async (body) => {
        const response = await app.inject({ method: "POST", url: "/v1/messages", payload: JSON.stringify(body), headers: { "content-type": "application/json" } });
        expect(response.statusCode).toBeLessThan(500);
        if (response.statusCode >= 400) {
          const error = response.json() as { type: string; error: { type: string; message: string } };
          expect(error.type).toBe("error");
          expect(typeof error.error.message).toBe("string");
        }
      }),
      { numRuns: 1500 },
    );
    await app.close();
  });
});
