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

  it.each([
    [{ additionalProperties: { type: "string", pattern: "x" } }, `${field}.additionalProperties.pattern`],
    [{ type: "array", items: { type: "string", pattern: "x" } }, `${field}.items.pattern`],
    [{ type: "array", items: [{ type: "string" }, { type: "string", pattern: "x" }] }, `${field}.items.1.pattern`],
    [{ type: "array", additionalItems: { type: "string", pattern: "x" } }, `${field}.additionalItems.pattern`],
    [{ type: "array", prefixItems: [{ type: "string", pattern: "x" }] }, `${field}.prefixItems.0.pattern`],
    [{ oneOf: [{ type: "string" }, { type: "string", pattern: "x" }] }, `${field}.oneOf.1.pattern`],
    [{ allOf: [{ type: "string", pattern: "x" }] }, `${field}.allOf.0.pattern`],
    [{ anyOf: [{ type: "string", pattern: "x" }] }, `${field}.anyOf.0.pattern`],
  ])("looks inside every place a subschema can stand (%#)", (schema, where) => {
    expect(constrainedSchemaProblem(schema, field)).toBe(`${where}: not supported for structured outputs and strict tools on this server`);
  });

  it("checks a schema's own keywords beside its $ref", () => {
    const schema = { properties: { a: { $ref: "#/$defs/text", pattern: "x" } }, $defs: { text: { type: "string" } } };
    expect(constrainedSchemaProblem(schema, field)).toBe(`${field}.properties.a.pattern: not supported for structured outputs and strict tools on this server`);
  });

  it("refuses unevaluatedItems and minLength as it does their siblings", () => {
    expect(constrainedSchemaProblem({ type: "array", unevaluatedItems: {} }, field)).toBe(`${field}.unevaluatedItems: only false is supported`);
    expect(constrainedSchemaProblem({ type: "array", unevaluatedItems: false }, field)).toBeNull();
    expect(constrainedSchemaProblem({ type: "string", minLength: 257 }, field)).toBe(`${field}.minLength: at most 256 is supported`);
  });

  it("accepts exactly the largest minimum, depth and size it supports", () => {
    expect(constrainedSchemaProblem({ type: "string", minLength: 256 }, field)).toBeNull();
    expect(constrainedSchemaProblem({ type: "array", minItems: 256 }, field)).toBeNull();
    const nested = (levels: number) => {
      let schema: Record<string, unknown> = { type: "string" };
      for (let level = 0; level < levels; level++) schema = { type: "array", items: schema };
      return schema;
    };
    expect(constrainedSchemaProblem(nested(64), field)).toBeNull();
    expect(constrainedSchemaProblem(nested(65), field)).toMatch(/schema nesting exceeds 64 levels$/);
    // The object itself and its properties: 10,000 subschemas in all, then one more.
    const withProperties = (count: number) => ({ type: "object", properties: Object.fromEntries(Array.from({ length: count }, (_, index) => [`p${index}`, { type: "string" }])) });
    expect(constrainedSchemaProblem(withProperties(9_999), field)).toBeNull();
    expect(constrainedSchemaProblem(withProperties(10_000), field)).toMatch(/schema is too large \(more than 10000 subschemas after expanding \$ref\)$/);
  });

  it("counts a chain of $refs as nesting", () => {
    const definitions = Object.fromEntries(Array.from({ length: 70 }, (_, index) => [`d${index}`, { $ref: `#/$defs/d${index + 1}` }]));
    const schema = { $ref: "#/$defs/d0", $defs: { ...definitions, d70: { type: "string" } } };
    expect(constrainedSchemaProblem(schema, field)).toMatch(/schema nesting exceeds 64 levels$/);
  });

  it("expands a large definition once however often it is used, so reuse does not count toward the size limit", () => {
    const big = { type: "object", properties: Object.fromEntries(Array.from({ length: 200 }, (_, index) => [`q${index}`, { type: "string" }])) };
    const uses = Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`p${index}`, { $ref: "#/$defs/big" }]));
    expect(constrainedSchemaProblem({ type: "object", properties: uses, $defs: { big } }, field)).toBeNull();
  });
});
