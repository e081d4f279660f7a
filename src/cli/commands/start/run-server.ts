import path from "node:path";
import pino from "pino";
import { createApp } from "../../../api/create-app.js";
import { LlamaRuntimePool } from "../../../engine/llama/llama-runtime-pool.js";
import { LlamaEngine } from "../../../engine/llama/llama-engine.js";
import { RoutedEngine } from "../../../engine/routed-engine.js";
import { UpstreamEngine } from "../../../engine/upstream/upstream-engine.js";
import { PerformanceMonitor } from "../../../util/performance-monitor.js";
import { chooseModel } from "../../choose-model.js";
import { collectLoadingGarbage } from "../../collect-loading-garbage.js";
import { ConfigError, readPensieveConfig } from "../../pensieve-config.js";
import type { UpstreamPoolConfig } from "../../upstream-pool-config.js";
import { describeListenFailure } from "./listen-error.js";
import { memoryLimitForLoad } from "./memory-limit.js";
import type { ServerConfig } from "./server-config.js";
import type { ServerIo } from "./server-io.js";
import { planServing } from "./serving-plan.js";
import { startBanner } from "./start-banner.js";
import { stopOnSignals } from "./stop-on-signals.js";

export interface RunningServer {
  /** The URL clients use, with the port actually bound (`--port 0` takes a free one). */
  readonly baseUrl: string;
  /**
   * Stops as the first SIGTERM does, without exiting: running requests may finish within the grace, then the
   * models are disposed. Calling it again, or after a signal, waits for the same stop.
   */
  stop(): Promise<void>;
}

/**
 * `pensieve start` once its settings are known: reads the config file, picks (and pulls) the models, listens,
 * waits for the models to settle, prints the banner and stops on SIGINT/SIGTERM (`stopOnSignals`). A model
 * that fails to load leaves the server listening, answering /health with 503. Throws `ConfigError` for a
 * config file it cannot use and `ListenError` for an address it cannot listen on.
 */
export async function runServer(config: ServerConfig, io: ServerIo): Promise<RunningServer> {
  const logger = pino({ level: config.logLevel }, io.logs);
  const fileConfig = await readPensieveConfig(config.configFile, config.home);
  const pools: UpstreamPoolConfig[] = [
    ...(config.upstreams.length > 0 ? [{ aliases: [], endpoints: config.upstreams, affinity: "hash" as const }] : []),
    ...(fileConfig.pools ?? []),
  ];
  const localSpec = config.model ?? fileConfig.model;
  // With upstream pools and no local model asked for, nothing is pulled: the first pool is the default.
  const servesLocal = config.demo || localSpec !== undefined || pools.length === 0;
  if (!servesLocal && fileConfig.aliases.length > 0) throw new ConfigError(`"aliases" to local models need a local default model (--model or "model")`);
  const chosen = servesLocal
    ? await chooseModel({ model: localSpec, demo: config.demo, aliases: fileConfig.aliases, home: config.home, pull: config.pull, stderr: io.stderr })
    : { modelPath: null, demo: false, notice: null, aliases: [] };
  const { modelPath, demo, notice } = chosen;
  if (notice !== null) io.stderr.write(`\n${notice}\n\n`);
  const plan = planServing(modelPath, chosen.aliases, pools);
  const aliases = plan.aliases;

  // One engine per distinct model, loaded one after another: each load's memory check sees the ones before.
  const rssBeforeModels = process.memoryUsage().rss;
  // One llama.cpp runtime for every model served, so their contexts share the cores.
  const runtimePool = new LlamaRuntimePool();
  const engine = RoutedEngine.start({
    defaultModel: plan.defaultModel,
    aliases,
    startEngine: (model: string) => {
      const pool = plan.pools.get(model);
      if (pool !== undefined) {
        return UpstreamEngine.start({
          ...pool,
          maxQueue: config.engine.maxQueue ?? 16,
          maxQueueWaitMs: config.engine.maxQueueWaitMs ?? 600_000,
          log: (level, message) => logger[level]({ component: "upstream", model: pool.model ?? model }, message),
        });
      }
      return LlamaEngine.start({
        ...config.engine,
        runtimePool,
        modelPath: model,
        ...memoryLimitForLoad(config.memoryLimit, process.memoryUsage().rss - rssBeforeModels),
        // The demo model's cache is tiny, so it gets a context that holds a whole Claude Code request.
        ...(config.engine.contextSize === undefined && demo && model === modelPath ? { contextSize: 65536 } : {}),
        onWeightsLoading: () => collectLoadingGarbage({ compact: false }),
        log: (level, message) => logger[level]({ component: "engine", model: path.basename(model) }, message),
      });
    },
  });
  // Samples CPU and memory once a second for /metrics and the live page; unref'd, so it never holds the process open.
  const monitor = new PerformanceMonitor();
  monitor.start();
  const app = createApp({
    engine,
    logger,
    monitor,
    logPrompts: config.logPrompts,
    security: {
      bindHost: config.host,
      allowedHosts: config.allowedHosts,
      corsOrigins: config.corsOrigins,
      maxRequestsPerSocket: config.maxRequestsPerSocket,
      ...(config.apiKey !== undefined ? { apiKey: config.apiKey } : {}),
    },
  });
  for (const warning of config.warnings) logger.warn({ component: "server" }, warning);
  if (config.logPrompts) logger.warn({ component: "server" }, "--log-prompts: every prompt and reply goes into the log");
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    // Nothing was served: what started for the server (the models loading, the sampling) stops with it. Not
    // awaited: a model finishes loading before it can be disposed (minutes, for a large one), and the error is
    // for now.
    monitor.stop();
    engine.dispose().catch((disposeError: unknown) => logger.error({ component: "server", err: disposeError }, "could not dispose the models"));
    throw describeListenFailure(error, config.host, config.port);
  }
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : config.port;
  // `Host: 0.0.0.0` is refused (a browser reaches localhost that way), so the URL to print is a loopback one.
  const clientHost = config.host === "0.0.0.0" ? "127.0.0.1" : config.host === "::" ? "::1" : config.host;
  const baseUrl = `http://${clientHost.includes(":") ? `[${clientHost}]` : clientHost}:${port}`;

  const status = await engine.whenSettled();
  collectLoadingGarbage({ compact: true });
  io.stdout.write(startBanner({ baseUrl, demo, status, aliases, apiKeySet: config.apiKey !== undefined }));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      logger.info({ component: "server" }, "shutting down: finishing running requests");
      // New connections get 503 from Fastify while it closes; queued requests get 529 from the engine.
      await Promise.all([engine.drain(config.shutdownGraceMs), app.close()]);
      await engine.dispose();
      monitor.stop();
    })());
  stopOnSignals(stop, io);
  return { baseUrl, stop };
}
