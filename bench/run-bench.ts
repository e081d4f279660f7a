/**
 * HTTP vs raw node-llama-cpp on the same generated model, in one run: load time, prefill and decode speed.
 * Usage: npm run bench -- [--shape qwen2.5-0.5b] [--type q4_0] [--threads N] [--runs 3] [--decode-tokens 64]
 *        [--prompt-tokens 512] [--json]
 *        npm run bench -- --anchor llama-server [options]: against llama-server instead (bench/anchor/).
 * Writes bench/results/<time>.json and prints a table. Ratios, not absolute numbers, are what to compare on a
 * noisy machine: both sides run in the same process, one after the other, with the same threads.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Anthropic from "@anthropic-ai/sdk";
import { Command, Option } from "commander";
import { getLlama, type Token } from "node-llama-cpp";
import { generatorVersion, makeModel } from "../src/models/generator/make-model.js";
import { modelShapes } from "../src/models/generator/model-shapes.js";
import { kvCacheBytes } from "../test/helpers/kv-cache-bytes.js";
import { peakRssDuring } from "../test/helpers/peak-rss-during.js";
import { spawnServer, startTestServer } from "../test/helpers/servers/index.js";
import { claudeCodeLikeRequest } from "./claude-code-like-request.js";
import type { ModelShapeName } from "../src/models/generator/model-shapes.js";
import type { ModelWeightType } from "../src/models/generator/model-weight-type.js";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

// `--anchor llama-server`: Pensieve against llama-server, side by side (bench/anchor/run-anchor-bench.ts).
if (process.argv.some((argument) => argument === "--anchor" || argument.startsWith("--anchor="))) {
  const { runAnchorBench } = await import("./anchor/run-anchor-bench.js");
  process.exit(await runAnchorBench(process.argv.slice(2)));
}

interface BenchOptions {
  scenarios: string;
  shape: ModelShapeName;
  type: ModelWeightType;
  threads: number;
  runs: number;
  decodeTokens: number;
  promptTokens: number;
  json: boolean;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

async function benchModel(options: BenchOptions): Promise<string> {
  const vocabularyPath = path.resolve(repoRoot, "../shared/vocab/ggml-vocab-qwen2.gguf");
  const useVocabulary = options.shape === "qwen2.5-0.5b" && existsSync(vocabularyPath);
  const modelPath = path.join(repoRoot, ".cache", "bench-models", `${options.shape}-${options.type}${useVocabulary ? "-qwen2vocab" : ""}-g${generatorVersion}.gguf`);
  if (!existsSync(modelPath)) {
    await makeModel({ shape: options.shape, type: options.type, outputPath: modelPath, ...(useVocabulary ? { vocabularyPath } : {}) });
  }
  return modelPath;
}

/** Raw node-llama-cpp: evaluate a prompt, then sample tokens one by one; no chat template, no HTTP. */
async function measureRaw(modelPath: string, options: BenchOptions) {
  const loadStarted = performance.now();
  const llama = await getLlama({ gpu: false, build: "never" });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 4096, threads: options.threads });
  const loadMs = performance.now() - loadStarted;
  const sequence = context.getSequence();
  const words = model.tokenize("The quick brown fox jumps over the lazy dog while the sun sets slowly. ");
  const prompt: Token[] = Array.from({ length: options.promptTokens }, (_, index) => words[index % words.length] as Token);
  const prefill: number[] = [];
  const decode: number[] = [];
  for (let run = 0; run < options.runs; run += 1) {
    await sequence.clearHistory();
    const started = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(prompt);
    prefill.push(prompt.length / ((performance.now() - started) / 1000));
    await sequence.clearHistory();
    let generated = 0;
    let firstAt = 0;
    for await (const _token of sequence.evaluate(prompt.slice(0, 16), { temperature: 1 })) {
      generated += 1;
      if (generated === 1) firstAt = performance.now();
      if (generated >= options.decodeTokens) break;
    }
    decode.push((generated - 1) / ((performance.now() - firstAt) / 1000));
  }
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  return { loadMs, prefillTokensPerSecond: median(prefill), decodeTokensPerSecond: median(decode) };
}

/** The same work through the real server and the official SDK over a loopback socket. */
async function measureHttp(modelPath: string, options: BenchOptions) {
  // The load as a user waits for it: the engine's load, then the app starting to listen (a few ms).
  const loadStarted = performance.now();
  const server = await startServer(modelPath, options.threads, { contextSize: 4096, parallel: 1 });
  const loadMs = performance.now() - loadStarted;
  const { client } = server;
  const prefill: number[] = [];
  const decode: number[] = [];
  const filler = "The quick brown fox jumps over the lazy dog while the sun sets slowly. ";
  for (let run = 0; run < options.runs; run += 1) {
    // A different first word each run, so no cached prefix helps the prefill measurement.
    const text = `Run ${run} ${Math.random()}: ${filler.repeat(Math.ceil(options.promptTokens / 16))}`;
    let started = performance.now();
    let firstDeltaAt = 0;
    let inputTokens = 0;
    const prefillStream = await client.messages.create({ model: "claude-bench", max_tokens: 1, stream: true, messages: [{ role: "user", content: text }] });
    for await (const event of prefillStream) {
      if (event.type === "message_start") inputTokens = event.message.usage.input_tokens;
      if (event.type === "message_delta" && firstDeltaAt === 0) firstDeltaAt = performance.now();
    }
    prefill.push(inputTokens / ((firstDeltaAt - started) / 1000));

    started = performance.now();
    let firstTokenAt = 0;
    let outputTokens = 0;
    const decodeStream = await client.messages.create({
      model: "claude-bench",
      max_tokens: options.decodeTokens,
      stream: true,
      messages: [{ role: "user", content: `Hi ${run}` }],
    });
    for await (const event of decodeStream) {
      if (event.type === "content_block_delta" && firstTokenAt === 0) firstTokenAt = performance.now();
      if (event.type === "message_delta") outputTokens = event.usage.output_tokens;
    }
    if (firstTokenAt > 0 && outputTokens > 1) decode.push((outputTokens - 1) / ((performance.now() - firstTokenAt) / 1000));
  }
  await server.close();
  return { loadMs, prefillTokensPerSecond: median(prefill), decodeTokensPerSecond: median(decode) };
}

/** The real server in this process (the tests' `startTestServer`), with the bench's threads and a patient client. */
function startServer(modelPath: string, threads: number, engineOptions: { contextSize: number; parallel: number; promptCacheFolder?: string }) {
  return startTestServer(modelPath, {
    threads,
    contextSize: engineOptions.contextSize,
    parallel: engineOptions.parallel,
    maxQueue: 64,
    ...(engineOptions.promptCacheFolder !== undefined ? { promptCache: { folder: engineOptions.promptCacheFolder } } : {}),
    clientTimeoutMs: 30 * 60_000,
  });
}

/** Seconds to the first streamed token (or to the end, when the model says nothing) and the prompt usage. */
async function firstToken(client: Anthropic, request: Anthropic.MessageCreateParamsStreaming) {
  const started = performance.now();
  let seconds = 0;
  let inputTokens = 0;
  let cachedTokens = 0;
  const stream = await client.messages.create({ ...request, max_tokens: 1 });
  for await (const event of stream) {
    if (event.type === "message_start") {
      inputTokens = event.message.usage.input_tokens;
      cachedTokens = event.message.usage.cache_read_input_tokens ?? 0;
    }
    if ((event.type === "content_block_delta" || event.type === "message_delta") && seconds === 0) seconds = (performance.now() - started) / 1000;
  }
  return { seconds, inputTokens, cachedTokens };
}

/** A Claude-Code-sized request (about 20k tokens) cold, again with the same prefix, and after a restart. */
async function measureClaudeCode(modelPath: string, options: BenchOptions) {
  const cacheFolder = await mkdtemp(path.join(os.tmpdir(), "pensieve-bench-cache-"));
  try {
    const settings = { contextSize: 32768, parallel: 1, promptCacheFolder: cacheFolder };
    const first = await startServer(modelPath, options.threads, settings);
    const cold = await firstToken(first.client, claudeCodeLikeRequest("What does this project do?"));
    const warm = await firstToken(first.client, claudeCodeLikeRequest("And how is it tested?"));
    await first.close();
    const second = await startServer(modelPath, options.threads, settings);
    const afterRestart = await firstToken(second.client, claudeCodeLikeRequest("Which file should I read first?"));
    await second.close();
    return { cold, warm, afterRestart };
  } finally {
    await rm(cacheFolder, { recursive: true, force: true });
  }
}

/** Aggregate output tokens per second with N clients at once, each on its own sequence. */
async function measureConcurrency(modelPath: string, options: BenchOptions) {
  const results: { concurrency: number; aggregateTokensPerSecond: number; peakRssMb: number }[] = [];
  for (const concurrency of [1, 2, 4, 8, 16]) {
    const server = await startServer(modelPath, options.threads, { contextSize: 1024, parallel: concurrency });
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 100);
    const started = performance.now();
    const replies = await Promise.all(
      Array.from({ length: concurrency }, (_, index) =>
        server.client.messages.create({ model: "claude-bench", max_tokens: options.decodeTokens, messages: [{ role: "user", content: `Client ${index} says hi` }] }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const outputTokens = replies.reduce((sum, reply) => sum + reply.usage.output_tokens, 0);
    results.push({ concurrency, aggregateTokensPerSecond: outputTokens / seconds, peakRssMb: Math.round(peakRss / 1024 / 1024) });
    await server.close();
  }
  return results;
}

/**
 * Peak RSS of the server as users run it (the built CLI, in its own process, relaunched with its memory settings
 * where that applies), 4 sequences × 1024 tokens, 4 concurrent requests with long prompts; against the scheduler
 * issue's bound, model file + KV cache of all sequences + 250 MB.
 */
async function measureServerMemory(modelPath: string, options: BenchOptions) {
  const parallel = 4;
  const contextPerSequence = 1024;
  const cli = path.join(repoRoot, "dist", "cli", "main.js");
  const server = await spawnServer(modelPath, ["--threads", String(options.threads), "--ctx-size", String(contextPerSequence), "--parallel", String(parallel)], process.env, cli);
  try {
    const client = new Anthropic({ baseURL: server.baseUrl, apiKey: "bench", maxRetries: 0 });
    const prompt = (index: number) => `${index} ${"Tell me a long story about the sea and the ships that sail on it. ".repeat(40)}`;
    const peakRssBytes = await peakRssDuring(server, async () =>
      Promise.all(
        Array.from({ length: parallel }, (_, index) =>
          client.messages.create({ model: "claude-bench", max_tokens: options.decodeTokens, messages: [{ role: "user", content: prompt(index) }] }),
        ),
      ),
    );
    const kvBytes = kvCacheBytes(modelShapes[options.shape], contextPerSequence * parallel);
    const fileBytes = (await stat(modelPath)).size;
    const boundBytes = fileBytes + kvBytes + 250_000_000;
    const mb = (bytes: number) => Math.round(bytes / 1_000_000);
    return { parallel, contextPerSequence, peakRssMb: mb(peakRssBytes), fileMb: mb(fileBytes), kvCacheMb: mb(kvBytes), boundMb: mb(boundBytes), withinBound: peakRssBytes <= boundBytes };
  } finally {
    await server.stop();
  }
}

/** node-llama-cpp alone: 4 sequences of one context generating at once (its own batching). */
async function measureRawBatched(modelPath: string, options: BenchOptions, sequences: number) {
  const llama = await getLlama({ gpu: false, build: "never" });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 1024, sequences, threads: options.threads });
  const prompt = model.tokenize("Client says hi");
  const started = performance.now();
  const counts = await Promise.all(
    Array.from({ length: sequences }, async () => {
      const sequence = context.getSequence();
      let generated = 0;
      for await (const _token of sequence.evaluate(prompt, { temperature: 1 })) {
        generated += 1;
        if (generated >= options.decodeTokens) break;
      }
      return generated;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  return counts.reduce((sum, count) => sum + count, 0) / seconds;
}

const program = new Command()
  .addOption(new Option("--shape <shape>").choices(["tiny", "qwen2.5-0.5b", "phi3-mini"]).default("qwen2.5-0.5b"))
  .addOption(new Option("--type <type>").choices(["f16", "q8_0", "q4_0"]).default("q4_0"))
  .option("--threads <n>", "CPU threads", (value) => Number(value), os.availableParallelism())
  .option("--runs <n>", "runs per measurement (median reported)", (value) => Number(value), 3)
  .option("--decode-tokens <n>", "tokens to generate per decode run", (value) => Number(value), 64)
  .option("--prompt-tokens <n>", "prompt length for prefill runs", (value) => Number(value), 512)
  .option("--json", "print only the JSON")
  .option(
    "--scenarios <list>",
    "comma-separated: basic, claude-code, concurrency, memory (Linux: it reads /proc)",
    process.platform === "linux" ? "basic,claude-code,concurrency,memory" : "basic,claude-code,concurrency",
  );
program.parse();
const options = program.opts<BenchOptions>();

const scenarios = new Set(options.scenarios.split(",").map((name) => name.trim()));
const modelPath = await benchModel(options);
const raw = await measureRaw(modelPath, options);
const http = await measureHttp(modelPath, options);
const claudeCode = scenarios.has("claude-code") ? await measureClaudeCode(modelPath, options) : null;
const concurrency = scenarios.has("concurrency") ? await measureConcurrency(modelPath, options) : null;
const serverMemory = scenarios.has("memory") ? await measureServerMemory(modelPath, options) : null;
const rawBatched4 = scenarios.has("concurrency") ? await measureRawBatched(modelPath, options, 4) : null;
const rawBatched1 = scenarios.has("concurrency") ? await measureRawBatched(modelPath, options, 1) : null;
const result = {
  date: new Date().toISOString(),
  machine: { cpus: os.availableParallelism(), node: process.version },
  model: { shape: options.shape, type: options.type, file: path.basename(modelPath) },
  settings: { threads: options.threads, runs: options.runs, decodeTokens: options.decodeTokens, promptTokens: options.promptTokens },
  raw,
  http,
  claudeCode,
  concurrency,
  serverMemory,
  rawBatched: rawBatched4 === null ? null : { sequences1TokensPerSecond: rawBatched1, sequences4TokensPerSecond: rawBatched4 },
  ratios: {
    decode: http.decodeTokensPerSecond / raw.decodeTokensPerSecond,
    prefill: http.prefillTokensPerSecond / raw.prefillTokensPerSecond,
    ...(concurrency !== null && rawBatched4 !== null
      ? { aggregateAt4VsRawBatched4: (concurrency.find((entry) => entry.concurrency === 4)?.aggregateTokensPerSecond ?? 0) / rawBatched4 }
      : {}),
  },
};
const resultsFolder = path.join(repoRoot, "bench", "results");
await mkdir(resultsFolder, { recursive: true });
await writeFile(path.join(resultsFolder, `bench-${result.date.replace(/[:.]/g, "-")}.json`), `${JSON.stringify(result, null, 2)}\n`);
if (options.json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const row = (name: string, rawValue: number, httpValue: number) =>
    `${name.padEnd(22)} ${rawValue.toFixed(1).padStart(10)} ${httpValue.toFixed(1).padStart(10)} ${(httpValue / rawValue).toFixed(3).padStart(8)}`;
  console.log(`model ${result.model.file}, ${options.threads} threads, median of ${options.runs} runs`);
  console.log(`${"".padEnd(22)} ${"raw".padStart(10)} ${"http".padStart(10)} ${"ratio".padStart(8)}`);
  console.log(row("load ms", raw.loadMs, http.loadMs));
  console.log(row("prefill tokens/s", raw.prefillTokensPerSecond, http.prefillTokensPerSecond));
  console.log(row("decode tokens/s", raw.decodeTokensPerSecond, http.decodeTokensPerSecond));
  if (claudeCode !== null) {
    console.log("\nClaude-Code-like request: first token");
    for (const [name, entry] of Object.entries(claudeCode)) {
      console.log(`  ${name.padEnd(14)} ${entry.seconds.toFixed(2).padStart(8)} s   input ${entry.inputTokens}, cached ${entry.cachedTokens}`);
    }
  }
  if (concurrency !== null) {
    console.log("\nconcurrent requests: aggregate output tokens/s (peak RSS)");
    for (const entry of concurrency) {
      console.log(`  ${String(entry.concurrency).padStart(3)}  ${entry.aggregateTokensPerSecond.toFixed(1).padStart(8)}   (${entry.peakRssMb} MB)`);
    }
    console.log(`  raw node-llama-cpp batched: 1 sequence ${rawBatched1?.toFixed(1)}, 4 sequences ${rawBatched4?.toFixed(1)} tokens/s`);
  }
  if (serverMemory !== null) {
    const { parallel, contextPerSequence, peakRssMb, fileMb, kvCacheMb, boundMb, withinBound } = serverMemory;
    console.log(`\nserver process, ${parallel} × ${contextPerSequence} tokens, ${parallel} concurrent: peak RSS ${peakRssMb} MB`);
    console.log(`  bound: file ${fileMb} + KV cache ${kvCacheMb} + 250 = ${boundMb} MB: ${withinBound ? "within" : "OVER"}`);
  }
}
