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

  it("leaves a union's own issue aside, wherever it stands, when a branch names something more specific", () => {
    for (const keyword of ["anyOf", "oneOf"]) {
      expect(
        formatValidationErrors([
          { keyword, instancePath: "/tool_choice", params: {}, message: `must match a schema in ${keyword}` },
          { keyword: "type", instancePath: "/tool_choice", params: { type: "object" } },
        ]),
      ).toBe("tool_choice: Input should be a valid dictionary");
    }
  });

  it("reports the first of several problems at the same depth", () => {
    expect(
      formatValidationErrors([
        { keyword: "required", instancePath: "/messages/0", params: { missingProperty: "role" } },
        { keyword: "required", instancePath: "/messages/1", params: { missingProperty: "role" } },
      ]),
    ).toBe("messages.0.role: Field required");
  });

  it("merges only the union's type errors at the reported field, not those of its neighbours", () => {
    expect(
      formatValidationErrors([
        { keyword: "type", instancePath: "/messages/0/content", params: { type: "string" } },
        { keyword: "type", instancePath: "/messages/1/content", params: { type: "array" } },
      ]),
    ).toBe("messages.0.content: Input should be a valid string");
    expect(
      formatValidationErrors([
        { keyword: "const", instancePath: "/messages/0/role", params: { allowedValue: "user" } },
        { keyword: "const", instancePath: "/messages/1/role", params: { allowedValue: "assistant" } },
      ]),
    ).toBe("messages.0.role: Input should be 'user'");
  });

  it("says a union of one constant and one type as the constant's branch said it", () => {
    expect(
      formatValidationErrors([
        { keyword: "const", instancePath: "/thinking/type", params: { allowedValue: "disabled" } },
        { keyword: "type", instancePath: "/thinking/type", params: { type: "null" } },
      ]),
    ).toBe("thinking.type: Input should be 'disabled'");
  });
});
