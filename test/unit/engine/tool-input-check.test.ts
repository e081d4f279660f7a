import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkToolInput } from "../../../src/engine/tool-schema/check-tool-input.js";
import { repairToolInput } from "../../../src/engine/tool-schema/repair-tool-input.js";

const maxSafe = 9007199254740991;

/** Claude Code's Read tool, as sent. */
const read = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  properties: {
    file_path: { type: "string" },
    offset: { type: "integer", minimum: 0, maximum: maxSafe },
    limit: { type: "integer", exclusiveMinimum: 0, maximum: maxSafe },
    pages: { type: "string" },
  },
  required: ["file_path"],
  additionalProperties: false,
};

/** Claude Code's TaskOutput: required bounded number with a default. */
const taskOutput = {
  type: "object",
  properties: {
    task_id: { type: "string" },
    block: { type: "boolean", default: true },
    timeout: { type: "number", default: 30000, minimum: 0, maximum: 600000 },
  },
  required: ["task_id", "block", "timeout"],
  additionalProperties: false,
};

/** Claude Code's ReportFindings: bounded integers inside an array of objects. */
const reportFindings = {
  type: "object",
  properties: {
    findings: {
      type: "array",
      maxItems: 32,
      items: {
        type: "object",
        properties: {
          file: { type: "string" },
          line: { type: "integer", minimum: -maxSafe, maximum: maxSafe },
          verdict: { type: "string", enum: ["CONFIRMED", "PLAUSIBLE"] },
        },
        required: ["file"],
        additionalProperties: false,
      },
    },
  },
  required: ["findings"],
  additionalProperties: false,
};

describe("checkToolInput", () => {
  it("accepts valid input", () => {
    expect(checkToolInput(read, { file_path: "/a", offset: 0, limit: 10 })).toEqual([]);
    expect(checkToolInput(taskOutput, { task_id: "t", block: true, timeout: 600000 })).toEqual([]);
  });

  it("names every violation with its path", () => {
    expect(checkToolInput(read, { offset: -1, limit: 0, pages: 3, extra: true })).toEqual([
      "input: missing required property file_path",
      "input.offset: must be at least 0",
      "input.limit: must be greater than 0",
      "input.pages: must be of type string",
      "input: unexpected property extra",
    ]);
    expect(checkToolInput(read, { file_path: "/a", offset: 1.5 })).toEqual(["input.offset: must be of type integer"]);
    expect(checkToolInput(reportFindings, { findings: [{ file: "a", line: 2 ** 60 }] })).toEqual(["input.findings.0.line: must be at most 9007199254740991"]);
  });

  it("counts string length in code points, as JSON Schema does", () => {
    const schema = { type: "string", minLength: 2, maxLength: 3 };
    expect(checkToolInput(schema, "😀😀😀")).toEqual([]);
    expect(checkToolInput(schema, "😀")).toEqual(["input: must have at least 2 characters"]);
    expect(checkToolInput(schema, "abcd")).toEqual(["input: must have at most 3 characters"]);
  });

  it("checks pattern, enum, const, multipleOf, uniqueItems and draft-4 exclusive bounds", () => {
    expect(checkToolInput({ type: "string", pattern: "^wf_[a-z0-9-]{6,}$" }, "wf_abc")).toEqual(["input: must match pattern ^wf_[a-z0-9-]{6,}$"]);
    expect(checkToolInput({ type: "string", pattern: "(" }, "anything")).toEqual([]); // uncompilable: skipped
    expect(checkToolInput({ enum: ["a", { b: 1 }] }, { b: 1 })).toEqual([]);
    expect(checkToolInput({ const: { x: [1, 2] } }, { x: [1, 3] })).toEqual(['input: must be {"x":[1,2]}']);
    expect(checkToolInput({ type: "number", multipleOf: 0.1 }, 0.3)).toEqual([]);
    expect(checkToolInput({ type: "array", uniqueItems: true }, [{ a: 1, b: 2 }, { b: 2, a: 1 }])).toEqual(["input: items must be unique"]);
    expect(checkToolInput({ type: "number", minimum: 0, exclusiveMinimum: true }, 0)).toEqual(["input: must be greater than 0"]);
  });

  it("follows $ref, allOf, anyOf, oneOf, not, if/then/else and prefixItems", () => {
    const schema = {
      $defs: { positive: { type: "integer", exclusiveMinimum: 0 } },
      type: "object",
      properties: {
        count: { $ref: "#/$defs/positive" },
        status: { anyOf: [{ enum: ["a", "b"] }, { const: "deleted" }] },
        one: { oneOf: [{ type: "integer" }, { type: "number" }] },
        both: { allOf: [{ type: "string" }, { minLength: 2 }] },
        never: { not: { type: "null" } },
        conditional: { if: { type: "string" }, then: { minLength: 3 }, else: { type: "number" } },
        pair: { type: "array", prefixItems: [{ type: "string" }, { type: "number" }], items: false },
      },
    };
    expect(checkToolInput(schema, { count: 1, status: "deleted", one: 1.5, both: "ab", never: 1, conditional: 5, pair: ["a", 1] })).toEqual([]);
    expect(checkToolInput(schema, { count: 0, status: "c", one: 1, both: "a", never: null, conditional: "ab", pair: ["a", 1, 2] })).toEqual([
      "input.count: must be greater than 0",
      "input.status: must match at least one schema in anyOf",
      "input.one: must match exactly one schema in oneOf (matches 2)",
      "input.both: must have at least 2 characters",
      "input.never: must not match the schema in not",
      "input.conditional: must have at least 3 characters",
      "input.pair.2: is not allowed",
    ]);
  });

  it("cuts a $ref cycle that consumes no input instead of overflowing the stack", () => {
    expect(checkToolInput({ $ref: "#" }, 1)).toEqual([]);
    expect(checkToolInput({ type: "string", anyOf: [{ $ref: "#" }, { $ref: "#" }] }, 1)).toEqual([
      "input: must be of type string",
      "input: must match at least one schema in anyOf",
    ]);
  });
});

describe("repairToolInput", () => {
  it("removes optional properties the model set to null, keeps nulls the schema names", () => {
    const schema = {
      type: "object",
      properties: { a: { type: "string" }, b: { type: ["string", "null"] }, c: { anyOf: [{ type: "integer" }, { type: "null" }] }, d: {} },
      required: ["a"],
    };
    expect(repairToolInput(schema, { a: "x", b: null, c: null, d: null })).toEqual({ a: "x", b: null, c: null });
    expect(repairToolInput(read, { file_path: "/a", offset: null, limit: null, pages: null })).toEqual({ file_path: "/a" });
  });

  it("clamps numbers into Claude Code's bounds and rounds integers", () => {
    expect(repairToolInput(read, { file_path: "/a", offset: -5, limit: 0 })).toEqual({ file_path: "/a", offset: 0, limit: 1 });
    expect(repairToolInput(read, { file_path: "/a", offset: 2.6, limit: 2 ** 60 })).toEqual({ file_path: "/a", offset: 3, limit: maxSafe });
    expect(repairToolInput(taskOutput, { task_id: "t", block: true, timeout: 1e9 })).toEqual({ task_id: "t", block: true, timeout: 600000 });
    // JSON.parse("1e999") is Infinity, which would go out as null.
    expect(repairToolInput(taskOutput, { task_id: "t", block: true, timeout: Infinity })).toEqual({ task_id: "t", block: true, timeout: 600000 });
    expect(repairToolInput(taskOutput, { task_id: "t", block: true, timeout: -Infinity })).toEqual({ task_id: "t", block: true, timeout: 0 });
  });

  it("steps just inside exclusive bounds and onto multipleOf", () => {
    expect(repairToolInput({ type: "number", exclusiveMinimum: 0 }, -3)).toBe(1);
    expect(repairToolInput({ type: "number", exclusiveMinimum: 0, exclusiveMaximum: 0.5 }, 7)).toBe(0.25);
    expect(repairToolInput({ type: "integer", exclusiveMinimum: 1.5, exclusiveMaximum: 4 }, 9)).toBe(3);
    expect(repairToolInput({ type: "integer", minimum: 0, exclusiveMinimum: true }, 0)).toBe(1);
    expect(repairToolInput({ type: "integer", minimum: 0, maximum: 100, multipleOf: 5 }, 99)).toBe(100);
    expect(repairToolInput({ type: "integer", minimum: 3, maximum: 1 }, 7)).toBe(7); // unsatisfiable: left alone
  });

  it("cuts strings to maxLength at a code point boundary, counting UTF-16 units too", () => {
    expect(repairToolInput({ type: "string", maxLength: 5 }, "😀😀😀")).toBe("😀😀");
    expect(repairToolInput({ type: "string", maxLength: 3 }, "abcdef")).toBe("abc");
    expect(repairToolInput({ type: "string", maxLength: 3 }, "ab")).toBe("ab");
  });

  it("repairs inside arrays, $refs and the matching anyOf alternative, and drops forbidden keys", () => {
    expect(repairToolInput(reportFindings, { findings: [{ file: "a", line: 2 ** 60, verdict: null, extra: 1 }] })).toEqual({
      findings: [{ file: "a", line: maxSafe }],
    });
    const schema = {
      $defs: { limit: { type: "integer", minimum: 1, maximum: 10 } },
      type: "object",
      properties: {
        limit: { $ref: "#/$defs/limit" },
        either: { anyOf: [{ type: "string", maxLength: 2 }, { type: "integer", minimum: 5 }] },
        list: { type: "array", maxItems: 2, items: { $ref: "#/$defs/limit" } },
      },
      required: ["limit", "either", "list"],
    };
    expect(repairToolInput(schema, { limit: 50, either: 1, list: [0, 20, 5] })).toEqual({ limit: 10, either: 5, list: [1, 10] });
    expect(repairToolInput(schema, { limit: 5, either: "abc", list: [] })).toEqual({ limit: 5, either: "ab", list: [] });
  });

  it("keeps a property named __proto__ as a property", () => {
    const schema: unknown = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"integer","maximum":3}}}');
    const repaired = repairToolInput(schema, JSON.parse('{"__proto__":7}'));
    expect(Object.getPrototypeOf(repaired)).toBe(Object.prototype);
    expect(JSON.stringify(repaired)).toBe('{"__proto__":3}');
  });

  it("turns a call without arguments into {} and leaves the input untouched", () => {
    expect(repairToolInput({ type: "object", properties: {} }, undefined)).toEqual({});
    const input = { file_path: "/a", offset: -1, limit: null };
    repairToolInput(read, input);
    expect(input).toEqual({ file_path: "/a", offset: -1, limit: null });
  });

  it("makes anything the Read and TaskOutput grammars can generate valid (property test)", () => {
    // What the grammar from toGrammarSchema admits: every property present, optional ones possibly null, any number.
    const anyNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(Infinity, -Infinity, 0, -0));
    const readInputs = fc.record({
      file_path: fc.string(),
      offset: fc.option(anyNumber, { nil: null }),
      limit: fc.option(anyNumber, { nil: null }),
      pages: fc.option(fc.string(), { nil: null }),
    });
    const taskOutputInputs = fc.record({ task_id: fc.string(), block: fc.boolean(), timeout: anyNumber });
    fc.assert(
      fc.property(readInputs, taskOutputInputs, (readInput, taskOutputInput) => {
        const validNumbers = (value: unknown): boolean => !Number.isNaN(value);
        fc.pre(Object.values(readInput).every(validNumbers) && validNumbers(taskOutputInput.timeout));
        expect(checkToolInput(read, repairToolInput(read, readInput))).toEqual([]);
        expect(checkToolInput(taskOutput, repairToolInput(taskOutput, taskOutputInput))).toEqual([]);
      }),
    );
  });
});
