import { defineConfig } from "vitest/config";
import { realEngineTestSettings } from "./test/real-engine-test-settings.js";

/**
 * Stryker's tests for the engine files that only a real model exercises (`npm run test:mutation:engine`): the
 * engine-level files that run the tiny generated model without HTTP, a few seconds in all, since each mutant reruns
 * the tests that cover it.
 */
export default defineConfig({
  test: {
    ...realEngineTestSettings,
    include: ["test/integration/engine-generation.test.ts", "test/integration/engine-live-state.test.ts"],
  },
});
