import { describe, expect, it } from "vitest";
import { definedProperties } from "../../../src/util/defined-properties.js";

describe("definedProperties", () => {
  it("keeps every property whose value is not undefined, falsy ones included", () => {
    expect(definedProperties({ a: 1, b: undefined, c: null, d: 0, e: "", f: false })).toEqual({ a: 1, c: null, d: 0, e: "", f: false });
    expect(Object.keys(definedProperties({ a: undefined, b: 2 }))).toEqual(["b"]);
  });

  it("makes an empty object of no properties or only undefined ones", () => {
    expect(definedProperties({})).toEqual({});
    expect(Object.keys(definedProperties({ a: undefined }))).toEqual([]);
  });
});
