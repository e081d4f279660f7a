import { describe, expect, it } from "vitest";
import { omittedThoughtOf, omittedThoughtSignature } from "../../../src/api/translate/omitted-thought.js";

describe("omitted thoughts", () => {
  it("carries the thought in its signature, byte for byte, and reads it back", () => {
    for (const thought of ["", "Plain words.", "Ünïcødé, 漢字 and 🙂 emoji\nnew lines too", "a".repeat(5_000)]) {
      const signature = omittedThoughtSignature(thought);
      expect(signature).toMatch(/^pensieve-thought\.[A-Za-z0-9_-]*$/);
      expect(omittedThoughtOf(signature)).toBe(thought);
    }
    expect(omittedThoughtSignature("é")).toBe("pensieve-thought.w6k");
  });

  it("reads nothing from any other signature", () => {
    for (const signature of [undefined, 42, "", "EqQBCkgIARABGAIiQL", "pensieve-thought", "pensieve-thought.a!b", "pensieve-thought.!ab", "pensieve-thought.ab!", "pensieve-thought.YQ=="]) {
      expect(omittedThoughtOf(signature)).toBeNull();
    }
  });
});
