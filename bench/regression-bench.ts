/**
 * Regression benchmark with baselines: `npm run bench:check` fails when a latency grew more than 10 % or peak
 * memory more than 5 % against bench/baselines/regression.json; `--update-baseline` rewrites that file.
 * Latencies are divided by a calibration measured in the same run (node-llama-cpp's raw milliseconds per
 * decoded token on the same model and threads), so a slower or busier machine does not read as a regression.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Anthropic from "@anthropic-ai/sdk";
import { Command } from "commander";
import { getLlama } from "node-llama-cpp";
import { createApp } from "../src/api/create-app.js";
import { LlamaEngine } from "../src/engine/llama-engine.js";
import { generatorVersion, makeModel } from "../src/models/generator/make-model.js";
import { PerformanceMonitor } from "../src/util/performance-monitor.js";
import { keepAnchorBaseline } from "./anchor/anchor-baseline.js";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const latencyTolerance = 0.1;
const memoryTolerance = 0.05;

interface Measurements {
  /** Each latency divided by the calibration (raw ms per decoded token): unitless. */
  readonly normalized: Record<string, number>;
  readonly peakRssMb: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

async function calibrate(modelPath: string, threads: number, runs: number): Promise<number> {
  const llama = await getLlama({ gpu: false, build: "never" });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 1024, threads });
  const sequence = context.getSequence();
  const perToken: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    await sequence.clearHistory();
    let generated = 0;
    let started = 0;
    for await (const _token of sequence.evaluate(model.tokenize(`calibration ${run}`), { temperature: 0 })) {
      generated += 1;
      if (generated === 1) started = performance.now();
      if (generated > 32) break;
    }
    perToken.push((performance.now() - started) / (generated - 1));
  }
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  return median(perToken);
}

async function measure(modelPath: string, threads: number, runs: number): Promise<Measurements & { calibrationMs: number; latenciesMs: Record<string, number> }> {
  const calibrationMs = await calibrate(modelPath, threads, runs);
  const monitor = new PerformanceMonitor();
  monitor.start();
  const engine = LlamaEngine.start({ modelPath, threads, gpu: false, contextSize: 1024, parallel: 4 });
  await engine.whenSettled();
  const app = createApp({ engine });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const client = new Anthropic({ baseURL: `http://127.0.0.1:${port}`, apiKey: "bench", maxRetries: 0 });
  // Greedy decoding and max_tokens make each request's work the same every run.
  const request = (text: string, maxTokens: number) =>
    ({ model: "claude-bench", max_tokens: maxTokens, temperature: 0, messages: [{ role: "user", content: text }] }) as Anthropic.MessageCreateParamsNonStreaming;
  const timed = async (work: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  const samples: Record<string, number[]> = { singleToken: [], tenTokens: [], fourConcurrent: [], firstToken: [] };
  await client.messages.create(request("warm up", 4));
  for (let run = 0; run < runs; run += 1) {
    samples["singleToken"]?.push(await timed(() => client.messages.create(request(`single ${run}`, 1))));
    samples["tenTokens"]?.push(await timed(() => client.messages.create(request(`ten ${run}`, 10))));
    samples["fourConcurrent"]?.push(await timed(() => Promise.all([0, 1, 2, 3].map((index) => client.messages.create(request(`four ${run} ${index}`, 10))))));
    samples["firstToken"]?.push(
      await timed(async () => {
        const stream = await client.messages.create({ ...request(`first ${run}`, 10), stream: true });
        for await (const event of stream) if (event.type === "content_block_delta") break;
      }),
    );
  }
  const closing = app.close();
  app.server.closeAllConnections();
  await closing;
  await engine.dispose();
  const usage = monitor.stop();
  const latenciesMs = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
  const normalized = Object.fromEntries(Object.entries(latenciesMs).map(([name, value]) => [name, value / calibrationMs]));
  return { calibrationMs, latenciesMs, normalized, peakRssMb: Math.round(usage.rssBytes.peak / 1024 / 1024) };
}

function compare(current: Measurements, baseline: Measurements): string[] {
  const failures: string[] = [];
  for (const [name, value] of Object.entries(current.normalized)) {
    const before = baseline.normalized[name];
    if (before !== undefined && value > before * (1 + latencyTolerance)) {
      failures.push(`${name}: ${value.toFixed(2)} vs baseline ${before.toFixed(2)} (+${((value / before - 1) * 100).toFixed(1)} %, limit +10 %)`);
    }
  }
  if (current.peakRssMb > baseline.peakRssMb * (1 + memoryTolerance)) {
    failures.push(`peak RSS: ${current.peakRssMb} MB vs baseline ${baseline.peakRssMb} MB (limit +5 %)`);
  }
  return failures;
}

const program = new Command()
  .option("--check", "compare with the baseline and exit 1 on a regression")
  .option("--update-baseline", "write this run as the new baseline")
  .option("--threads <n>", "CPU threads", (value) => Number(value), 1)
  .option("--runs <n>", "runs per measurement (median)", (value) => Number(value), 5);
program.parse();
const options = program.opts<{ check?: boolean; updateBaseline?: boolean; threads: number; runs: number }>();

// The real qwen2 vocabulary when ../shared has it (the built-in one is mostly padding, whose tokens print
// nothing, so there would be no first token to time); each vocabulary has its own baseline file.
const sharedVocabulary = path.resolve(repoRoot, "../shared/vocab/ggml-vocab-qwen2.gguf");
const vocabulary = existsSync(sharedVocabulary) ? "qwen2" : "builtin";
const baselinePath = path.join(repoRoot, "bench", "baselines", `regression-${vocabulary}.json`);
const modelPath = path.join(repoRoot, ".cache", "bench-models", `regression-qwen2.5-0.5b-q4_0-${vocabulary}-g${generatorVersion}.gguf`);
if (!existsSync(modelPath)) {
  await makeModel({ shape: "qwen2.5-0.5b", type: "q4_0", outputPath: modelPath, ...(vocabulary === "qwen2" ? { vocabularyPath: sharedVocabulary } : {}) });
}
const result = await measure(modelPath, options.threads, options.runs);
const record = { date: new Date().toISOString(), model: path.basename(modelPath), threads: options.threads, runs: options.runs, ...result };
const resultsFolder = path.join(repoRoot, "bench", "results");
await mkdir(resultsFolder, { recursive: true });
await writeFile(path.join(resultsFolder, `regression-${record.date.replace(/[:.]/g, "-")}.json`), `${JSON.stringify(record, null, 2)}\n`);
console.log(JSON.stringify(record, null, 2));

if (options.updateBaseline === true) {
  await mkdir(path.dirname(baselinePath), { recursive: true });
  // The ratios against llama-server (written by `npm run bench -- --anchor llama-server --update-baseline`) stay.
  await writeFile(baselinePath, `${JSON.stringify(await keepAnchorBaseline(baselinePath, record), null, 2)}\n`);
  console.log(`baseline written: ${path.relative(repoRoot, baselinePath)}`);
} else if (options.check === true) {
  if (!existsSync(baselinePath)) {
    console.error("no baseline yet: run `npm run bench:check -- --update-baseline` once");
    process.exit(1);
  }
  const baseline = JSON.parse(await readFile(baselinePath, "utf8")) as Measurements;
  const failures = compare(result, baseline);
  if (failures.length > 0) {
    console.error(`performance regression:\n  ${failures.join("\n  ")}`);
    process.exit(1);
  }
  console.log("no regression against the baseline");
}
