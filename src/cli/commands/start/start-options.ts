import { InvalidArgumentError, Option, type Command } from "commander";
import { hostNameOf } from "../../../api/security/host-name-of.js";
import { originOf } from "../../../api/security/origin-of.js";
import type { UpstreamEndpointOptions } from "../../../engine/upstream/upstream-options.js";
import { parseUpstreamFlag } from "../../upstream-pool-config.js";
import { parseSeed } from "../parse-seed.js";

/**
 * What commander makes of `pensieve start`'s command line. The options declared with `.env()` take their
 * variable here, as commander parses (so `--help` names them and a bad value is refused like a bad flag);
 * everything else start needs from the environment is read by `toServerConfig`.
 */
export interface StartFlags {
  model?: string;
  upstream: UpstreamEndpointOptions[];
  config?: string;
  demo?: boolean;
  host: string;
  port: number;
  ctxSize?: number;
  threads?: number;
  decodeThreads?: number;
  promptLookup: boolean;
  parallel: number;
  maxQueue: number;
  maxQueueWait: number;
  maxGenerationTime: number;
  maxRequestsPerSocket: number;
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

/** Declares `pensieve start`'s options on `command` and returns it. */
export function addStartOptions(command: Command): Command {
  return command
    .addOption(new Option("-m, --model <path>", "model to serve: a GGUF path, a preset (pensieve models --presets), hf:owner/repo:quant or an https URL; pulled first if needed").env("PENSIEVE_MODEL"))
    .addOption(
      new Option("--upstream <url>", "serve the model of an OpenAI-compatible server instead of a local file, as [dialect+]url: vllm+http://gpu-0:8000 (dialects: vllm, sglang, llama-server, ollama, openai; repeatable: replicas of one model)")
        .default([])
        .argParser(collectEndpoints)
        .env("PENSIEVE_UPSTREAMS"),
    )
    .addOption(new Option("--config <file>", "config file with the default model and model-name aliases (default: $PENSIEVE_HOME/config.json when present)").env("PENSIEVE_CONFIG"))
    .option("--demo", "serve the small generated demo model (it answers one fixed sentence)")
    .addOption(new Option("--host <address>", "address to bind").default("127.0.0.1").env("PENSIEVE_HOST"))
    .addOption(new Option("-p, --port <number>", "port to listen on").default(8080).argParser(parsePort).env("PENSIEVE_PORT"))
    .addOption(new Option("-c, --ctx-size <tokens>", "context size per sequence (default: what memory allows, at most 32768)").argParser(parsePositive))
    .addOption(new Option("-t, --threads <count>", "CPU threads (default: all cores)").argParser(parsePositive))
    .addOption(new Option("--decode-threads <count>", "deprecated and ignored: every batch uses --threads").argParser(parsePositive).hideHelp())
    .option("--no-prompt-lookup", "no prompt-lookup speculative decoding (greedy requests on a lone sequence; the reply is the same either way)")
    .addOption(new Option("--parallel <count>", "requests decoded at once").default(1).argParser(parsePositive))
    .addOption(new Option("--max-queue <count>", "requests that may wait for a free sequence; past it: 529").default(16).argParser(parseCount))
    .addOption(new Option("--max-queue-wait <seconds>", "how long a request may wait for a free sequence before it gets 529").default(600).argParser(parsePositive))
    .addOption(new Option("--max-generation-time <seconds>", "end a generation running longer than this cleanly, with max_tokens").default(1800).argParser(parsePositive))
    .addOption(new Option("--max-requests-per-socket <count>", "requests one keep-alive connection may carry before it is closed; 0: no limit").default(1000).argParser(parseCount))
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
    );
}

/** A repeatable option: each use (or each comma-separated item of its environment variable) adds to the list. */
function collect(parse: (value: string) => string): (value: string, previous: string[]) => string[] {
  return (value, previous) => [...previous, ...value.split(",").filter((item) => item.trim() !== "").map(parse)];
}

function collectEndpoints(value: string, previous: UpstreamEndpointOptions[]): UpstreamEndpointOptions[] {
  const parsed = value.split(",").filter((item) => item.trim() !== "").map((item) => {
    try {
      return parseUpstreamFlag(item.trim());
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  });
  return [...previous, ...parsed];
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
