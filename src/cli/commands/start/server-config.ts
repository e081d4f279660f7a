import os from "node:os";
import path from "node:path";
import { isLoopbackHost } from "../../../api/security/is-loopback-host.js";
import type { LlamaEngineOptions } from "../../../engine/llama/llama-engine-options.js";
import type { UpstreamEndpointOptions } from "../../../engine/upstream/upstream-options.js";
import { pensieveHome } from "../../pensieve-home.js";
import { parseMemoryLimit, type MemoryLimit } from "./memory-limit.js";
import type { StartFlags } from "./start-options.js";

/** The engine settings every model gets; the model path, context of the demo model and memory limit come later. */
export type ServedEngineSettings = Pick<
  LlamaEngineOptions,
  "threads" | "promptLookup" | "parallel" | "maxQueue" | "maxQueueWaitMs" | "maxGenerationMs" | "stallTimeoutMs" | "chatFormat" | "seed" | "gpu" | "contextSize" | "promptCache"
>;

/** Everything `runServer` needs, resolved from the flags and the environment: it reads neither itself. */
export interface ServerConfig {
  /** Address to bind. */
  readonly host: string;
  /** Port to listen on; `0` takes a free one. */
  readonly port: number;
  /** The key clients must send; none when unset (only allowed on loopback). */
  readonly apiKey?: string;
  /** Host names clients may use besides localhost and the bind address. */
  readonly allowedHosts: readonly string[];
  /** Web origins allowed to call the API from a browser. */
  readonly corsOrigins: readonly string[];
  /** Requests one keep-alive connection may carry; `0` for no limit. */
  readonly maxRequestsPerSocket: number;
  /** Pensieve's home: downloaded models, `config.json`, the prompt cache. */
  readonly home: string;
  /** The config file named by `--config` / `PENSIEVE_CONFIG`; else `<home>/config.json` is read when present. */
  readonly configFile?: string;
  /** The model spec from `--model` / `PENSIEVE_MODEL`; else the config file's, else the default preset. */
  readonly model?: string;
  /** `--upstream` endpoints: replicas of one model, served instead of a local default model. */
  readonly upstreams: readonly UpstreamEndpointOptions[];
  /** Serve the generated demo model. */
  readonly demo: boolean;
  /** How models that are not cached yet are pulled: a Hugging Face token and hub address. */
  readonly pull: { readonly token?: string; readonly hubUrl?: string };
  readonly engine: ServedEngineSettings;
  readonly memoryLimit: MemoryLimit;
  /** On SIGTERM/SIGINT, how long running requests may finish. */
  readonly shutdownGraceMs: number;
  /** pino's level, or `silent`. */
  readonly logLevel: string;
  /** Log each request's prompt and reply. */
  readonly logPrompts: boolean;
  /** What to warn about once the logger exists: flags kept only so old command lines still start. */
  readonly warnings: readonly string[];
}

/** `--decode-threads` is accepted and ignored: node-llama-cpp has no public per-batch thread count. */
export const decodeThreadsDeprecation =
  "--decode-threads is deprecated and ignored: every batch uses --threads, as llama-server does by default " +
  "(node-llama-cpp offers no public way to give a lone sequence's decode fewer threads)";

/**
 * Turns the parsed flags and the environment (`PENSIEVE_HOME`, `XDG_CACHE_HOME`, `HF_TOKEN`,
 * `HUGGING_FACE_HUB_TOKEN`, `HF_ENDPOINT`) into the server's settings: the only place `pensieve start` reads
 * the environment, besides the options commander reads it for. Throws, saying why, when the settings are
 * refused: an unreadable `--memory-limit`, or listening beyond loopback without an API key.
 */
export function toServerConfig(flags: StartFlags, env: NodeJS.ProcessEnv): ServerConfig {
  const apiKey = flags.apiKey === "" ? undefined : flags.apiKey;
  // Checked before anything loads: a server open to the network with no key serves anyone who finds it.
  if (apiKey === undefined && !isLoopbackHost(flags.host)) {
    throw new Error(
      `refusing to listen on ${flags.host} without an API key: anyone who can reach this machine could use it. ` +
        "Set a key with --api-key <key> or PENSIEVE_API_KEY=<key> (clients send it as ANTHROPIC_API_KEY), or listen on 127.0.0.1.",
    );
  }
  const home = pensieveHome(env);
  const token = env["HF_TOKEN"] ?? env["HUGGING_FACE_HUB_TOKEN"];
  const hubUrl = env["HF_ENDPOINT"];
  return {
    host: flags.host,
    port: flags.port,
    ...(apiKey !== undefined ? { apiKey } : {}),
    allowedHosts: flags.allowedHost,
    corsOrigins: flags.corsOrigin,
    maxRequestsPerSocket: flags.maxRequestsPerSocket,
    home,
    ...(flags.config !== undefined ? { configFile: flags.config } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    upstreams: flags.upstream,
    demo: flags.demo === true,
    pull: {
      ...(token !== undefined && token !== "" ? { token } : {}),
      ...(hubUrl !== undefined && hubUrl !== "" ? { hubUrl } : {}),
    },
    engine: {
      threads: flags.threads ?? os.availableParallelism(),
      ...(flags.promptLookup ? {} : { promptLookup: false }),
      parallel: flags.parallel,
      maxQueue: flags.maxQueue,
      maxQueueWaitMs: flags.maxQueueWait * 1000,
      maxGenerationMs: flags.maxGenerationTime * 1000,
      stallTimeoutMs: flags.stallTimeout * 1000,
      chatFormat: flags.chatFormat,
      ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
      gpu: flags.gpu === "cpu" ? false : "auto",
      ...(flags.ctxSize !== undefined ? { contextSize: flags.ctxSize } : {}),
      ...(flags.promptCache
        ? { promptCache: { folder: flags.promptCacheDir ?? path.join(home, "prompt-cache"), maxBytes: flags.promptCacheSize * 1024 * 1024 } }
        : {}),
    },
    memoryLimit: parseMemoryLimit(flags.memoryLimit),
    shutdownGraceMs: flags.shutdownGrace * 1000,
    logLevel: flags.logLevel,
    logPrompts: flags.logPrompts === true,
    warnings: flags.decodeThreads !== undefined ? [decodeThreadsDeprecation] : [],
  };
}
