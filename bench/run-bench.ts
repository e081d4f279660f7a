/**
 * HTTP vs raw node-llama-cpp on the same generated model, in one run: load time, prefill and decode speed.
 * Usage: npm run bench -- [--shape qwen2.5-0.5b] [--type q4_0] [--threads N] [--runs 3] [--decode-tokens 64]
 *        [--prompt-tokens 512] [--json]
 * Writes bench/results/<time>.json and prints a table. Ratios, not absolute numbers, are what to compare on a
 * noisy machine: both sides run in the same process, one after the other, with the same threads.
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Anthropic from "@anthropic-ai/sdk";
import { Command, Option } from "commander";
import { getLlama, type Token } from "node-llama-cpp";
import { createApp } from "../src/api/create-app.js";
import { LlamaEngine } from "../src/engine/llama-engine.js";
import { makeModel } from "../src/models/generator/make-model.js";
import type { ModelShapeName } from "../src/models/generator/model-shapes.js";
import type { ModelWeightType } from "../src/models/generator/model-weight-type.js";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

interface BenchOptions {
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
  const modelPath = path.join(repoRoot, ".cache", "bench-models", `${options.shape}-${options.type}${useVocabulary ? "-qwen2vocab" : ""}.gguf`);
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
  const loadStarted = performance.now();
  const engine = LlamaEngine.start({ modelPath, threads: options.threads, gpu: false, contextSize: 4096 });
  await engine.whenSettled();
  const loadMs = performance.now() - loadStarted;
  const app = createApp({ engine });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const client = new Anthropic({ baseURL: `http://127.0.0.1:${port}`, apiKey: "bench", maxRetries: 0 });
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
  await app.close();
  await engine.dispose();
  return { loadMs, prefillTokensPerSecond: median(prefill), decodeTokensPerSecond: median(decode) };
}

const program = new Command()
  .addOption(new Option("--shape <shape>").choices(["tiny", "qwen2.5-0.5b", "phi3-mini"]).default("qwen2.5-0.5b"))
  .addOption(new Option("--type <type>").choices(["f16", "q8_0", "q4_0"]).default("q4_0"))
  .option("--threads <n>", "CPU threads", (value) => Number(value), os.availableParallelism())
  .option("--runs <n>", "runs per measurement (median reported)", (value) => Number(value), 3)
  .option("--decode-tokens <n>", "tokens to generate per decode run", (value) => Number(value), 64)
  .option("--prompt-tokens <n>", "prompt length for prefill runs", (value) => Number(value), 512)
  .option("--json", "print only the JSON");
program.parse();
const options = program.opts<BenchOptions>();

const modelPath = await benchModel(options);
const raw = await measureRaw(modelPath, options);
const http = await measureHttp(modelPath, options);
const result = {
  date: new Date().toISOString(),
  machine: { cpus: os.availableParallelism(), node: process.version },
  model: { shape: options.shape, type: options.type, file: path.basename(modelPath) },
  settings: { threads: options.threads, runs: options.runs, decodeTokens: options.decodeTokens, promptTokens: options.promptTokens },
  raw,
  http,
  ratios: {
    decode: http.decodeTokensPerSecond / raw.decodeTokensPerSecond,
    prefill: http.prefillTokensPerSecond / raw.prefillTokensPerSecond,
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
}
