/**
 * Pensieve against llama-server on the same GGUF, side by side: `npm run bench -- --anchor llama-server`.
 * llama-server is built once from the llama.cpp source inside node-llama-cpp (the commit Pensieve runs) and cached
 * outside the repository; both servers run as their own processes with matched settings, driven by the same
 * streaming Anthropic SDK client, runs alternating (Pensieve run 1, llama-server run 1, Pensieve run 2, …).
 * Writes bench/results/anchor-llama-server-<time>.json and .svg, prints a table; `--update-docs` also writes
 * docs/bench.svg; `--check` / `--update-baseline` compare with / store the ratios in the regression baseline;
 * `--chart-from <results.json>` draws a saved run's chart again without measuring.
 */
import { existsSync } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command, Option } from "commander";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { modelShapes, type ModelShapeName } from "../../src/models/generator/model-shapes.js";
import type { ModelWeightType } from "../../src/models/generator/model-weight-type.js";
import { anchorChart, readAnchorResults } from "./anchor-chart.js";
import { anchorMismatch, compareAnchorRatios, defaultAnchorTolerance, readAnchorBaseline, writeAnchorBaseline, type AnchorBaseline } from "./anchor-baseline.js";
import { figureResult, type FigureResult, type Sample } from "./anchor-figures.js";
import { anchorModel } from "./anchor-model.js";
import { pensieveBatchSize, type BenchServer, type ServerSettings } from "./bench-server.js";
import { defaultLlamaServerCacheFolder, ensureLlamaServer, shellWords, type LlamaServerBuild } from "./build-llama-server.js";
import type { AnchorKernels } from "./llama-server-kernels.js";
import { loadedCpuKernels } from "./loaded-cpu-kernels.js";
import { printAnchorTable } from "./print-anchor-table.js";
import { startLlamaServer } from "./llama-server-process.js";
import { mainThreadCpuSeconds } from "./main-thread-cpu-seconds.js";
import { startPensieve } from "./pensieve-process.js";
import { claudeCodeScenario, concurrencyScenario, decodeScenario, prefillScenario, PromptSizer, tokenCount, warmUp, type Scenario } from "./scenarios.js";
import { waitUntilIdle } from "./wait-until-idle.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

interface AnchorOptions {
  anchor: "llama-server";
  llamaServer?: string;
  llamaCppSource?: string;
  shape: ModelShapeName;
  type: ModelWeightType;
  vocabulary?: string;
  threads: number;
  decodeThreads?: number;
  runs: number;
  decodeTokens: number;
  decodeContexts: number[];
  prefillTokens: number;
  contextSize: number;
  concurrency: number[];
  concurrencyContext: number;
  scenarios: string;
  pensieveChatFormat: string;
  check?: boolean;
  updateBaseline?: boolean;
  anchorTolerance: number;
  updateDocs?: boolean;
  chartFrom?: string;
  json?: boolean;
}

/** A pair of servers with the same settings, and what they were started with. */
interface ServerGroup {
  readonly label: string;
  readonly settings: ServerSettings;
  readonly pensieveCommandLine: readonly string[];
  readonly llamaServerCommandLine: readonly string[];
  readonly llamaServerFlashAttention: string | null;
  /** The llama.cpp CPU libraries each server had mapped after its warm-up: the kernels it really ran. */
  readonly cpuKernels: { readonly pensieve: readonly string[]; readonly llamaServer: readonly string[] };
}

const positive = (value: string): number => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`expected a positive integer, got ${value}`);
  return number;
};
const positiveList = (value: string): number[] => value.split(",").map((item) => positive(item.trim()));

function anchorProgram(): Command {
  const sharedVocabulary = path.resolve(repoRoot, "../shared/vocab/ggml-vocab-qwen2.gguf");
  return new Command("npm run bench -- --anchor llama-server")
    .addOption(new Option("--anchor <server>", "the server to measure against").choices(["llama-server"]).makeOptionMandatory())
    .addOption(new Option("--llama-server <path>", "an existing llama-server binary (default: build and cache one)").env("PENSIEVE_LLAMA_SERVER"))
    .addOption(new Option("--llama-cpp-source <folder>", "a llama.cpp clone at node-llama-cpp's commit, for the chat template").env("PENSIEVE_LLAMA_CPP_SOURCE"))
    .addOption(new Option("--shape <shape>").choices(["tiny", "qwen2.5-0.5b", "phi3-mini"]).default("qwen2.5-0.5b"))
    .addOption(new Option("--type <type>").choices(["f16", "q8_0", "q4_0"]).default("q4_0"))
    .option("--threads <n>", "threads for prompts and batches, both servers", positive, os.availableParallelism())
    .option("--decode-threads <n>", "llama-server's --threads, for one sequence's decoding (default: --threads, llama-server's own rule; Pensieve uses --threads for every batch)", positive)
    .option("--runs <n>", "runs per figure, alternating servers (median reported)", positive, 3)
    .option("--decode-tokens <n>", "tokens generated per decode and concurrency request", positive, 256)
    .addOption(new Option("--decode-contexts <list>", "prompt tokens before decoding, comma-separated").argParser(positiveList).default([2600, 11000], "2600,11000"))
    .option("--prefill-tokens <n>", "prompt tokens of the prefill figure", positive, 8000)
    .option("--context-size <n>", "context of the single-sequence servers (decode, prefill, Claude Code)", positive, 32768)
    .addOption(new Option("--concurrency <list>", "concurrent requests, one server pair with --parallel N each").argParser(positiveList).default([1, 4, 8], "1,4,8"))
    .option("--concurrency-context <n>", "context per sequence of the concurrency servers", positive, 4096)
    .option("--scenarios <list>", "decode, prefill, claude-code, concurrency", "decode,prefill,claude-code,concurrency")
    .option("--pensieve-chat-format <name>", "Pensieve's --chat-format (jinja: the template llama-server renders)", "jinja")
    .option("--check", "compare the ratios with the baseline's and exit 1 when Pensieve lost ground")
    .option("--update-baseline", "store this run's ratios in the regression baseline")
    .option("--anchor-tolerance <fraction>", "how much a ratio may worsen before --check fails", Number, defaultAnchorTolerance)
    .option("--update-docs", "also write the chart to docs/bench.svg")
    .option("--chart-from <results.json>", "measure nothing: draw the chart of a saved run beside it (and docs/bench.svg with --update-docs)")
    .option("--json", "print only the JSON")
    .addOption(new Option("--vocabulary <path>", "vocabulary GGUF (default: ../shared/vocab/ggml-vocab-qwen2.gguf when present, else built in)").default(existsSync(sharedVocabulary) ? sharedVocabulary : undefined));
}

/** Runs the anchor bench with `npm run bench`'s arguments; resolves to the exit code. */
export async function runAnchorBench(argv: readonly string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (error) {
    process.stderr.write(`anchor bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

async function run(argv: readonly string[]): Promise<number> {
  const program = anchorProgram();
  program.parse([...argv], { from: "user" });
  const options = program.opts<AnchorOptions>();
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  if (options.vocabulary !== undefined && !existsSync(options.vocabulary)) throw new Error(`--vocabulary ${options.vocabulary}: no such file`);
  const decodeThreads = options.decodeThreads ?? options.threads;
  if (decodeThreads > options.threads) throw new Error("--decode-threads cannot exceed --threads");
  if (options.runs < 3) log(`note: --runs ${options.runs}: medians need at least 3 runs to mean anything`);
  const scenarios = new Set(options.scenarios.split(",").map((name) => name.trim()));
  if (options.chartFrom !== undefined) {
    // Draws a saved run again (a newer chart layout, or docs/bench.svg from a run made elsewhere): nothing is measured.
    await writeCharts(options.chartFrom.replace(/\.json$/, ""), anchorChart(await readAnchorResults(options.chartFrom)), options);
    log(`chart: ${options.chartFrom.replace(/\.json$/, ".svg")}${options.updateDocs === true ? ", docs/bench.svg" : ""}`);
    return 0;
  }

  const build = await ensureLlamaServer({
    ...(options.llamaServer !== undefined ? { binary: options.llamaServer } : {}),
    ...(options.llamaCppSource !== undefined ? { sourceFolder: options.llamaCppSource } : {}),
    cacheFolder: defaultLlamaServerCacheFolder(process.env),
    log,
  });
  log(`llama-server: ${build.binaryPath} (${build.version})`);
  const pensieveBinaries = await pensieveLlamaBinaries();
  log(`Pensieve: ${pensieveBinaries}`);
  const modelPath = await anchorModel({
    shape: options.shape,
    type: options.type,
    chatTemplate: build.chatTemplate,
    ...(options.vocabulary !== undefined ? { vocabularyPath: options.vocabulary } : {}),
  });
  log(`model: ${modelPath}`);
  const base = { modelPath, threads: options.threads, decodeThreads };

  const speedFigures: FigureResult[] = [];
  const memoryFigures: FigureResult[] = [];
  const groups: ServerGroup[] = [];
  const singleScenarios = singleSequenceScenarios(options, scenarios);
  if (singleScenarios.length > 0) {
    const settings = { ...base, contextPerSequence: options.contextSize, parallel: 1 };
    const group = await withServerPair(build, settings, options, log, async (pair) => {
      const sizer = new PromptSizer(pair.pensieve.client);
      for (const make of singleScenarios) speedFigures.push(...(await alternate(pair, make(sizer), options.runs, log)));
    });
    groups.push(group.group);
    memoryFigures.push(group.memory);
  }
  if (scenarios.has("concurrency")) {
    for (const clients of options.concurrency) {
      const settings = { ...base, contextPerSequence: options.concurrencyContext, parallel: clients };
      const group = await withServerPair(build, settings, options, log, async (pair) => {
        speedFigures.push(...(await alternate(pair, concurrencyScenario(clients, options.decodeTokens), options.runs, log)));
      });
      groups.push(group.group);
      memoryFigures.push(group.memory);
    }
  }

  const figures = [...speedFigures, ...memoryFigures];
  const date = new Date().toISOString();
  const modelFile = { shape: options.shape, type: options.type, file: path.basename(modelPath), bytes: (await stat(modelPath)).size };
  const ratios = Object.fromEntries(figures.map((figure) => [figure.id, { ratio: figure.ratio, better: figure.better }]));
  const result = {
    date,
    against: "llama-server",
    machine: { cpus: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? "unknown", node: process.version, platform: `${process.platform} ${os.release()}` },
    llamaCpp: { commit: build.commit, release: build.release, binary: build.binaryPath, version: build.version, versionMatchesBundle: build.versionMatchesBundle, cmakeFlags: build.builtHere?.cmakeFlags ?? null, kernels: anchorKernels(build) },
    model: { ...modelFile, vocabulary: options.vocabulary === undefined ? "built-in" : path.basename(options.vocabulary), chatTemplate: path.basename(build.chatTemplatePath) },
    settings: {
      threads: options.threads,
      decodeThreads,
      runs: options.runs,
      decodeTokens: options.decodeTokens,
      decodeContexts: options.decodeContexts,
      prefillTokens: options.prefillTokens,
      singleSequenceContext: options.contextSize,
      concurrency: options.concurrency,
      concurrencyContextPerSequence: options.concurrencyContext,
      temperature: 0,
      pensieveChatFormat: options.pensieveChatFormat,
    },
    matched: matchedSettings(options, build, groups, pensieveBinaries),
    servers: groups,
    figures,
    ratios,
  };
  const resultsFolder = path.join(repoRoot, "bench", "results");
  await mkdir(resultsFolder, { recursive: true });
  const stem = path.join(resultsFolder, `anchor-llama-server-${date.replace(/[:.]/g, "-")}`);
  await writeFile(`${stem}.json`, `${JSON.stringify(result, null, 2)}\n`);
  await writeCharts(stem, anchorChart(result), options);
  if (options.json === true) console.log(JSON.stringify(result, null, 2));
  else printAnchorTable(result.model.file, options.threads, decodeThreads, options.runs, figures);
  log(`results: ${path.relative(repoRoot, stem)}.json and .svg${options.updateDocs === true ? ", docs/bench.svg" : ""}`);

  const anchor: AnchorBaseline = {
    against: "llama-server",
    date,
    llamaCppCommit: build.commit,
    model: modelFile,
    threads: options.threads,
    decodeThreads,
    runs: options.runs,
    llamaServerKernels: anchorKernels(build),
    ratios,
  };
  return checkOrUpdateBaseline(anchor, options, log);
}

/** Writes the chart beside the results (`<stem>.svg`) and, with `--update-docs`, as docs/bench.svg. */
async function writeCharts(stem: string, chart: string, options: Pick<AnchorOptions, "updateDocs">): Promise<void> {
  await writeFile(`${stem}.svg`, chart);
  if (options.updateDocs === true) {
    await mkdir(path.join(repoRoot, "docs"), { recursive: true });
    await writeFile(path.join(repoRoot, "docs", "bench.svg"), chart);
  }
}

function singleSequenceScenarios(options: AnchorOptions, scenarios: ReadonlySet<string>): ((sizer: PromptSizer) => Scenario)[] {
  return [
    ...(scenarios.has("decode") ? options.decodeContexts.map((context) => (sizer: PromptSizer) => decodeScenario(sizer, context, options.decodeTokens)) : []),
    ...(scenarios.has("prefill") ? [(sizer: PromptSizer) => prefillScenario(sizer, options.prefillTokens)] : []),
    ...(scenarios.has("claude-code") ? [() => claudeCodeScenario()] : []),
  ];
}

/** Starts Pensieve, then llama-server, with the same settings; runs `work`; stops both; reports their peak RSS. */
async function withServerPair(
  build: LlamaServerBuild,
  settings: ServerSettings,
  options: AnchorOptions,
  log: (line: string) => void,
  work: (pair: { pensieve: BenchServer; llamaServer: BenchServer }) => Promise<void>,
): Promise<{ group: ServerGroup; memory: FigureResult }> {
  const label = `${settings.parallel} × ${settings.contextPerSequence}`;
  log(`starting both servers: ${settings.parallel} sequence(s) × ${settings.contextPerSequence} tokens, ${settings.threads} threads (${settings.decodeThreads} decode)`);
  const pensieve = await startPensieve(settings, options.pensieveChatFormat);
  try {
    const llamaServer = await startLlamaServer(build.binaryPath, settings, build.chatTemplatePath, modelShapes[options.shape].contextLength);
    try {
      await warmUp(pensieve);
      await warmUp(llamaServer);
      const cpuKernels = { pensieve: await loadedCpuKernels(await pensieve.pid()), llamaServer: await loadedCpuKernels(await llamaServer.pid()) };
      if (cpuKernels.pensieve.join() !== cpuKernels.llamaServer.join()) {
        const named = (names: readonly string[]) => (names.length === 0 ? "none mapped (linked in)" : names.join(", "));
        log(`warning: the servers run different CPU kernels: Pensieve ${named(cpuKernels.pensieve)}, llama-server ${named(cpuKernels.llamaServer)}`);
      }
      await work({ pensieve, llamaServer });
      const megabytes = (bytes: number): Sample => ({ value: Math.round(bytes / 1_000_000) });
      const memory = figureResult(
        { id: `peak-rss@${settings.parallel}x${settings.contextPerSequence}`, label: `peak RSS, ${settings.parallel} × ${tokenCount(settings.contextPerSequence)} context`, unit: "MB", better: "lower" },
        [megabytes(pensieve.peakRssBytes())],
        [megabytes(llamaServer.peakRssBytes())],
      );
      const group = { label, settings, pensieveCommandLine: pensieve.commandLine, llamaServerCommandLine: llamaServer.commandLine, llamaServerFlashAttention: llamaServer.flashAttention, cpuKernels };
      return { group, memory };
    } finally {
      await llamaServer.stop();
    }
  } finally {
    await pensieve.stop();
  }
}

/**
 * Pensieve run 1, llama-server run 1, Pensieve run 2, …; the medians of each figure. After each run the bench
 * waits until that server is idle, so that its work after the reply (Pensieve's next-turn preparation: about
 * 1.9 s of CPU after a 256-token reply) is not paid for by the other server's run.
 */
async function alternate(pair: { pensieve: BenchServer; llamaServer: BenchServer }, scenario: Scenario, runs: number, log: (line: string) => void): Promise<FigureResult[]> {
  const samples = { pensieve: new Map<string, Sample[]>(), llamaServer: new Map<string, Sample[]>() };
  for (let run = 0; run < runs; run += 1) {
    for (const side of ["pensieve", "llamaServer"] as const) {
      const pid = await pair[side].pid();
      const mainThreadBefore = side === "pensieve" ? await mainThreadCpuSeconds(pid) : 0;
      const measured = await scenario.run(pair[side], run);
      if (side === "pensieve") logJavaScriptCostPerToken(measured, (await mainThreadCpuSeconds(pid)) - mainThreadBefore, log);
      const idle = await waitUntilIdle(pid);
      if (idle.busySeconds > 0) log(`    ${pair[side].name} worked on for ${idle.busySeconds.toFixed(1)} s after its run (${idle.cpuSeconds.toFixed(1)} s of CPU)`);
      for (const [id, sample] of Object.entries(measured)) samples[side].set(id, [...(samples[side].get(id) ?? []), sample]);
    }
    for (const figure of scenario.figures) {
      const last = (side: "pensieve" | "llamaServer") => samples[side].get(figure.id)?.at(-1)?.value.toFixed(2) ?? "–";
      log(`  ${figure.id} run ${run + 1}/${runs}: Pensieve ${last("pensieve")}, llama-server ${last("llamaServer")} ${figure.unit}`);
    }
  }
  return scenario.figures.map((figure) => figureResult(figure, samples.pensieve.get(figure.id) ?? [], samples.llamaServer.get(figure.id) ?? []));
}

/**
 * Pensieve's JavaScript thread's CPU time over a run, per output token, for runs that generate enough tokens to
 * say: the main thread's share of decode time (V8's helper threads and libuv's workers are not counted).
 */
function logJavaScriptCostPerToken(measured: Record<string, Sample>, mainThreadSeconds: number, log: (line: string) => void): void {
  const outputTokens = Object.values(measured).reduce((sum, sample) => sum + (sample.outputTokens ?? 0), 0);
  if (outputTokens < 64) return;
  log(`    pensieve's JavaScript thread: ${((mainThreadSeconds * 1000) / outputTokens).toFixed(2)} ms of CPU per output token`);
}

/** Which llama.cpp binaries a CPU-only Pensieve loads: a build from `npm run build:engine` wins over the prebuilt. */
async function pensieveLlamaBinaries(): Promise<string> {
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const buildType = llama.buildType;
  await llama.dispose();
  return buildType === "localBuild"
    ? "node-llama-cpp's addon built on this machine by npm run build:engine (the patch's per-context thread pool), with the prebuilt llama.cpp libraries"
    : "node-llama-cpp's prebuilt llama.cpp (CPU variant chosen at run time for this CPU; no thread pool kept between tokens)";
}

/** Every setting that could differ between the servers, and how each side was set. */
function matchedSettings(options: AnchorOptions, build: LlamaServerBuild, groups: readonly ServerGroup[], pensieveBinaries: string) {
  const flashAttention = [...new Set(groups.map((group) => group.llamaServerFlashAttention ?? "not logged"))].join(", ");
  return {
    threads: "Pensieve --threads T for every batch; llama-server --threads-batch T --threads D (D for one sequence's token-by-token decode; D = T unless --decode-threads says otherwise)",
    context: "Pensieve --ctx-size C --parallel N (C per sequence); llama-server --ctx-size C×N --parallel N --no-kv-unified (C per slot)",
    batch: `n_batch = n_ubatch = min(C × N, 512), node-llama-cpp's default (e.g. ${pensieveBatchSize({ contextPerSequence: options.contextSize, parallel: 1 })})`,
    flashAttention: { pensieve: "auto (node-llama-cpp's default; resolved by the same llama.cpp code, not logged)", llamaServer: `auto, resolved: ${flashAttention}` },
    kvCache: "f16 keys and values on both",
    modelLoading: { pensieve: "read into memory, no mmap (Pensieve's CPU default)", llamaServer: "--load-mode none (no mmap)" },
    promptCaching: {
      pensieve: "each sequence reuses the prefix it holds; disk prompt cache off (--no-prompt-cache)",
      llamaServer: "cache_prompt on (each slot reuses the prefix it holds); --cache-ram 0 (no RAM prompt cache); --cache-reuse 0 (no KV shifting)",
    },
    chatTemplate: `${path.basename(build.chatTemplatePath)} from llama.cpp ${build.commit.slice(0, 8)}: embedded in the GGUF for Pensieve (--chat-format ${options.pensieveChatFormat}), --jinja --chat-template-file for llama-server`,
    sampling: "temperature 0 (greedy) in every request; seed 1 on both",
    prompts: {
      note: "not matched, by design: compare the figures' promptTokens",
      pensieve:
        "tools' input_schema converted to its grammar subset before rendering ($schema dropped, ranges moved into the description, optional properties nullable); the x-anthropic-billing-header system block dropped",
      llamaServer: "tools' input_schema rendered as sent; the billing header kept with its cch= normalized",
    },
    trainingContext: "llama-server caps a slot at the model's training context; --override-kv llama.context_length only when the context asked for exceeds it (the tiny shape)",
    memoryFitting: "Pensieve --memory-limit off; llama-server --fit off",
    gpu: "CPU only: Pensieve --gpu cpu; llama-server built without GPU backends",
    webUi: "llama-server --no-webui",
    binaries: {
      pensieve: pensieveBinaries,
      llamaServer: describeLlamaServerBuild(build),
    },
  };
}

function anchorKernels(build: LlamaServerBuild): AnchorKernels {
  return build.builtHere?.kernels.kind ?? "given";
}

/** The results' one-line account of the llama-server binary: how it was built, with whose CPU kernels. */
function describeLlamaServerBuild(build: LlamaServerBuild): string {
  if (build.builtHere === undefined) return `given with --llama-server: ${build.binaryPath} (${build.version})`;
  const { kernels, cmakeFlags } = build.builtHere;
  const cmake = `built here from the same commit: cmake ${shellWords(cmakeFlags)}`;
  return kernels.kind === "prebuilt"
    ? `${cmake}; its own CPU library replaced by node-llama-cpp's prebuilt ones, the kernels Pensieve runs (${kernels.libraries.join(", ")}), ggml choosing the variant for this CPU as it does in Pensieve`
    : `${cmake} (GGML_NATIVE default: -march=native), its own CPU kernels: ${kernels.reason}`;
}

async function checkOrUpdateBaseline(anchor: AnchorBaseline, options: AnchorOptions, log: (line: string) => void): Promise<number> {
  if (options.check !== true && options.updateBaseline !== true) return 0;
  const vocabulary = options.vocabulary === undefined ? "builtin" : path.basename(options.vocabulary, ".gguf").replace(/^ggml-vocab-/, "");
  const baselinePath = path.join(repoRoot, "bench", "baselines", `regression-${vocabulary}.json`);
  if (options.updateBaseline === true) {
    await writeAnchorBaseline(baselinePath, anchor);
    log(`anchor ratios written into ${path.relative(repoRoot, baselinePath)}`);
    return 0;
  }
  const baseline = await readAnchorBaseline(baselinePath);
  if (baseline === null) {
    log(`${path.relative(repoRoot, baselinePath)} has no anchor ratios yet: run with --update-baseline once`);
    return 1;
  }
  const mismatch = anchorMismatch(anchor, baseline);
  if (mismatch !== null) {
    log(`cannot compare: ${mismatch}`);
    return 1;
  }
  const failures = compareAnchorRatios(anchor.ratios, baseline.ratios, options.anchorTolerance);
  if (failures.length > 0) {
    log(`Pensieve lost ground against llama-server:\n  ${failures.join("\n  ")}`);
    return 1;
  }
  log("no ratio lost ground against the baseline");
  return 0;
}
