import { describe, expect, it } from "vitest";
import { formatValidationErrors, type ValidationIssue } from "../../../src/api/wire/format-validation-errors.js";

/** Every keyword's sentence, in the real API's words; see format-validation-errors.test.ts for paths and unions. */
const format = (issue: ValidationIssue) => formatValidationErrors([issue]);

describe("formatValidationErrors: one sentence per keyword", () => {
  it.each([
    ["integer", "a valid integer"],
    ["number", "a valid number"],
    ["string", "a valid string"],
    ["boolean", "a valid boolean"],
    ["array", "a valid list"],
    ["object", "a valid dictionary"],
    ["null", "null"],
  ])("type %s: Input should be %s", (type, words) => {
    expect(format({ keyword: "type", instancePath: "/x", params: { type } })).toBe(`x: Input should be ${words}`);
  });

  it("describes lengths and item counts", () => {
    expect(format({ keyword: "minLength", instancePath: "/model", params: { limit: 1 } })).toBe("model: String should have at least 1 character(s)");
    expect(format({ keyword: "maxLength", instancePath: "/model", params: { limit: 9 } })).toBe("model: String should have at most 9 character(s)");
    expect(format({ keyword: "minItems", instancePath: "/messages", params: { limit: 1 } })).toBe("messages: List should have at least 1 item(s)");
    expect(format({ keyword: "maxItems", instancePath: "/stop_sequences", params: { limit: 4 } })).toBe(
      "stop_sequences: List should have at most 4 item(s)",
    );
  });

  it("describes a pattern as the real API does", () => {
    expect(format({ keyword: "pattern", instancePath: "/tools/0/name", params: { pattern: "^[a-z]{1,2}$" } })).toBe("tools.0.name: String should match pattern '^[a-z]{1,2}$'");
  });

  it("describes a constant, a one-value enum and an enum without values", () => {
    expect(format({ keyword: "const", instancePath: "/type", params: { allowedValue: "text" } })).toBe("type: Input should be 'text'");
    expect(format({ keyword: "enum", instancePath: "/role", params: { allowedValues: ["user"] } })).toBe("role: Input should be 'user'");
    expect(format({ keyword: "enum", instancePath: "/role", params: {} })).toBe("role: Input should be ");
  });

  it("merges a union's constants, three of them with commas", () => {
    const constants = ["user", "assistant", "system"].map(
      (allowedValue): ValidationIssue => ({ keyword: "const", instancePath: "/messages/0/role", params: { allowedValue } }),
    );
    expect(formatValidationErrors(constants)).toBe("messages.0.role: Input should be 'user', 'assistant' or 'system'");
  });

  it("falls back to Ajv's message, or a generic one, for other keywords", () => {
    expect(format({ keyword: "uniqueItems", instancePath: "/id", params: {}, message: "must NOT have duplicate items" })).toBe("id: must NOT have duplicate items");
    expect(format({ keyword: "format", instancePath: "/id", params: {} })).toBe("id: Invalid value");
  });

  it("names the body itself when the problem is at the top", () => {
    expect(format({ keyword: "type", instancePath: "", params: { type: "object" } })).toBe("body: Input should be a valid dictionary");
  });

  it("reports the union itself when nothing more specific was found", () => {
    expect(formatValidationErrors([{ keyword: "anyOf", instancePath: "/tool_choice", params: {}, message: "must match a schema in anyOf" }])).toBe(
      "tool_choice: must match a schema in anyOf",
    );
  });

  it("picks the deepest field among several problems", () => {
    expect(
      formatValidationErrors([
        { keyword: "required", instancePath: "", params: { missingProperty: "model" } },
        { keyword: "type", instancePath: "/messages/0/content/1/text", params: { type: "string" } },
      ]),
    ).toBe("messages.0.content.1.text: Input should be a valid string");
  });
});
