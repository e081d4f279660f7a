/**
 * Regression benchmark with baselines: `npm run bench:check` fails (exit 1) when a latency grew more than 10 % or
 * peak memory more than 5 % against the baseline, bench/baselines/regression-<vocabulary>.json:
 * regression-qwen2.json with ../shared's qwen2 tokenizer (the one committed), regression-builtin.json without
 * it. `--update-baseline` rewrites that file. A baseline measured on another model shape, weight type,
 * vocabulary or thread count is refused (exit 2) before anything is measured.
 * Latencies are divided by a calibration measured in the same run (node-llama-cpp's raw milliseconds per
 * decoded token on the same model and threads), so a slower or busier machine does not read as a regression.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type Anthropic from "@anthropic-ai/sdk";
import { Command } from "commander";
import { getLlama } from "node-llama-cpp";
import { generatorVersion, makeModel } from "../src/models/generator/make-model.js";
import { PerformanceMonitor } from "../src/util/performance-monitor.js";
import { startTestServer } from "../test/helpers/servers/index.js";
import { BaselineMismatchError, checkSameSetup, compare, type Measurements, type RegressionSetup } from "./regression-baseline.js";
import { keepAnchorBaseline } from "./anchor/anchor-baseline.js";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

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
  // Ten samples a second, as when the baseline's peak RSS was measured; what they cost does not matter here.
  const monitor = new PerformanceMonitor({ samplesPerSecond: 10 });
  monitor.start();
  const server = await startTestServer(modelPath, { threads, contextSize: 1024, parallel: 4 });
  const { client } = server;
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
  await server.close();
  const usage = monitor.stop();
  const latenciesMs = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
  const normalized = Object.fromEntries(Object.entries(latenciesMs).map(([name, value]) => [name, value / calibrationMs]));
  return { calibrationMs, latenciesMs, normalized, peakRssMb: Math.round(usage.rssBytes.peak / 1024 / 1024) };
}

/** Ends the run when the baseline cannot be compared with it: exit 2, saying why. */
function refuseMismatch(error: unknown): never {
  if (!(error instanceof BaselineMismatchError)) throw error;
  console.error(`cannot compare: ${error.message}`);
  process.exit(2);
}

const program = new Command()
  .option("--check", "compare with the baseline: exit 1 on a regression, 2 when the baseline was measured on another setup")
  .option("--update-baseline", "write this run as the new baseline")
  .option("--threads <n>", "CPU threads", (value) => Number(value), 1)
  .option("--runs <n>", "runs per measurement (median)", (value) => Number(value), 5);
program.parse();
const options = program.opts<{ check?: boolean; updateBaseline?: boolean; threads: number; runs: number }>();

// The real qwen2 vocabulary when ../shared has it (the built-in one is mostly padding, whose tokens print
// nothing, so there would be no first token to time); each vocabulary has its own baseline file.
const sharedVocabulary = path.resolve(repoRoot, "../shared/vocab/ggml-vocab-qwen2.gguf");
const vocabulary = existsSync(sharedVocabulary) ? "qwen2" : "builtin";
const setup: RegressionSetup = { shape: "qwen2.5-0.5b", type: "q4_0", vocabulary, threads: options.threads };
const baselinePath = path.join(repoRoot, "bench", "baselines", `regression-${vocabulary}.json`);

let baseline: (Partial<RegressionSetup> & Measurements) | undefined;
if (options.check === true && options.updateBaseline !== true) {
  if (!existsSync(baselinePath)) {
    console.error("no baseline yet: run `npm run bench:check -- --update-baseline` once");
    process.exit(1);
  }
  baseline = JSON.parse(await readFile(baselinePath, "utf8")) as Partial<RegressionSetup> & Measurements;
  // Before minutes of measuring: a baseline of another setup cannot be compared whatever this run measures.
  try {
    checkSameSetup(setup, baseline);
  } catch (error) {
    refuseMismatch(error);
  }
}

const modelPath = path.join(repoRoot, ".cache", "bench-models", `regression-${setup.shape}-${setup.type}-${vocabulary}-g${generatorVersion}.gguf`);
if (!existsSync(modelPath)) {
  await makeModel({ shape: setup.shape, type: setup.type, outputPath: modelPath, ...(vocabulary === "qwen2" ? { vocabularyPath: sharedVocabulary } : {}) });
}
const result = await measure(modelPath, options.threads, options.runs);
const date = new Date().toISOString();
const record = { date, model: path.basename(modelPath), ...setup, runs: options.runs, ...result };
const resultsFolder = path.join(repoRoot, "bench", "results");
await mkdir(resultsFolder, { recursive: true });
await writeFile(path.join(resultsFolder, `regression-${date.replace(/[:.]/g, "-")}.json`), `${JSON.stringify(record, null, 2)}\n`);
console.log(JSON.stringify(record, null, 2));

if (options.updateBaseline === true) {
  await mkdir(path.dirname(baselinePath), { recursive: true });
  // The ratios against llama-server (written by `npm run bench -- --anchor llama-server --update-baseline`) stay.
  await writeFile(baselinePath, `${JSON.stringify(await keepAnchorBaseline(baselinePath, record), null, 2)}\n`);
  console.log(`baseline written: ${path.relative(repoRoot, baselinePath)}`);
} else if (baseline !== undefined) {
  let failures: string[] = [];
  try {
    failures = compare(record, baseline);
  } catch (error) {
    refuseMismatch(error);
  }
  if (failures.length > 0) {
    console.error(`performance regression:\n  ${failures.join("\n  ")}`);
    process.exit(1);
  }
  console.log("no regression against the baseline");
}
