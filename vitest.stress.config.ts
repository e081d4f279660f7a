import { defineConfig } from "vitest/config";

/** `npm run test:stress`: slow memory and soak tests against spawned servers, one file at a time. */
export default defineConfig({
  test: {
    include: ["test/stress/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    pool: "forks",
    fileParallelism: false,
  },
});
