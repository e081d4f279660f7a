import { describe, expect, it } from "vitest";
import { describeBinaries } from "../../../src/engine/llama/describe-binaries.js";

describe("describeBinaries", () => {
  it("names a local build, and says how to get one where the prebuilt binaries run on the CPU", () => {
    expect(describeBinaries({ buildType: "localBuild", gpu: false })).toBe("built on this machine");
    expect(describeBinaries({ buildType: "localBuild", gpu: "cuda" })).toBe("built on this machine");
    expect(describeBinaries({ buildType: "prebuilt", gpu: false })).toBe("prebuilt (npm run build:engine builds a faster one for this CPU)");
    expect(describeBinaries({ buildType: "prebuilt", gpu: "cuda" })).toBe("prebuilt");
  });
});
