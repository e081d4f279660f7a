import { describe, expect, it } from "vitest";
import { constrainedSchemaProblem } from "../../../src/api/translate/constrained-schema-problem.js";

const field = "output_config.format.schema";

describe("constrainedSchemaProblem", () => {
  it("accepts Anthropic's documented subset: types, enum, const, anyOf, allOf, local $ref/$defs, required, bounds, date formats", () => {
    const schema = {
      type: "object",
      properties: {
        kind: { enum: ["a", "b"] },
        fixed: { const: 1 },
        count: { type: "integer", minimum: 0, maximum: 9 },
        when: { type: "string", format: "date-time" },
        name: { type: "string", minLength: 1, maxLength: 40 },
        tags: { type: "array", items: { $ref: "#/$defs/tag" }, minItems: 1, maxItems: 500 },
        owner: { anyOf: [{ $ref: "#/$defs/person" }, { type: "null" }] },
        both: { allOf: [{ $ref: "#/$defs/person" }, { type: "object" }] },
        pair: { type: "array", prefixItems: [{ type: "string" }, { type: "number" }], items: false },
      },
      required: ["kind"],
      additionalProperties: false,
      unevaluatedProperties: false,
      $defs: { tag: { type: "string" }, person: { type: "object", properties: { id: { type: "integer" } }, additionalProperties: false } },
    };
    expect(constrainedSchemaProblem(schema, field)).toBeNull();
    expect(constrainedSchemaProblem(true, field)).toBeNull();
  });

  it.each([
    [{ properties: { a: { $ref: "#" } } }, `${field}.properties.a.properties.a.$ref: recursive schemas are not supported ('#' refers back to itself)`],
    [{ properties: { a: { $ref: "https://example.com/s.json" } } }, `${field}.properties.a.$ref: only local references ('#/$defs/…') are supported, not 'https://example.com/s.json'`],
    [{ properties: { a: { $ref: "#/$defs/missing" } } }, `${field}.properties.a.$ref: '#/$defs/missing' does not resolve`],
    [{ properties: { a: { type: "string", pattern: "^x" } } }, `${field}.properties.a.pattern: not supported for structured outputs and strict tools on this server`],
    [{ properties: { a: { not: { type: "null" } } } }, `${field}.properties.a.not: not supported for structured outputs and strict tools on this server`],
    [{ properties: { a: { type: "array", uniqueItems: true } } }, `${field}.properties.a.uniqueItems: not supported for structured outputs and strict tools on this server`],
    [{ unevaluatedProperties: { type: "string" } }, `${field}.unevaluatedProperties: only false is supported`],
    [{ properties: { a: { type: "string", format: "uuid" } } }, `${field}.properties.a.format: 'uuid' cannot be enforced by this server (supported: date, time, date-time)`],
    [{ properties: { a: { type: "array", minItems: 300 } } }, `${field}.properties.a.minItems: at most 256 is supported`],
    [{ anyOf: [{ type: "object" }, { properties: { b: { if: {} } } }] }, `${field}.anyOf.1.properties.b.if: not supported for structured outputs and strict tools on this server`],
  ])("refuses what cannot be guaranteed, naming where (%#)", (schema, message) => {
    expect(constrainedSchemaProblem({ type: "object", ...schema }, field)).toBe(message);
  });

  it("checks a definition used many times once, and refuses schemas too deep or too large", () => {
    const shared = { type: "object", properties: Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`p${index}`, { $ref: "#/$defs/leaf" }])), $defs: { leaf: { type: "string" } } };
    expect(constrainedSchemaProblem(shared, field)).toBeNull();
    let deep: Record<string, unknown> = { type: "string" };
    for (let level = 0; level < 70; level++) deep = { type: "array", items: deep };
    expect(constrainedSchemaProblem(deep, field)).toMatch(/schema nesting exceeds 64 levels$/);
    const wide = { type: "object", properties: Object.fromEntries(Array.from({ length: 10_001 }, (_, index) => [`p${index}`, { type: "string" }])) };
    expect(constrainedSchemaProblem(wide, field)).toMatch(/schema is too large/);
  });
});
