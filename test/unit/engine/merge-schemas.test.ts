import { describe, expect, it } from "vitest";
import { mergeSchemas } from "../../../src/engine/tool-schema/merge-schemas.js";

describe("mergeSchemas", () => {
  it("takes every keyword only one side has, and keeps the first side's other keywords", () => {
    expect(mergeSchemas({ description: "here", title: "A" }, { description: "there", minimum: 1 })).toEqual({
      description: "here",
      title: "A",
      minimum: 1,
    });
  });

  it("treats a keyword set to undefined on the first side as absent", () => {
    expect(mergeSchemas({ minimum: undefined }, { minimum: 3 })).toEqual({ minimum: 3 });
  });

  it("joins property maps, merging a property both sides define through allOf", () => {
    expect(
      mergeSchemas(
        { properties: { a: { type: "string" }, b: { type: "number" } } },
        { properties: { b: { minimum: 0 }, c: { type: "boolean" } } },
      ),
    ).toEqual({ properties: { a: { type: "string" }, b: { allOf: [{ type: "number" }, { minimum: 0 }] }, c: { type: "boolean" } } });
  });

  it("keeps a valid property map when the other side's is not an object", () => {
    expect(mergeSchemas({ properties: { a: {} } }, { properties: ["nonsense"] })).toEqual({ properties: { a: {} } });
    expect(mergeSchemas({ properties: "nonsense" }, { properties: { b: {} } })).toEqual({ properties: { b: {} } });
  });

  it("joins required lists without duplicates, single values included", () => {
    expect(mergeSchemas({ required: ["a", "b"] }, { required: ["b", "c"] })).toEqual({ required: ["a", "b", "c"] });
    expect(mergeSchemas({ required: "a" }, { required: ["a"] })).toEqual({ required: ["a"] });
  });

  it("takes the tighter bound of each kind, and leaves non-numeric bounds to the first side", () => {
    expect(
      mergeSchemas(
        { minimum: 1, maximum: 10, minLength: 2, maxItems: 5, exclusiveMinimum: 0, maxProperties: 9 },
        { minimum: 3, maximum: 20, minLength: 1, maxItems: 3, exclusiveMinimum: 1, maxProperties: 4 },
      ),
    ).toEqual({ minimum: 3, maximum: 10, minLength: 2, maxItems: 3, exclusiveMinimum: 1, maxProperties: 4 });
    expect(mergeSchemas({ minimum: "1" }, { minimum: 3 })).toEqual({ minimum: "1" });
    expect(mergeSchemas({ maximum: 3 }, { maximum: "1" })).toEqual({ maximum: 3 });
    expect(mergeSchemas({ pattern: "^a" }, { pattern: "^b" })).toEqual({ pattern: "^a" });
  });

  it("intersects types, integer counting as a number", () => {
    expect(mergeSchemas({ type: ["string", "null"] }, { type: "string" })).toEqual({ type: "string" });
    expect(mergeSchemas({ type: "number" }, { type: "integer" })).toEqual({ type: "integer" });
    expect(mergeSchemas({ type: "integer" }, { type: ["number", "string"] })).toEqual({ type: "integer" });
    expect(mergeSchemas({ type: ["string", "number", "null"] }, { type: ["null", "string"] })).toEqual({ type: ["string", "null"] });
    // Both of the first side's types meet "integer": the result may be "integer" or ["integer"], which mean the same.
    expect([mergeSchemas({ type: ["integer", "number"] }, { type: "integer" })["type"]].flat()).toEqual(["integer"]);
  });

  it("keeps the first type when the intersection is empty, rather than a schema nothing satisfies", () => {
    expect(mergeSchemas({ type: "string" }, { type: "boolean" })).toEqual({ type: "string" });
    expect(mergeSchemas({ type: "string" }, { type: 5 })).toEqual({ type: "string" });
  });

  it("intersects enums by JSON value, keeping the first when nothing is common", () => {
    expect(mergeSchemas({ enum: ["a", { b: 1 }, 3] }, { enum: [{ b: 1 }, 3, "z"] })).toEqual({ enum: [{ b: 1 }, 3] });
    expect(mergeSchemas({ enum: ["a"] }, { enum: ["b"] })).toEqual({ enum: ["a"] });
  });

  it("merges additionalProperties: false wins, true and {} give way, two schemas go through allOf", () => {
    expect(mergeSchemas({ additionalProperties: true }, { additionalProperties: false })).toEqual({ additionalProperties: false });
    expect(mergeSchemas({ additionalProperties: false }, { additionalProperties: { type: "string" } })).toEqual({ additionalProperties: false });
    expect(mergeSchemas({ additionalProperties: true }, { additionalProperties: { type: "string" } })).toEqual({
      additionalProperties: { type: "string" },
    });
    expect(mergeSchemas({ additionalProperties: {} }, { additionalProperties: { type: "string" } })).toEqual({
      additionalProperties: { type: "string" },
    });
    expect(mergeSchemas({ additionalProperties: { type: "string" } }, { additionalProperties: true })).toEqual({
      additionalProperties: { type: "string" },
    });
    expect(mergeSchemas({ additionalProperties: { type: "string" } }, { additionalProperties: {} })).toEqual({
      additionalProperties: { type: "string" },
    });
    expect(mergeSchemas({ additionalProperties: { type: "string" } }, { additionalProperties: { maxLength: 3 } })).toEqual({
      additionalProperties: { allOf: [{ type: "string" }, { maxLength: 3 }] },
    });
  });

  it("defers what cannot be joined in place into allOf, after any allOf either side had", () => {
    expect(mergeSchemas({ $ref: "#/$defs/a", anyOf: [{ type: "string" }] }, { $ref: "#/$defs/b", anyOf: [{ type: "number" }] })).toEqual({
      $ref: "#/$defs/a",
      anyOf: [{ type: "string" }],
      allOf: [{ $ref: "#/$defs/b" }, { anyOf: [{ type: "number" }] }],
    });
    expect(mergeSchemas({ allOf: [{ minimum: 1 }], items: { type: "string" } }, { allOf: [{ maximum: 2 }], items: { type: "number" } })).toEqual({
      allOf: [{ minimum: 1 }, { maximum: 2 }, { items: { type: "number" } }],
      items: { type: "string" },
    });
  });

  it("does not defer a keyword whose value is the very same object on both sides", () => {
    const shared = [{ type: "string" }];
    expect(mergeSchemas({ oneOf: shared }, { oneOf: shared })).toEqual({ oneOf: shared });
  });

  it("does not let a __proto__ key change the result's prototype", () => {
    const hostile = JSON.parse('{"properties": {"__proto__": {"type": "string"}}, "__proto__": {"polluted": true}}') as Record<string, unknown>;
    const merged = mergeSchemas({ properties: { a: {} } }, hostile);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect((merged as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(merged["properties"] as object)).toEqual(["a", "__proto__"]);
  });
});
