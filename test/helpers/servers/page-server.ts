import type { FastifyInstance } from "fastify";
import { createApp } from "../../../src/api/create-app.js";
import { LlamaEngine } from "../../../src/engine/llama/llama-engine.js";
import { RoutedEngine } from "../../../src/engine/routed-engine.js";
import { PerformanceMonitor } from "../../../src/util/performance-monitor.js";
import { recordAccessLog, type AccessLine } from "../access-log.js";
import { parsePrometheusText, sampleValue } from "../prometheus-text.js";
import { testModelPath } from "../test-models.js";

export interface PageServer {
  readonly baseUrl: string;
  readonly apiKey: string;
  /** The scripted model's id (the default) and the tiny random model's, which writes until stopped. */
  readonly scriptedModel: string;
  readonly tinyModel: string;
  /** Every access-log line so far, parsed. */
  readonly accessLog: readonly AccessLine[];
  readonly app: FastifyInstance;
  /** One `/metrics` value, summed over both models. */
  metric(name: string): Promise<number | undefined>;
  close(): Promise<void>;
}

/**
 * The real server for the browser tests: the scripted model by default and the tiny random one for requests
 * naming it (it writes noise until its sequence is freed), with an API key, the performance monitor and a log.
 */
export async function startPageServer(apiKey: string): Promise<PageServer> {
  const [scriptedPath, tinyPath] = [await testModelPath("scripted"), await testModelPath("tiny")];
  const engine = RoutedEngine.start({
    defaultModel: scriptedPath,
    aliases: [{ pattern: "tiny-*", model: tinyPath }],
    // One thread and a fixed seed, as in every test that runs inference (see start-test-server.ts). The tiny
    // model's context is long enough that it cannot write itself to the end before a slow test presses Stop.
    startEngine: (modelPath) =>
      LlamaEngine.start({ modelPath, threads: 1, gpu: false, contextSize: modelPath === tinyPath ? 32768 : 4096, parallel: 1, seed: 1 }),
  });
  const monitor = new PerformanceMonitor();
  monitor.start();
  const { logger, lines: accessLog } = recordAccessLog();
  const app = createApp({ engine, monitor, logger, security: { apiKey } });
  const close = async (): Promise<void> => {
    const closing = app.close();
    app.server.closeAllConnections();
    await closing;
    await engine.dispose();
    monitor.stop();
  };
  try {
    const status = await engine.whenSettled();
    if (status.state !== "ready") throw new Error(`test models did not load: ${JSON.stringify(status)}`);
    await app.listen({ host: "127.0.0.1", port: 0 });
  } catch (error) {
    await close();
    throw error;
  }
  const address = app.server.address();
  if (typeof address !== "object" || address === null) throw new Error("server has no address");
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const [scriptedModel, tinyModel] = engine.models().map((model) => model.id);
  if (scriptedModel === undefined || tinyModel === undefined) throw new Error("two models expected");
  return {
    baseUrl,
    apiKey,
    scriptedModel,
    tinyModel,
    accessLog,
    app,
    async metric(name) {
      const response = await fetch(`${baseUrl}/metrics`, { headers: { "x-api-key": apiKey } });
      return sampleValue(parsePrometheusText(await response.text()), name);
    },
    close,
  };
}
