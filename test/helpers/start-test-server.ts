import Anthropic from "@anthropic-ai/sdk";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import { createApp } from "../../src/api/create-app.js";
import type { SecurityOptions } from "../../src/api/security/security-options.js";
import { LlamaEngine } from "../../src/engine/llama/llama-engine.js";
import type { LlamaEngineOptions } from "../../src/engine/llama/llama-engine-options.js";

export interface TestServer {
  readonly baseUrl: string;
  readonly client: Anthropic;
  readonly engine: LlamaEngine;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** The real server (real engine, real socket) on a free loopback port, with an SDK client pointed at it. */
export async function startTestServer(
  modelPath: string,
  options: Partial<Omit<LlamaEngineOptions, "modelPath">> & { pingIntervalMs?: number; logger?: FastifyBaseLogger; security?: SecurityOptions } = {},
): Promise<TestServer> {
  const { pingIntervalMs, logger, security, ...engineOptions } = options;
  // One thread: Vitest runs two test files at once on this 2-core machine, and llama.cpp threads that must
  // meet at a barrier every token stall badly when another process holds the other core.
  // A fixed seed: random-weight models write noise, and with a seed per request a rare draw (an end of turn
  // as the very first token) would fail a test now and then.
  const engine = LlamaEngine.start({ threads: 1, gpu: false, contextSize: 2048, seed: 1, ...engineOptions, modelPath });
  const status = await engine.whenSettled();
  if (status.state !== "ready") throw new Error(`test model did not load: ${JSON.stringify(status)}`);
  const app = createApp({
    engine,
    ...(pingIntervalMs !== undefined ? { pingIntervalMs } : {}),
    ...(logger !== undefined ? { logger } : {}),
    ...(security !== undefined ? { security } : {}),
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (typeof address !== "object" || address === null) throw new Error("server has no address");
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const client = new Anthropic({ baseURL: baseUrl, apiKey: security?.apiKey ?? "test-key", maxRetries: 0, timeout: 60_000 });
  return {
    baseUrl,
    client,
    engine,
    app,
    close: async () => {
      // Keep-alive sockets left by aborted client streams would hold close() up to the keep-alive timeout.
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
      await engine.dispose();
    },
  };
}
