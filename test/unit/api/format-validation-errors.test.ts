import { describe, expect, it } from "vitest";
import { formatValidationErrors } from "../../../src/api/wire/format-validation-errors.js";

describe("formatValidationErrors", () => {
  it("names a missing top-level field", () => {
    expect(formatValidationErrors([{ keyword: "required", instancePath: "", params: { missingProperty: "max_tokens" } }])).toBe(
      "max_tokens: Field required",
    );
  });

  it("names a nested field with dotted indices", () => {
    expect(
      formatValidationErrors([
        { keyword: "enum", instancePath: "/messages/2/role", params: { allowedValues: ["user", "assistant"] } },
      ]),
    ).toBe("messages.2.role: Input should be 'user' or 'assistant'");
  });

  it("merges the type errors of a union into one sentence and drops the anyOf noise", () => {
    expect(
      formatValidationErrors([
        { keyword: "type", instancePath: "/messages/0/content", params: { type: "string" } },
        { keyword: "type", instancePath: "/messages/0/content", params: { type: "array" } },
        { keyword: "anyOf", instancePath: "/messages/0/content", params: {} },
      ]),
    ).toBe("messages.0.content: Input should be a valid string or a valid list");
  });

  it("describes numeric bounds", () => {
    expect(formatValidationErrors([{ keyword: "maximum", instancePath: "/temperature", params: { limit: 1 } }])).toBe(
      "temperature: Input should be less than or equal to 1",
    );
    expect(formatValidationErrors([{ keyword: "minimum", instancePath: "/max_tokens", params: { limit: 0 } }])).toBe(
      "max_tokens: Input should be greater than or equal to 0",
    );
  });
});
