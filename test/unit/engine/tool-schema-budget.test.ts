import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toChatFunctions } from "../../../src/engine/llama/to-chat-functions.js";
import { checkToolInput, maxCheckSteps } from "../../../src/engine/tool-schema/check-tool-input.js";
import { maxSchemaDepth } from "../../../src/engine/tool-schema/measure-tool-schema.js";
import { mergeSchemas } from "../../../src/engine/tool-schema/merge-schemas.js";
import { maxRepairSteps, repairToolInput } from "../../../src/engine/tool-schema/repair-tool-input.js";
import { maxSchemaNodesPerRequest, SchemaWorkBudget } from "../../../src/engine/tool-schema/schema-work-budget.js";
import { toGrammarSchema } from "../../../src/engine/tool-schema/to-grammar-schema.js";
import { ToolSchemaError } from "../../../src/engine/tool-schema/tool-schema-error.js";
import { claudeCodeTools } from "../../fixtures/claude-code-tools.js";

const path = "tools.0.input_schema";
const tooLarge = `${path}: the tool schemas expand to more than ${maxSchemaNodesPerRequest} nodes (limit ${maxSchemaNodesPerRequest} per request)`;

/** A hang guard, not a timing assertion: the real costs are a few milliseconds, the old code took minutes. */
function withinHangGuard<T>(run: () => T): T {
  const started = performance.now();
  const result = run();
  expect(performance.now() - started).toBeLessThan(2000);
  return result;
}

/**
 * The attack: each level names the level below twice (`allOf` of two `$ref`s, or `anyOf`), so about 2 KB of
 * schema expands to 2^levels nodes. `distinct` uses two copies of each level, so merging cannot collapse them.
 */
function doubling(levels: number, combinator: "allOf" | "anyOf", distinct = false): Record<string, unknown> {
  const definitions: Record<string, unknown> = { a0: { type: "string", minLength: 2 }, b0: { type: "string", minLength: 2 } };
  for (let level = 1; level <= levels; level += 1) {
    const parts = [{ $ref: `#/$defs/a${level - 1}` }, { $ref: `#/$defs/${distinct ? "b" : "a"}${level - 1}` }];
    definitions[`a${level}`] = { [combinator]: parts };
    definitions[`b${level}`] = { [combinator]: parts };
  }
  return { type: "object", $defs: definitions, properties: { value: { $ref: `#/$defs/a${levels}` } }, required: ["value"] };
}

describe("the work budget of a request's tool schemas", () => {
  const tooDeep = `${path}: schema nesting exceeds ${maxSchemaDepth} levels`;
  it.each([
    [20, "allOf", false, tooLarge],
    [30, "allOf", true, tooLarge],
    [30, "anyOf", false, tooLarge],
    [120, "allOf", false, tooDeep],
    [120, "anyOf", true, tooDeep],
  ] as const)("refuses a definition named twice at each of %i levels (%s, distinct copies: %s), fast, naming the limit", (levels, combinator, distinct, message) => {
    const schema = doubling(levels, combinator, distinct);
    expect(JSON.stringify(schema).length).toBeLessThan(levels * 150); // about 2 KB at 20 levels
    const thrown = withinHangGuard(() => {
      try {
        toGrammarSchema(schema, path);
      } catch (error) {
        return error;
      }
      return undefined;
    });
    expect(thrown).toBeInstanceOf(ToolSchemaError);
    expect((thrown as ToolSchemaError).message).toBe(message);
  });

  it("accepts the same shape while it stays small: 8 levels expand to about a thousand nodes", () => {
    const budget = new SchemaWorkBudget();
    expect(() => toGrammarSchema(doubling(8, "allOf", true), path, budget)).not.toThrow();
    expect(budget.spent).toBeGreaterThan(2 ** 8);
    expect(budget.spent).toBeLessThan(maxSchemaNodesPerRequest);
  });

  it("passes Claude Code's tools (about 32 KB) with a margin of more than ten times", () => {
    const budget = new SchemaWorkBudget();
    for (const [index, tool] of claudeCodeTools.entries()) toGrammarSchema(tool.input_schema, `tools.${index}.input_schema`, budget);
    expect(JSON.stringify(claudeCodeTools).length).toBeGreaterThan(30_000);
    expect(budget.spent).toBeLessThan(maxSchemaNodesPerRequest / 10);
  });

  it("counts all the tools of a request together and names the tool that crossed the limit", () => {
    const wide = { type: "object", properties: Object.fromEntries(Array.from({ length: 300 }, (_, index) => [`p${index}`, { type: "string" }])) };
    const oneTool = new SchemaWorkBudget();
    toGrammarSchema(wide, path, oneTool);
    const fitting = Math.floor(maxSchemaNodesPerRequest / oneTool.spent);
    const tools = Array.from({ length: fitting + 5 }, (_, index) => ({ name: `t${index}`, description: "", inputSchema: wide }));
    expect(() => toChatFunctions(tools.slice(0, fitting))).not.toThrow();
    expect(() => toChatFunctions(tools)).toThrow(`tools.${fitting}.input_schema: the tool schemas expand to more than ${maxSchemaNodesPerRequest} nodes`);
  });

  it("counts a $ref cycle once, and a huge enum or property list by its size", () => {
    const cycle = { type: "object", properties: { tree: { $ref: "#/$defs/node" } }, $defs: { node: { anyOf: [{ $ref: "#/$defs/node" }, { items: { $ref: "#/$defs/node" } }] } } };
    expect(() => toGrammarSchema(cycle, path)).not.toThrow();
    const bigEnum = { type: "object", properties: { a: { enum: Array.from({ length: maxSchemaNodesPerRequest }, (_, index) => index) } } };
    expect(() => withinHangGuard(() => toGrammarSchema(bigEnum, path))).toThrow(tooLarge);
    const manyKeywords = { type: "object", ...Object.fromEntries(Array.from({ length: maxSchemaNodesPerRequest }, (_, index) => [`x-${index}`, 1])) };
    expect(() => withinHangGuard(() => toGrammarSchema(manyKeywords, path))).toThrow(tooLarge);
  });

  it("counts schema text at every use: a long description named a thousand times would fill the prompt a thousand times", () => {
    const description = "d".repeat(100_000);
    const named = (uses: number): unknown => ({
      type: "object",
      $defs: { text: { type: "string", description } },
      properties: Object.fromEntries(Array.from({ length: uses }, (_, index) => [`p${index}`, { $ref: "#/$defs/text" }])),
    });
    expect(() => toGrammarSchema(named(1), path)).not.toThrow();
    expect(() => withinHangGuard(() => toGrammarSchema(named(1000), path))).toThrow(tooLarge);
    const longName = { type: "object", properties: { ["n".repeat(1_000_000)]: { type: "string" } } };
    expect(() => toGrammarSchema(longName, path)).toThrow(tooLarge);
  });

  it("refuses nesting past the limit through keywords the grammar ignores, and deep enum or const values", () => {
    const nest = (levels: number, wrap: (inner: unknown) => unknown): unknown => {
      let schema: unknown = { type: "string" };
      for (let level = 0; level < levels; level += 1) schema = wrap(schema);
      return schema;
    };
    const deepValue = nest(10_000, (inner) => ({ a: [inner] }));
    const shapes: unknown[] = [
      { type: "object", properties: { a: nest(10_000, (inner) => ({ not: inner })) } },
      { type: "object", properties: { a: nest(10_000, (inner) => ({ if: inner, then: inner })) } },
      { type: "object", properties: { a: nest(10_000, (inner) => ({ type: "array", contains: inner })) } },
      { type: "object", properties: { a: { const: deepValue } } },
      { type: "object", properties: { a: { enum: [1, deepValue] } } },
    ];
    for (const schema of shapes) {
      expect(() => withinHangGuard(() => toGrammarSchema(schema, path))).toThrow(`${path}: schema nesting exceeds ${maxSchemaDepth} levels`);
    }
  });

  it("intersects two large enums in linear time", () => {
    const first = Array.from({ length: 50_000 }, (_, index) => `v${index}`);
    const second = Array.from({ length: 50_000 }, (_, index) => `v${index * 2}`);
    const merged = withinHangGuard(() => mergeSchemas({ enum: first }, { enum: second }));
    expect(merged["enum"]).toHaveLength(25_000);
  });
});

describe("the checks after generation stay within their budgets", () => {
  it("checks a definition named twice at each of 30 levels once per value, listing at most 20 problems", () => {
    const schema = doubling(30, "allOf", true);
    expect(withinHangGuard(() => checkToolInput(schema, { value: "ok" }))).toEqual([]);
    expect(withinHangGuard(() => checkToolInput(schema, { value: "x" }))).toEqual(["input.value: must have at least 2 characters"]);
    const failing = { ...schema, properties: { value: { $ref: "#/$defs/a30" }, other: { $ref: "#/$defs/a30" } } };
    const errors = withinHangGuard(() => checkToolInput(failing, { value: 1, other: 2, third: 3 }));
    expect(errors).toContain("input.value: must be of type string");
    expect(errors).toContain("input.other: must be of type string");
    expect(errors.length).toBeLessThanOrEqual(20);
  });

  it("repairs through a definition named twice at each of 30 levels", () => {
    const schema = doubling(30, "allOf", true);
    expect(withinHangGuard(() => repairToolInput(schema, { value: "ok", extra: null }))).toEqual({ value: "ok", extra: null });
  });

  it("stops at the budget with one line instead of throwing, and the repair returns the input as it came", () => {
    // Both alternatives repair the whole nested value before the first fails its check: 2^40 repairs unbudgeted.
    const nested = {
      type: "object",
      properties: { a: { $ref: "#/$defs/list" } },
      $defs: { list: { anyOf: [{ type: "array", items: { $ref: "#/$defs/list" }, minItems: 2 }, { type: "array", items: { $ref: "#/$defs/list" } }] } },
    };
    let deep: unknown = [];
    for (let level = 0; level < 40; level += 1) deep = [deep];
    const input = { a: deep };
    const repairBudget = new SchemaWorkBudget(maxRepairSteps);
    expect(withinHangGuard(() => repairToolInput(nested, input, repairBudget))).toBe(input);
    expect(repairBudget.spent).toBeGreaterThan(maxRepairSteps);
    expect(withinHangGuard(() => checkToolInput(nested, input))).toEqual([]);

    const items = { type: "array", items: { type: "object", properties: { x: { type: "integer", minimum: 0 } } } };
    const huge = Array.from({ length: maxCheckSteps }, (_, index) => ({ x: index }));
    expect(withinHangGuard(() => checkToolInput(items, huge))).toEqual([`input: not checked: the schema takes more than ${maxCheckSteps} steps to check`]);
    expect(checkToolInput(items, huge.slice(0, 100))).toEqual([]);
  });

  it("spends the budget it is given", () => {
    const budget = new SchemaWorkBudget(10);
    const schema = { type: "array", items: { type: "string" } };
    expect(checkToolInput(schema, Array.from({ length: 20 }, () => "x"), budget)).toEqual(["input: not checked: the schema takes more than 10 steps to check"]);
    expect(budget.spent).toBe(11);
  });

  it("never throws anything but within its budget, whatever the schema graph (property test)", () => {
    const reference = fc.integer({ min: 0, max: 5 }).map((index) => ({ $ref: `#/$defs/d${index}` }));
    const leaf = fc.oneof(
      fc.constant({ type: "string", minLength: 2 }),
      fc.constant({ type: "integer", minimum: 0 }),
      fc.constant({ enum: ["a", 1, null] }),
      fc.constant({ pattern: "^(a+)+$" }),
      reference,
    );
    const node: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        leaf,
        fc.record({ allOf: fc.array(tie("node"), { minLength: 1, maxLength: 3 }) }),
        fc.record({ anyOf: fc.array(tie("node"), { minLength: 1, maxLength: 3 }) }),
        fc.record({ oneOf: fc.array(tie("node"), { minLength: 1, maxLength: 3 }) }),
        fc.record({ not: tie("node") }),
        fc.record({ type: fc.constant("array"), items: tie("node") }),
        fc.record({ type: fc.constant("object"), properties: fc.dictionary(fc.constantFrom("a", "b"), tie("node"), { maxKeys: 2 }) }),
      ),
    })).node;
    const value = fc.jsonValue({ maxDepth: 4 });
    fc.assert(
      fc.property(fc.array(node, { minLength: 6, maxLength: 6 }), node, value, (definitions, root, input) => {
        const schema = { type: "object", $defs: Object.fromEntries(definitions.map((definition, index) => [`d${index}`, definition])), properties: { v: root } };
        try {
          toGrammarSchema(schema, path);
        } catch (error) {
          expect(error).toBeInstanceOf(ToolSchemaError);
        }
        const repairBudget = new SchemaWorkBudget(maxRepairSteps);
        const checkBudget = new SchemaWorkBudget(maxCheckSteps);
        const repaired = repairToolInput(schema, { v: input }, repairBudget);
        expect(Array.isArray(checkToolInput(schema, repaired, checkBudget))).toBe(true);
        // One step past the limit at most, plus the last (bounded) piece of work: never a runaway.
        expect(repairBudget.spent).toBeLessThan(maxRepairSteps * 2);
        expect(checkBudget.spent).toBeLessThan(maxCheckSteps * 2);
      }),
      { numRuns: 150 },
    );
  });
});

describe("patterns run on RE2", () => {
  it("matches a catastrophic-backtracking pattern in linear time, in the check and in patternProperties", () => {
    const value = `${"a".repeat(100_000)}!`;
    expect(withinHangGuard(() => checkToolInput({ type: "string", pattern: "^(a+)+$" }, value))).toEqual(["input: must match pattern ^(a+)+$"]);
    expect(checkToolInput({ type: "string", pattern: "^(a+)+$" }, "aaaa")).toEqual([]);
    const keyed = { type: "object", patternProperties: { "^(a+)+$": { type: "integer", maximum: 3 } }, additionalProperties: false };
    const name = `${"a".repeat(30)}!`;
    expect(withinHangGuard(() => checkToolInput(keyed, { [name]: 9, aaa: 9 }))).toEqual([`input: unexpected property ${name}`, "input.aaa: must be at most 3"]);
    expect(withinHangGuard(() => repairToolInput(keyed, { [name]: 9, aaa: 9 }))).toEqual({ aaa: 3 });
    const names = { type: "object", propertyNames: { pattern: "^(a|aa)+$" } };
    expect(withinHangGuard(() => checkToolInput(names, { [name]: 1 }))).toEqual([`input.${name} (name): must match pattern ^(a|aa)+$`]);
  });

  it("reads ECMA-262 syntax: \\u escapes and named groups", () => {
    expect(checkToolInput({ type: "string", pattern: "^\\u0041(?<rest>b+)$" }, "Abb")).toEqual([]);
    expect(checkToolInput({ type: "string", pattern: "^[\\u0000-\\u007F]*$" }, "é")).toEqual(["input: must match pattern ^[\\u0000-\\u007F]*$"]);
  });

  it.each([
    ["a backreference", "^(a)\\1$", "invalid escape sequence"],
    ["a lookahead", "^(?=a)\\w+$", "unsupported Perl syntax"],
    ["a lookbehind", "(?<!a)b", "invalid named capture"],
    ["a repetition over 1000", "^a{2000}$", "invalid repeat count"],
  ])("refuses %s before generation, naming the tool and the pattern", (_name, pattern, reason) => {
    for (const schema of [
      { type: "object", properties: { code: { type: "string", pattern } } },
      { type: "object", patternProperties: { [pattern]: { type: "string" } } },
      { type: "object", properties: { code: { type: "object", propertyNames: { pattern } } } },
    ]) {
      let thrown: unknown;
      try {
        toGrammarSchema(schema, path);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ToolSchemaError);
      const message = (thrown as ToolSchemaError).message;
      expect(message.startsWith(`${path}: pattern ${JSON.stringify(pattern)} is not supported (`)).toBe(true);
      expect(message).toContain(reason);
    }
  });

  it("refuses a pattern longer than 1000 characters, and skips an uncompilable one in the check", () => {
    expect(() => toGrammarSchema({ type: "object", properties: { a: { type: "string", pattern: "a".repeat(1001) } } }, path)).toThrow(
      /^tools\.0\.input_schema: pattern "a{80}…" is longer than 1000 characters$/,
    );
    expect(checkToolInput({ type: "string", pattern: "(a)\\1" }, "anything")).toEqual([]);
  });
});
