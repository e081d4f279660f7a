import { spawn } from "node:child_process";
import { once } from "node:events";
import { processMemory } from "../../test/helpers/servers/index.js";
import { benchClient, pensieveBatchSize, RssSampler, type BenchServer, type ServerSettings } from "./bench-server.js";
import { libraryPath } from "./build-llama-server.js";

export interface LlamaServerProcess extends BenchServer {
  /** What llama.cpp resolved `-fa auto` to, from its log: `enabled`, `disabled`, or `null` when not logged. */
  readonly flashAttention: string | null;
}

/**
 * llama-server's flags for Pensieve's settings, every one explicit. Each differs from llama-server's default
 * only to match what Pensieve does:
 * - `-t` / `-tb`: `decodeThreads` for a lone sequence's decode, `threads` for everything else; the bench sets
 *   both to `threads` (llama-server's own default rule, and what Pensieve uses for every batch) unless told.
 * - `-c` is the total over `-np` slots, with one KV cache per slot (`--no-kv-unified`), as node-llama-cpp's
 *   context allots `contextPerSequence` cells to each sequence.
 * - `-b` = `-ub`: node-llama-cpp's batch, `min(context × sequences, 512)`, physical batch the same.
 * - `--load-mode none`: Pensieve reads the model into memory instead of mapping it on the CPU.
 * - `--cache-ram 0`, `--cache-reuse 0`: no prompt states kept beyond each slot's own KV cache (the bench runs
 *   Pensieve without its disk prompt cache), no KV shifting. `cache_prompt` stays on (default): a slot reuses
 *   the prefix it holds, as a Pensieve sequence does.
 * - `--fit off`: nothing resized behind the explicit settings; Pensieve runs with `--memory-limit off`.
 * - `-fa auto`, f16 KV cache: the defaults of both.
 * - `--override-kv llama.context_length`, only when a slot's context exceeds the model's training context:
 *   llama-server caps each slot there, Pensieve (with `--memory-limit off`) does not. Never for the real shapes,
 *   whose training context is 32768; it lets the tiny shape (4096) run the long scenarios in a quick check.
 */
export function llamaServerFlags(settings: ServerSettings, chatTemplatePath: string, trainContext: number): string[] {
  const batch = String(pensieveBatchSize(settings));
  const overrideTrainContext = settings.contextPerSequence > trainContext ? ["--override-kv", `llama.context_length=int:${settings.contextPerSequence}`] : [];
  return [
    ...overrideTrainContext,
    "--model", settings.modelPath,
    "--host", "127.0.0.1",
    "--port", "0",
    "--threads", String(settings.decodeThreads),
    "--threads-batch", String(settings.threads),
    "--ctx-size", String(settings.contextPerSequence * settings.parallel),
    "--parallel", String(settings.parallel),
    "--no-kv-unified",
    "--batch-size", batch,
    "--ubatch-size", batch,
    "--flash-attn", "auto",
    "--cache-type-k", "f16",
    "--cache-type-v", "f16",
    "--load-mode", "none",
    "--cache-ram", "0",
    "--cache-reuse", "0",
    "--fit", "off",
    "--jinja",
    "--chat-template-file", chatTemplatePath,
    "--no-webui",
    "--seed", "1",
  ];
}

/** Starts llama-server and waits until `/health` says the model is loaded. */
export async function startLlamaServer(binaryPath: string, settings: ServerSettings, chatTemplatePath: string, trainContext: number): Promise<LlamaServerProcess> {
  const flags = llamaServerFlags(settings, chatTemplatePath, trainContext);
  const child = spawn(binaryPath, flags, { env: { ...process.env, LD_LIBRARY_PATH: libraryPath(binaryPath) }, stdio: ["ignore", "pipe", "pipe"] });
  // llama-server logs every request: only the start of the log and its last lines are kept.
  let head = "";
  let tail = "";
  const onOutput = (chunk: Buffer): void => {
    const text = chunk.toString("utf8");
    if (head.length < 200_000) head += text;
    tail = (tail + text).slice(-20_000);
  };
  child.stdout.on("data", onOutput);
  child.stderr.on("data", onOutput);
  const exited = once(child, "exit");
  const ready = async (): Promise<string> => {
    const alive = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`llama-server exited (${String(child.exitCode ?? child.signalCode)}) before it was ready:\n${tail}`);
      }
    };
    const url = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(head)?.[1], alive);
    await waitFor(async () => ((await fetch(`${url}/health`).catch(() => null))?.status === 200 ? true : undefined), alive);
    return url;
  };
  const baseUrl = await ready().catch(async (error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  const flashAttention = /Flash Attention (enabled|not supported)/.exec(head)?.[1]?.replace("not supported", "disabled") ?? null;
  const sampler = new RssSampler(async () => (await processMemory(child.pid ?? 0)).rssBytes);
  return {
    name: "llama-server",
    client: benchClient(baseUrl),
    commandLine: [binaryPath, ...flags],
    flashAttention,
    peakRssBytes: () => sampler.peakBytes,
    pid: async () => child.pid ?? 0,
    stop: async () => {
      sampler.stop();
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Polls every 100 ms until `check` gives a value (a start-up wait, not a timing); 10 minutes at most. */
async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, alive: () => void): Promise<T> {
  const deadline = performance.now() + 10 * 60_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    alive();
    if (performance.now() > deadline) throw new Error("llama-server was not ready within 10 minutes");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
