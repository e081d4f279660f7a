/**
 * The Vitest settings of every run that starts real models: `vitest.config.ts` and the engine's mutation run
 * (`vitest.mutation-engine.config.ts`). Generous timeouts: loading and generating on 2 cores takes seconds.
 */
export const realEngineTestSettings: { globalSetup: string[]; testTimeout: number; hookTimeout: number; pool: "forks" } = {
  globalSetup: ["test/global-setup.ts"],
  testTimeout: 60_000,
  hookTimeout: 180_000,
  pool: "forks",
};
