/**
 * What prompt-lookup speculative decoding gains when the reply copies the prompt:
 * `npx tsx bench/prompt-lookup-bench.ts [--words 150] [--runs 5] [--threads 1] [--model <gguf> --prompt-tokens 2600]`.
 * A scripted model (one layer, zero attention and feed-forward weights: each token leads to the next word of
 * its sentence) answers a sentence of distinct common words; the prompt asks to copy that sentence, so each draft
 * found in the prompt is right. Two servers, prompt lookup on and off, greedy, runs alternating; output tokens per
 * second of the whole request (the prompt is cached after the first run). Random weights cannot show the gain on real text, and this model's forward pass costs
 * almost nothing: the figure is what drafts save per token of the engine's fixed cost (one decode call, the
 * sampling, LlamaChat's per-token work), an upper bound for a model that copies, not a real model's speed-up.
 * `--model` measures the other side instead: what prompt lookup costs where its drafts are rarely right (a
 * random-weight model writing noise after a filler prompt), with the same two servers.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { makeScriptedModel } from "../src/models/generator/make-model.js";
import { commonEnglishWords } from "../src/models/generator/common-english-words.js";
import { startTestServer, type TestServer } from "../test/helpers/servers/index.js";
import { timedStream } from "./anchor/timed-stream.js";

const program = new Command("prompt-lookup-bench")
  .option("--words <n>", "words in the copied sentence", Number, 150)
  .option("--runs <n>", "runs per server, alternating", Number, 5)
  .option("--threads <n>", "threads of both servers", Number, 1)
  .option("--model <gguf>", "a model of random weights instead of the copying one")
  .option("--prompt-tokens <n>", "about this many filler tokens of prompt with --model", Number, 2600)
  .option("--decode-tokens <n>", "tokens generated per request with --model", Number, 128);
const options = program.parse().opts<{ words: number; runs: number; threads: number; model?: string; promptTokens: number; decodeTokens: number }>();

// One token per word, each distinct: words that are no prefix of another chosen word tokenize whole.
const words = commonEnglishWords.filter((word) => word.length > 1 && !commonEnglishWords.some((other) => other !== word && other.startsWith(word)));
const sentence = words.slice(0, options.words).join(" ");

const folder = await mkdtemp(path.join(os.tmpdir(), "pensieve-lookup-bench-"));
const servers: { on?: TestServer; off?: TestServer } = {};
try {
  const modelPath = options.model ?? path.join(folder, "copy.gguf");
  if (options.model === undefined) await makeScriptedModel({ outputPath: modelPath, sentence });
  const filler = "The quick brown fox jumps over the lazy dog while the sun sets slowly behind the distant hills. ";
  // About 20 tokens a sentence in the built-in and qwen2 vocabularies.
  const content = options.model === undefined ? `Copy this text exactly:\n${sentence}` : `Decode\n${filler.repeat(Math.ceil(options.promptTokens / 20))}`;
  const settings = { threads: options.threads, contextSize: Math.max(4096, options.promptTokens * 3), clientTimeoutMs: 600_000 };
  servers.on = await startTestServer(modelPath, { ...settings, promptLookup: true });
  servers.off = await startTestServer(modelPath, { ...settings, promptLookup: false });
  const request = {
    model: "bench",
    max_tokens: options.model === undefined ? options.words * 2 : options.decodeTokens,
    temperature: 0,
    stream: true as const,
    messages: [{ role: "user" as const, content }],
  } as Parameters<typeof timedStream>[1];
  const speeds: { on: number[]; off: number[] } = { on: [], off: [] };
  let outputTokens = 0;
  for (let run = 0; run < options.runs; run += 1) {
    for (const side of ["on", "off"] as const) {
      const timing = await timedStream(servers[side]!.client, request);
      // Over the whole request: with the prompt cached after the first run, it is nearly all decoding, and a reply
      // whose text arrives late (noise that LlamaChat holds back) still counts right.
      speeds[side].push(timing.outputTokens / timing.totalSeconds);
      outputTokens = timing.outputTokens;
    }
    process.stderr.write(`run ${run + 1}/${options.runs}: on ${speeds.on.at(-1)?.toFixed(1)}, off ${speeds.off.at(-1)?.toFixed(1)} tokens/s\n`);
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const stats = servers.on.engine.stats();
  const drafted = stats.draftTokensAccepted + stats.draftTokensRejected;
  console.log(
    JSON.stringify(
      {
        model: options.model ?? `scripted copy of ${options.words} words`,
        outputTokens,
        threads: options.threads,
        runs: options.runs,
        decodeTokensPerSecond: { promptLookup: median(speeds.on), without: median(speeds.off) },
        speedUp: median(speeds.on) / median(speeds.off),
        draftTokens: { accepted: stats.draftTokensAccepted, rejected: stats.draftTokensRejected, acceptance: drafted === 0 ? 0 : stats.draftTokensAccepted / drafted },
        loadAverage: os.loadavg(),
      },
      null,
      2,
    ),
  );
} finally {
  await servers.on?.close();
  await servers.off?.close();
  await rm(folder, { recursive: true, force: true });
}
