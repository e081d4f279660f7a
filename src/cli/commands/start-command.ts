import os from "node:os";
import path from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import pino from "pino";
import { createApp } from "../../api/create-app.js";
import { hostNameOf } from "../../api/security/host-name-of.js";
import { isLoopbackHost } from "../../api/security/is-loopback-host.js";
import { originOf } from "../../api/security/origin-of.js";
import type { EngineStatus } from "../../engine/engine.js";
import { LlamaEngine } from "../../engine/llama-engine.js";
import { RoutedEngine, type ModelAlias } from "../../engine/routed-engine.js";
import { PerformanceMonitor } from "../../util/performance-monitor.js";
import { chooseModel } from "../choose-model.js";
import { readPensieveConfig } from "../pensieve-config.js";
import { watchLauncher } from "../watch-launcher.js";
import { pensieveHome } from "../pensieve-home.js";
import { failCommand } from "./fail-command.js";
import { parseSeed } from "./parse-seed.js";

interface StartFlags {
  model?: string;
  config?: string;
  demo?: boolean;
  host: string;
  port: number;
  ctxSize?: number;
  threads?: number;
  decodeThreads?: number;
  parallel: number;
  maxQueue: number;
  promptCache: boolean;
  promptCacheDir?: string;
  promptCacheSize: number;
  shutdownGrace: number;
  stallTimeout: number;
  chatFormat: string;
  seed?: number;
  memoryLimit: string;
  gpu: "auto" | "cpu";
  logLevel: string;
  logPrompts?: boolean;
  apiKey?: string;
  allowedHost: string[];
  corsOrigin: string[];
}

export function registerStartCommand(program: Command): void {
  program
    .command("start", { isDefault: true })
    .description("Load a model and serve Anthropic's Messages API.")
    .addOption(new Option("-m, --model <path>", "model to serve: a GGUF path, a preset (pensieve models --presets), hf:owner/repo:quant or an https URL; pulled first if needed").env("PENSIEVE_MODEL"))
    .addOption(new Option("--config <file>", "config file with the default model and model-name aliases (default: $PENSIEVE_HOME/config.json when present)").env("PENSIEVE_CONFIG"))
    .option("--demo", "serve the small generated demo model (it answers one fixed sentence)")
    .addOption(new Option("--host <address>", "address to bind").default("127.0.0.1").env("PENSIEVE_HOST"))
    .addOption(new Option("-p, --port <number>", "port to listen on").default(8080).argParser(parsePort).env("PENSIEVE_PORT"))
    .addOption(new Option("-c, --ctx-size <tokens>", "context size per sequence (default: what memory allows, at most 32768)").argParser(parsePositive))
    .addOption(new Option("-t, --threads <count>", "CPU threads (default: all cores)").argParser(parsePositive))
    .addOption(new Option("--decode-threads <count>", "threads for one sequence's token-by-token decoding (default: --threads minus one, at least 1)").argParser(parsePositive))
    .addOption(new Option("--parallel <count>", "requests decoded at once").default(1).argParser(parsePositive))
    .addOption(new Option("--max-queue <count>", "requests that may wait for a free sequence; past it: 529").default(16).argParser(parseCount))
    .option("--prompt-cache-dir <folder>", "where long prompts' KV states are kept across restarts (default: $PENSIEVE_HOME/prompt-cache)")
    .addOption(new Option("--prompt-cache-size <MiB>", "disk budget of the prompt cache").default(4096).argParser(parsePositive))
    .option("--no-prompt-cache", "do not keep prompt states on disk")
    .addOption(new Option("--shutdown-grace <seconds>", "on SIGTERM/SIGINT, how long running requests may finish").default(30).argParser(parseCount))
    .addOption(new Option("--stall-timeout <seconds>", "end a generation that finishes no prompt batch and generates no token for this long; 0: never").default(600).argParser(parseCount))
    .option("--memory-limit <GiB>", "refuse (or, with no --ctx-size, shrink the context) past this much memory; auto: 90% of available; off", "auto")
    .option("--chat-format <name>", "chat format when the model's own is misdetected: auto, jinja, qwen, qwen3.5, llama3.1, chatML, …", "auto")
    .addOption(new Option("--seed <number>", "sampling seed for reproducible replies (default: a new one each request)").argParser(parseSeed))
    .addOption(new Option("--gpu <mode>", "use a GPU when one works, or CPU only").choices(["auto", "cpu"]).default("auto"))
    .addOption(new Option("--log-level <level>", "log level").choices(["debug", "info", "warn", "error", "silent"]).default("info").env("PENSIEVE_LOG_LEVEL"))
    .option("--log-prompts", "also log each request's prompt and the model's reply (private data: for debugging only)")
    .addOption(new Option("--api-key <key>", "key clients must send (x-api-key or Authorization: Bearer); required to listen beyond loopback").env("PENSIEVE_API_KEY"))
    .addOption(
      new Option("--allowed-host <name>", "another name clients use in the Host header, besides localhost and the bind address (repeatable)")
        .default([])
        .argParser(collect(parseAllowedHost))
        .env("PENSIEVE_ALLOWED_HOSTS"),
    )
    .addOption(
      new Option("--cors-origin <origin>", "a web origin allowed to call the API from a browser, such as http://localhost:3000 (repeatable)")
        .default([])
        .argParser(collect(parseCorsOrigin))
        .env("PENSIEVE_CORS_ORIGINS"),
    )
    .action(async (flags: StartFlags, command: Command) => {
      const apiKey = flags.apiKey === "" ? undefined : flags.apiKey;
      // Checked before anything loads: a server open to the network with no key serves anyone who finds it.
      if (apiKey === undefined && !isLoopbackHost(flags.host)) {
        failCommand(
          command,
          new Error(
            `refusing to listen on ${flags.host} without an API key: anyone who can reach this machine could use it. ` +
              "Set a key with --api-key <key> or PENSIEVE_API_KEY=<key> (clients send it as ANTHROPIC_API_KEY), or listen on 127.0.0.1.",
          ),
        );
      }
      await start(flags, apiKey, command);
    });
}

async function start(flags: StartFlags, apiKey: string | undefined, command: Command): Promise<void> {
  watchLauncher();
  const logger = pino({ level: flags.logLevel }, pino.destination(2));
  const home = pensieveHome(process.env);
  const config = await readPensieveConfig(flags.config, home).catch((error: unknown) => failCommand(command, error));
  const limitFor = ((): ReturnType<typeof memoryLimit> => {
    try {
      return memoryLimit(flags.memoryLimit);
    } catch (error) {
      return failCommand(command, error);
    }
  })();
  const { modelPath, demo, notice, aliases } = await chooseModel({
    model: flags.model ?? config.model,
    demo: flags.demo === true,
    aliases: config.aliases,
    home,
    env: process.env,
    stderr: process.stderr,
  });
  if (notice !== null) process.stderr.write(`\n${notice}\n\n`);

  // One engine per distinct model, loaded one after another: each load's memory check sees the ones before.
  const rssBeforeModels = process.memoryUsage().rss;
  const engine = RoutedEngine.start({
    defaultModel: modelPath,
    aliases,
    startEngine: (path: string) =>
      startLlamaEngine(flags, path, demo && path === modelPath, logger, limitFor(process.memoryUsage().rss - rssBeforeModels)),
  });
  // Samples CPU and memory 10 times a second for /metrics; unref'd, so it never holds the process open.
  const monitor = new PerformanceMonitor();
  monitor.start();
  const app = createApp({
    engine,
    logger,
    monitor,
    logPrompts: flags.logPrompts === true,
    security: { bindHost: flags.host, allowedHosts: flags.allowedHost, corsOrigins: flags.corsOrigin, ...(apiKey !== undefined ? { apiKey } : {}) },
  });
  if (flags.logPrompts === true) logger.warn({ component: "server" }, "--log-prompts: every prompt and reply goes into the log");
  await app.listen({ host: flags.host, port: flags.port });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : flags.port;
  // `Host: 0.0.0.0` is refused (a browser reaches localhost that way), so the URL to print is a loopback one.
  const clientHost = flags.host === "0.0.0.0" ? "127.0.0.1" : flags.host === "::" ? "::1" : flags.host;
  const baseUrl = `http://${clientHost.includes(":") ? `[${clientHost}]` : clientHost}:${port}`;

  const status = await engine.whenSettled();
  printBanner({ baseUrl, demo, modelPath, status, aliases, apiKeySet: apiKey !== undefined });
  stopOnSignals(async () => {
    logger.info({ component: "server" }, "shutting down: finishing running requests");
    // New connections get 503 from Fastify while it closes; queued requests get 529 from the engine.
    await Promise.all([engine.drain(flags.shutdownGrace * 1000), app.close()]);
    await engine.dispose();
    monitor.stop();
  });
}

/** One model's engine, with the server's settings; the memory limit is worked out when its load begins. */
function startLlamaEngine(
  flags: StartFlags,
  modelPath: string,
  demo: boolean,
  logger: pino.Logger,
  limit: { memoryLimitBytes?: number },
): LlamaEngine {
  const home = pensieveHome(process.env);
  return LlamaEngine.start({
    modelPath,
    threads: flags.threads ?? os.availableParallelism(),
    ...(flags.decodeThreads !== undefined ? { decodeThreads: flags.decodeThreads } : {}),
    parallel: flags.parallel,
    maxQueue: flags.maxQueue,
    stallTimeoutMs: flags.stallTimeout * 1000,
    chatFormat: flags.chatFormat,
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...limit,
    ...(flags.promptCache
      ? { promptCache: { folder: flags.promptCacheDir ?? path.join(home, "prompt-cache"), maxBytes: flags.promptCacheSize * 1024 * 1024 } }
      : {}),
    gpu: flags.gpu === "cpu" ? false : "auto",
    // The demo model's cache is tiny, so it gets a context that holds a whole Claude Code request.
    ...(flags.ctxSize !== undefined ? { contextSize: flags.ctxSize } : demo ? { contextSize: 65536 } : {}),
    log: (level, message) => logger[level]({ component: "engine", model: path.basename(modelPath) }, message),
  });
}

function printBanner(details: {
  baseUrl: string;
  demo: boolean;
  modelPath: string;
  status: EngineStatus;
  aliases: readonly ModelAlias[];
  apiKeySet: boolean;
}): void {
  const lines: string[] = [];
  if (details.status.state !== "ready") {
    lines.push(`Pensieve is listening on ${details.baseUrl}, but the model did not load:`);
    lines.push(`  ${details.status.state === "failed" ? details.status.reason : details.status.state}`);
    lines.push("/health answers 503 until this is fixed; restart with a working --model.");
    process.stdout.write(`${lines.join("\n")}\n`);
    return;
  }
  const model = details.status.model;
  lines.push(`Pensieve is serving ${model.id} on ${details.baseUrl}`);
  lines.push(`  context: ${model.contextSize} tokens, chat format: ${model.chatWrapper}`);
  lines.push(`  live page and chat: ${details.baseUrl}/ (open it in a browser)`);
  for (const alias of details.aliases) lines.push(`  requests for ${alias.pattern} go to ${path.basename(alias.model)}`);
  if (details.demo) {
    lines.push("");
    lines.push("  This is the built-in DEMO model: generated weights that answer one fixed sentence, not a real model.");
    lines.push("  To chat for real, serve a GGUF instruction model:  npm start -- --model /path/to/model.gguf");
    lines.push("  (or set PENSIEVE_MODEL=/path/to/model.gguf)");
  }
  lines.push("");
  lines.push("Point Claude Code or the Anthropic SDK at it:");
  lines.push(`  export ANTHROPIC_BASE_URL=${details.baseUrl}`);
  // The key itself stays out of the terminal's scrollback.
  lines.push(details.apiKeySet ? "  export ANTHROPIC_API_KEY=<the key given with --api-key>" : "  export ANTHROPIC_API_KEY=pensieve-local");
  lines.push(`  export CLAUDE_CODE_MAX_CONTEXT_TOKENS=${model.maxInputTokens} DISABLE_COMPACT=1  # tell Claude Code the real window`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

const duplicateSignalMs = 500;

/**
 * First SIGINT/SIGTERM: stop accepting, finish, dispose, exit 0. A later one exits at once, unless it comes within
 * half a second: one stop often arrives twice (a supervisor signals the whole process group and a launcher
 * forwards it too).
 */
function stopOnSignals(shutdown: () => Promise<void>): void {
  let stoppingSince: number | undefined;
  const onSignal = (): void => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < duplicateSignalMs) return;
      process.exit(130);
    }
    stoppingSince = Date.now();
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

/** A repeatable option: each use (or each comma-separated item of its environment variable) adds to the list. */
function collect(parse: (value: string) => string): (value: string, previous: string[]) => string[] {
  return (value, previous) => [...previous, ...value.split(",").filter((item) => item.trim() !== "").map(parse)];
}

function parseAllowedHost(value: string): string {
  const name = hostNameOf(value);
  if (name === null) throw new InvalidArgumentError("expected a host name or address, such as my-laptop.lan or 192.168.1.20");
  if (name === "0.0.0.0" || name === "[::]") throw new InvalidArgumentError("a wildcard address is never a valid Host: name the address clients use");
  return name;
}

function parseCorsOrigin(value: string): string {
  const origin = originOf(value);
  if (origin === null) throw new InvalidArgumentError("expected an origin such as http://localhost:3000 (list each one; * is not accepted)");
  return origin;
}

function parsePositive(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError("expected a positive whole number");
  return parsed;
}

/**
 * The memory limit for each model's load, worked out as it begins: `auto` leaves room for the rest of the
 * machine (so it sees the models loaded before); a number of GiB is the limit for all models together, less
 * what the ones before took; `off` skips the check.
 */
function memoryLimit(value: string): (usedByEarlierModels: number) => { memoryLimitBytes?: number } {
  if (value === "off") return () => ({});
  if (value === "auto") return () => ({ memoryLimitBytes: Math.floor(os.freemem() * 0.9) });
  const gib = Number(value);
  if (!Number.isFinite(gib) || gib <= 0) throw new InvalidArgumentError("--memory-limit takes a number of GiB, auto or off");
  const total = Math.floor(gib * 1024 ** 3);
  return (used) => ({ memoryLimitBytes: Math.max(1, total - used) });
}

function parseCount(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError("expected a whole number, 0 or more");
  return parsed;
}

function parsePort(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new InvalidArgumentError("expected a port from 0 to 65535");
  return parsed;
}
