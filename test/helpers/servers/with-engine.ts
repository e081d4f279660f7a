import type { EngineStatus } from "../../../src/engine/engine.js";
import { LlamaEngine } from "../../../src/engine/llama/llama-engine.js";
import type { LlamaEngineOptions } from "../../../src/engine/llama/llama-engine-options.js";

/**
 * A real engine and no HTTP, for tests of the engine itself: starts it, waits for its load, runs `use`, and
 * disposes the engine whatever happens.
 */
export async function withEngine<T>(options: LlamaEngineOptions, use: (engine: LlamaEngine, status: EngineStatus) => Promise<T>): Promise<T> {
  const engine = LlamaEngine.start(options);
  try {
    return await use(engine, await engine.whenSettled());
  } finally {
    await engine.dispose();
  }
}
