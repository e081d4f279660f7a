/**
 * Unit files that replace a module with `vi.mock`. The other unit files share one module graph
 * (`vitest.config.ts`), where the real module may already be loaded, so these run isolated.
 */
export const mockingUnitFiles: readonly string[] = ["test/unit/security/api-key-check.test.ts", "test/unit/engine/llama-engine.test.ts"];
