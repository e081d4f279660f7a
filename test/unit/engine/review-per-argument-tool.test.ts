import { describe, expect, it } from "vitest";
import { toPerArgumentTool } from "../../../src/engine/per-argument-calls/per-argument-tool.js";

describe("toPerArgumentTool (review of #14)", () => {
  it("requires a key listed twice in `required` once: the any-order grammar would demand it twice", () => {
    const tool = toPerArgumentTool("T", { type: "object", properties: { a: { type: "string" } }, additionalProperties: false } as never, ["a", "a"]);
    expect(tool.required).toEqual(["a"]);
  });
});
