import { describe, expect, it } from "vitest";
import { memoryRelaunchEnvironment } from "../../../src/cli/memory-relaunch-plan.js";

const start = ["node", "pensieve", "start", "--port", "0"];

describe("memoryRelaunchEnvironment", () => {
  it("relaunches `start` on glibc with both allocator settings and the marker", () => {
    expect(memoryRelaunchEnvironment({ argv: start, environment: {}, usesGlibc: () => true })).toEqual({
      MALLOC_ARENA_MAX: "1",
      MALLOC_TRIM_THRESHOLD_: "131072",
      PENSIEVE_MALLOC_SET: "1",
    });
  });

  it("keeps a setting the operator chose and adds only the other", () => {
    expect(memoryRelaunchEnvironment({ argv: start, environment: { MALLOC_ARENA_MAX: "4" }, usesGlibc: () => true })).toEqual({
      MALLOC_TRIM_THRESHOLD_: "131072",
      PENSIEVE_MALLOC_SET: "1",
    });
  });

  it.each([
    ["both settings already chosen", start, { MALLOC_ARENA_MAX: "4", MALLOC_TRIM_THRESHOLD_: "0" }, true],
    ["an already relaunched server", start, { PENSIEVE_MALLOC_SET: "1" }, true],
    ["another allocator than glibc", start, {}, false],
    ["another command", ["node", "pensieve", "pull", "qwen2.5-0.5b"], {}, true],
    ["no command", ["node", "pensieve"], {}, true],
  ])("does not relaunch for %s", (_, argv, environment, glibc) => {
    expect(memoryRelaunchEnvironment({ argv, environment, usesGlibc: () => glibc })).toBeUndefined();
  });
});
