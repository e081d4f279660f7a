import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GlobPattern } from "../../../src/util/glob-pattern.js";

describe("GlobPattern", () => {
  it.each([
    ["claude-*haiku*", "claude-haiku-4-5-20251001", true],
    ["claude-*haiku*", "claude-3-5-haiku-latest", true],
    ["claude-*haiku*", "claude-sonnet-4-5", false],
    ["claude-*", "CLAUDE-OPUS-4", true],
    ["claude-?-opus", "claude-3-opus", true],
    ["claude-?-opus", "claude-35-opus", false],
    ["gpt-4.1", "gpt-4x1", false],
    ["a+b(c)[d]{e}|f^$\\/", "a+b(c)[d]{e}|f^$\\/", true],
    ["*", "", true],
    ["exact", "exactly", false],
  ])("%s against %s: %s", (pattern, name, expected) => {
    expect(new GlobPattern(pattern).matches(name)).toBe(expected);
  });

  it("a pattern without wildcards matches exactly its own text, whatever characters it holds", () => {
    fc.assert(
      fc.property(fc.string().filter((text) => !text.includes("*") && !text.includes("?")), fc.string(), (text, other) => {
        const pattern = new GlobPattern(text);
        expect(pattern.matches(text)).toBe(true);
        if (other.toLowerCase() !== text.toLowerCase()) expect(pattern.matches(other)).toBe(false);
      }),
    );
  });
});
