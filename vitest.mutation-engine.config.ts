import { defineConfig } from "vitest/config";
import { realEngineTestSettings } from "./test/real-engine-test-settings.js";

/**
 * Stryker's tests for the engine files that only a real model exercises (`npm run test:mutation:engine`): the
 * integration files that run the tiny generated model through the real engine, chosen to finish in about 30 s,
 * since each mutant reruns the files that cover it (about 30 s each: prefill.ts, 75 mutants, takes about 12 minutes).
 */
export default defineConfig({
  test: {
    ...realEngineTestSettings,
    include: [
      "test/integration/sdk-messages.test.ts",
      "test/integration/structured-outputs.test.ts",
      "test/integration/thinking.test.ts",
      "test/integration/prompt-reuse.test.ts",
      "test/integration/scheduling.test.ts",
      "test/integration/prompt-cache.test.ts",
      "test/integration/engine-live-state.test.ts",
    ],
  },
});
