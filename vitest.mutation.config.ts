import { defineConfig } from "vitest/config";

/** Stryker runs only the unit tests of the layers it mutates: fast, and no native model per mutant. */
export default defineConfig({
  test: {
    include: ["test/unit/api/**/*.test.ts", "test/unit/http/**/*.test.ts", "test/unit/engine/**/*.test.ts", "test/unit/util/**/*.test.ts"],
    pool: "forks",
  },
});
