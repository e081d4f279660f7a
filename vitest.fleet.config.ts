import { defineConfig } from "vitest/config";

/**
 * `npm run test:fleet`: the upstream engine against real llama-server replicas (built from node-llama-cpp's
 * llama.cpp bundle, cached outside the repository) and Claude Code through the fleet. Not part of `npm test`:
 * the first run builds llama-server (10+ minutes on two cores).
 */
export default defineConfig({
  test: {
    include: ["test/fleet/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 1_800_000,
    pool: "forks",
    fileParallelism: false,
  },
});
