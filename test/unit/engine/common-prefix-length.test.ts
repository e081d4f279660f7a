import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { commonPrefixLength } from "../../../src/engine/llama/common-prefix-length.js";

describe("commonPrefixLength", () => {
  it("counts the shared leading items, up to the shorter list and the limit", () => {
    expect(commonPrefixLength([1, 2, 3, 4], [1, 2, 9, 4])).toBe(2);
    expect(commonPrefixLength([1, 2], [1, 2, 3])).toBe(2);
    expect(commonPrefixLength([], [1])).toBe(0);
    expect(commonPrefixLength([1, 2, 3], [1, 2, 3], 2)).toBe(2);
    expect(commonPrefixLength([1, 2, 3], [1, 2, 3], 0)).toBe(0);
  });

  it("returns a length whose items match and after which they differ or a list (or the limit) ends", () => {
    const list = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 12 });
    fc.assert(
      fc.property(list, list, fc.option(fc.nat(14), { nil: undefined }), (a, b, limit) => {
        const shared = commonPrefixLength(a, b, limit);
        expect(a.slice(0, shared)).toEqual(b.slice(0, shared));
        const end = Math.min(limit ?? Infinity, a.length, b.length);
        expect(shared).toBeLessThanOrEqual(end);
        if (shared < end) expect(a[shared]).not.toBe(b[shared]);
      }),
    );
  });
});
