import fc from "fast-check";

/**
 * Request bodies for fuzzing POST /v1/messages, as raw text: valid ones, the same with random mutations (values
 * replaced, deleted or added anywhere, deep nesting, prototype keys), text edits that break the JSON, and noise.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const text = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("Hi", "", " ", "\u0000\u001b[31m\u0007", "\ud800", "💥".repeat(3)));
const nonEmptyText = fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom("Hi", "\u0000\u001b[31m\u0007", "\ud800", "💥".repeat(3)));
const userBlock = fc.oneof(
  fc.record({ type: fc.constant("text"), text: nonEmptyText }),
  fc.record({ type: fc.constant("tool_result"), tool_use_id: fc.constantFrom("toolu_1", "x"), content: fc.oneof(text, fc.array(fc.record({ type: fc.constant("text"), text: nonEmptyText }), { maxLength: 2 })) }),
);
const assistantBlock = fc.oneof(
  fc.record({ type: fc.constant("text"), text: nonEmptyText }),
  fc.record({ type: fc.constant("tool_use"), id: fc.constantFrom("toolu_1", "x"), name: fc.constantFrom("read", "write"), input: fc.dictionary(fc.string({ maxLength: 5 }), text, { maxKeys: 3 }) }),
  fc.record({ type: fc.constant("thinking"), thinking: text, signature: fc.constant("") }),
);
const message = fc.oneof(
  fc.record({ role: fc.constant("user"), content: fc.oneof(nonEmptyText, fc.array(userBlock, { minLength: 1, maxLength: 3 })) }),
  fc.record({ role: fc.constant("assistant"), content: fc.oneof(nonEmptyText, fc.array(assistantBlock, { minLength: 1, maxLength: 3 })) }),
);
const schema = fc.oneof(
  fc.constant({ type: "object" }),
  fc.record({ type: fc.constant("object"), properties: fc.dictionary(fc.string({ maxLength: 5 }), fc.record({ type: fc.constantFrom("string", "number", "array", "object", "bogus") }), { maxKeys: 3 }) }),
);

/** A body the server should accept: the starting point of the mutations. */
const validBody = (maxTokens: number) => fc.record(
  {
    model: fc.constantFrom("claude-sonnet-5", "claude-haiku-4-5", "local"),
    max_tokens: fc.integer({ min: 1, max: maxTokens }),
    messages: fc.array(message, { minLength: 1, maxLength: 4 }),
    system: fc.oneof(text, fc.array(fc.record({ type: fc.constant("text"), text }), { maxLength: 2 })),
    tools: fc.uniqueArray(fc.record({ name: fc.constantFrom("read", "write", "web_search"), description: text, input_schema: schema }), { maxLength: 2, selector: (tool) => tool.name }),
    tool_choice: fc.record({ type: fc.constantFrom("auto", "none") }),
    temperature: fc.double({ min: 0, max: 1, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    top_k: fc.nat(500),
    stop_sequences: fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
    stream: fc.boolean(),
    thinking: fc.oneof(fc.record({ type: fc.constant("enabled"), budget_tokens: fc.nat(4096) }), fc.record({ type: fc.constantFrom("disabled", "adaptive") })),
    metadata: fc.record({ user_id: fc.string({ maxLength: 10 }) }),
  },
  { requiredKeys: ["model", "max_tokens", "messages"] },
);

const nested = fc.integer({ min: 1, max: 400 }).map((depth): Json => {
  let value: Json = [];
  for (let level = 1; level < depth; level += 1) value = level % 2 === 0 ? [value] : { n: value };
  return value;
});
const strangeValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(-1, 0, -0, 0.5, 1.5, 1e308, -1e308, 2 ** 31, 2 ** 53 + 2, Number.MIN_VALUE, "", "NaN", "Infinity", null, true, false, [], {}, [[]], { type: "text" }),
  fc.constantFrom<Json>({ type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } }, { type: "document", source: {} }, { type: "server_tool_use", id: "s", name: "web_search", input: {} }),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ maxLength: 2000 }).map((value) => value.repeat(5)),
  nested,
);

interface Mutation {
  readonly kind: "replace" | "delete" | "add";
  readonly at: number;
  readonly key: string;
  readonly value: Json;
}
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom("replace", "delete", "add"),
  at: fc.nat(),
  key: fc.oneof(fc.constantFrom("type", "role", "content", "text", "input", "name", "__proto__", "constructor", "prototype", "toString"), fc.string({ maxLength: 6 })),
  value: strangeValue,
});

/** Every container in `root` with, for each, a way to change it: the places a mutation can land. */
function containers(root: Json): (Json[] | { [key: string]: Json })[] {
  const found: (Json[] | { [key: string]: Json })[] = [];
  const pending: Json[] = [root];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next !== "object" || next === null) continue;
    found.push(next);
    pending.push(...(Array.isArray(next) ? next : Object.values(next)));
  }
  return found;
}

function mutate(body: Json, mutations: readonly Mutation[]): Json {
  const copy = JSON.parse(JSON.stringify(body)) as Json;
  for (const change of mutations) {
    // A copy: the generated values are shared between runs, and inserting one twice would make a cycle.
    const value = JSON.parse(JSON.stringify(change.value)) as Json;
    const places = containers(copy);
    const target = places[change.at % places.length];
    if (target === undefined) continue;
    const keys = Object.keys(target);
    const existing = keys[change.at % Math.max(1, keys.length)];
    if (Array.isArray(target)) {
      const index = existing === undefined ? 0 : Number(existing);
      if (change.kind === "delete") target.splice(index, 1);
      else if (change.kind === "add") target.splice(index, 0, value);
      else target[index] = value;
    } else if (change.kind === "delete" && existing !== undefined) {
      delete target[existing];
    } else {
      // defineProperty, so that a `__proto__` key is an own property here, as JSON.parse would make it.
      Object.defineProperty(target, change.kind === "add" || existing === undefined ? change.key : existing, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return copy;
}

interface TextEdit {
  readonly at: number;
  readonly insert: string;
  readonly cut: number;
}
const textEdit: fc.Arbitrary<TextEdit> = fc.record({
  at: fc.nat(),
  insert: fc.oneof(fc.constantFrom("", "{", "}", "[", "]", ",", ":", '"', "\\", "\\u0000", "NaN", "-", "1e999", '"__proto__":{"x":1},', "\u0000", "\ud800"), fc.string({ maxLength: 4 })),
  cut: fc.nat(4),
});

function editText(json: string, edits: readonly TextEdit[]): string {
  let result = json;
  for (const edit of edits) {
    const at = edit.at % (result.length + 1);
    result = result.slice(0, at) + edit.insert + result.slice(at + edit.cut);
  }
  return result;
}

/**
 * A fuzzed body. `maxTokens` bounds the valid bodies' `max_tokens`, for real engines; mutations may still set any
 * value, so a real engine also needs a small context.
 */
export function fuzzedMessageBody(maxTokens: number): fc.Arbitrary<string> {
  return fuzzedBody(validBody(maxTokens));
}

/**
 * A fuzzed body of any API: `valid` bodies as they are, the same with random mutations and with text edits that
 * break the JSON, and noise.
 */
export function fuzzedBody(valid: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([body, mutations]) => JSON.stringify(mutate(body as Json, mutations))) },
    { weight: 2, arbitrary: fc.tuple(valid, fc.array(textEdit, { minLength: 1, maxLength: 3 })).map(([body, edits]) => editText(JSON.stringify(body), edits)) },
    { weight: 1, arbitrary: valid.map((body) => JSON.stringify(body)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
  );
}

/** Mostly `application/json`, sometimes a type the server must refuse. */
export const fuzzedContentType = fc.oneof(
  { weight: 18, arbitrary: fc.constant("application/json") },
  { weight: 1, arbitrary: fc.constantFrom("application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "") },
);

