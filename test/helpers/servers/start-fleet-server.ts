import Anthropic from "@anthropic-ai/sdk";
import { createApp } from "../../../src/api/create-app.js";
import { UpstreamEngine } from "../../../src/engine/upstream/upstream-engine.js";
import type { UpstreamDialect, UpstreamPoolOptions } from "../../../src/engine/upstream/upstream-options.js";
import { listenOnLoopback } from "./listen-on-loopback.js";

export interface FleetServer {
  readonly baseUrl: string;
  readonly client: Anthropic;
  readonly engine: UpstreamEngine;
  close(): Promise<void>;
}

export interface FleetServerOptions extends Partial<Omit<UpstreamPoolOptions, "endpoints">> {
  readonly dialect?: UpstreamDialect;
  readonly maxConcurrent?: number;
}

/**
 * The real server in process over an `UpstreamEngine` whose endpoints are `urls` (fake or real OpenAI-compatible
 * servers), on a free loopback port, with an SDK client. Waits for the first probe round; throws when no
 * endpoint serves the model.
 */
export async function startFleetServer(urls: readonly string[], options: FleetServerOptions = {}): Promise<FleetServer> {
  const { dialect, maxConcurrent, ...pool } = options;
  const engine = UpstreamEngine.start({
    affinity: "hash",
    probeIntervalMs: 100,
    ...pool,
    endpoints: urls.map((url) => ({ url, dialect: dialect ?? "vllm", maxConcurrent: maxConcurrent ?? 4 })),
  });
  const status = await engine.whenSettled();
  if (status.state !== "ready") {
    await engine.dispose();
    throw new Error(`fleet did not come up: ${JSON.stringify(status)}`);
  }
  const app = createApp({ engine });
  const listening = await listenOnLoopback(app);
  const client = new Anthropic({ baseURL: listening.baseUrl, apiKey: "test-key", maxRetries: 0, timeout: 30_000 });
  return {
    baseUrl: listening.baseUrl,
    client,
    engine,
    close: async () => {
      await listening.close();
      await engine.dispose();
    },
  };
}
