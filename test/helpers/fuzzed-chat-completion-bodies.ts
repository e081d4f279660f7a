import fc from "fast-check";
import { fuzzedBody } from "./fuzzed-message-bodies.js";

const text = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("Hi", "", "\u0000\u001b[31m\u0007", "\ud800", "💥".repeat(3)));
const toolCall = fc.record({
  id: fc.constantFrom("call_1", "x"),
  type: fc.constant("function"),
  function: fc.record({ name: fc.constantFrom("read", "write"), arguments: fc.constantFrom("{}", '{"a":1}', "") }),
});
const message = fc.oneof(
  fc.record({ role: fc.constantFrom("system", "developer", "user"), content: fc.oneof(text, fc.array(fc.record({ type: fc.constant("text"), text }), { maxLength: 2 })) }),
  fc.record({ role: fc.constant("assistant"), content: fc.oneof(text, fc.constant(null)), tool_calls: fc.array(toolCall, { maxLength: 2 }), reasoning_content: text }, { requiredKeys: ["role"] }),
  fc.record({ role: fc.constant("tool"), tool_call_id: fc.constantFrom("call_1", "x"), content: text }),
);
const parameters = fc.oneof(
  fc.constant({ type: "object" }),
  fc.record({ type: fc.constant("object"), properties: fc.dictionary(fc.string({ maxLength: 5 }), fc.record({ type: fc.constantFrom("string", "number", "array", "object") }), { maxKeys: 3 }) }),
);

/** A Chat Completions body the server should accept: the starting point of the mutations. */
const validBody = fc.record(
  {
    model: fc.constantFrom("gpt-4o", "claude-sonnet-5", "local"),
    messages: fc.array(message, { minLength: 1, maxLength: 4 }),
    max_completion_tokens: fc.integer({ min: 1, max: 64 }),
    max_tokens: fc.integer({ min: 1, max: 64 }),
    tools: fc.uniqueArray(fc.record({ type: fc.constant("function"), function: fc.record({ name: fc.constantFrom("read", "write"), description: text, parameters, strict: fc.boolean() }) }), {
      maxLength: 2,
      selector: (tool) => tool.function.name,
    }),
    tool_choice: fc.constantFrom("auto", "none"),
    parallel_tool_calls: fc.boolean(),
    response_format: fc.oneof(
      fc.record({ type: fc.constantFrom("text", "json_object") }),
      fc.record({ type: fc.constant("json_schema"), json_schema: fc.record({ name: fc.constant("a"), schema: parameters }) }),
    ),
    stop: fc.oneof(fc.string({ maxLength: 10 }), fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 })),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    seed: fc.integer(),
    n: fc.constant(1),
    stream: fc.boolean(),
    stream_options: fc.record({ include_usage: fc.boolean() }),
    reasoning_effort: fc.constantFrom("none", "low", "high"),
  },
  { requiredKeys: ["model", "messages"] },
);

/** Fuzzed request bodies for POST /v1/chat/completions, as raw text. */
export const fuzzedChatCompletionBody: fc.Arbitrary<string> = fuzzedBody(validBody);
