import Anthropic from "@anthropic-ai/sdk";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import { createApp } from "../../../src/api/create-app.js";
import type { SecurityOptions } from "../../../src/api/security/security-options.js";
import { LlamaEngine } from "../../../src/engine/llama/llama-engine.js";
import type { LlamaEngineOptions } from "../../../src/engine/llama/llama-engine-options.js";
import { listenOnLoopback } from "./listen-on-loopback.js";

export interface TestServer {
  readonly baseUrl: string;
  readonly client: Anthropic;
  readonly engine: LlamaEngine;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

export type TestServerOptions = Partial<Omit<LlamaEngineOptions, "modelPath">> & {
  readonly pingIntervalMs?: number;
  readonly logger?: FastifyBaseLogger;
  readonly security?: SecurityOptions;
  /** The SDK client's timeout per request. Defaults to `60_000` ms. */
  readonly clientTimeoutMs?: number;
};

/**
 * The real server in process (real engine, real socket) on a free loopback port, with an SDK client pointed at
 * it. Throws when the model does not load.
 */
export async function startTestServer(modelPath: string, options: TestServerOptions = {}): Promise<TestServer> {
  const { pingIntervalMs, logger, security, clientTimeoutMs, ...engineOptions } = options;
  // One thread: Vitest runs two test files at once on this 2-core machine, and llama.cpp threads that must
  // meet at a barrier every token stall badly when another process holds the other core.
  // A fixed seed: random-weight models write noise, and with a seed per request a rare draw (an end of turn
  // as the very first token) would fail a test now and then.
  const engine = LlamaEngine.start({ threads: 1, gpu: false, contextSize: 2048, seed: 1, ...engineOptions, modelPath });
  const status = await engine.whenSettled();
  if (status.state !== "ready") {
    await engine.dispose();
    throw new Error(`test model did not load: ${JSON.stringify(status)}`);
  }
  const app = createApp({
    engine,
    ...(pingIntervalMs !== undefined ? { pingIntervalMs } : {}),
    ...(logger !== undefined ? { logger } : {}),
    ...(security !== undefined ? { security } : {}),
  });
  const listening = await listenOnLoopback(app);
  const client = new Anthropic({ baseURL: listening.baseUrl, apiKey: security?.apiKey ?? "test-key", maxRetries: 0, timeout: clientTimeoutMs ?? 60_000 });
  return {
    baseUrl: listening.baseUrl,
    client,
    engine,
    app,
    close: async () => {
      await listening.close();
      await engine.dispose();
    },
  };
}
