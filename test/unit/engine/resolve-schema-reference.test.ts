import { describe, expect, it } from "vitest";
import { resolveSchemaReference } from "../../../src/engine/tool-schema/resolve-schema-reference.js";

const root = {
  $defs: { node: { type: "object" }, "a/b": { type: "string" }, "c~d": { type: "number" }, "with space": { type: "null" } },
  definitions: { legacy: { type: "boolean" } },
  anyOf: [{ type: "integer" }, { type: "array" }],
};

describe("resolveSchemaReference", () => {
  it("resolves the root, $defs, definitions and array indices", () => {
    expect(resolveSchemaReference(root, "#")).toBe(root);
    expect(resolveSchemaReference(root, "#/")).toBe(root);
    expect(resolveSchemaReference(root, "#/$defs/node")).toEqual({ type: "object" });
    expect(resolveSchemaReference(root, "#/definitions/legacy")).toEqual({ type: "boolean" });
    expect(resolveSchemaReference(root, "#/anyOf/1")).toEqual({ type: "array" });
  });

  it("decodes ~1, ~0 and percent-encoding in pointer tokens", () => {
    expect(resolveSchemaReference(root, "#/$defs/a~1b")).toEqual({ type: "string" });
    expect(resolveSchemaReference(root, "#/$defs/c~0d")).toEqual({ type: "number" });
    expect(resolveSchemaReference(root, "#/$defs/with%20space")).toEqual({ type: "null" });
  });

  it("is undefined for references it does not follow or that point nowhere", () => {
    expect(resolveSchemaReference(root, "https://example.com/schema.json")).toBeUndefined();
    expect(resolveSchemaReference(root, "#anchor")).toBeUndefined();
    expect(resolveSchemaReference(root, "#/$defs/missing")).toBeUndefined();
    expect(resolveSchemaReference(root, "#/$defs/node/type/deeper")).toBeUndefined();
    expect(resolveSchemaReference(root, "#/anyOf/01")).toBeUndefined();
    expect(resolveSchemaReference(root, "#/anyOf/-")).toBeUndefined();
    expect(resolveSchemaReference(root, "#/$defs/%E0%A4%A")).toBeUndefined();
    expect(resolveSchemaReference(root, "#/$defs/toString")).toBeUndefined();
  });
});
