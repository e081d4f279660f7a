// Run by `samplerMemory` in a process of its own, whose glibc maps every allocation of 128 KiB or more by itself
// (MALLOC_MMAP_THRESHOLD_), so that what is freed leaves the resident set at once. Prints, as JSON, how the
// anonymous resident memory moved around one greedy and one sampled evaluation of the model named in argv.
import { readFileSync } from "node:fs";
import { getLlama, LlamaLogLevel, type SequenceEvaluateOptions } from "node-llama-cpp";
import { parseProcFieldBytes } from "../../src/util/read-process-usage.js";

// From the page tables (smaps_rollup), not /proc/self/status's RssAnon: a counter that threads update in batches.
const anonymousBytes = (): number => parseProcFieldBytes(readFileSync("/proc/self/smaps_rollup", "utf8"), "Anonymous") ?? 0;
// An evaluation disposes its sampler under the sampler's lock, after the evaluation has returned: one turn of the
// event loop lets that run.
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const modelPath = process.argv[2];
if (modelPath === undefined) throw new Error("usage: sampler-memory-child <model.gguf>");
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: 1024, sequences: 1, threads: 1 });
const sequence = context.getSequence();
const prompt = model.tokenize("The harbour master keeps a log");

/** Generates four tokens; `whileGenerating` runs after the first, while the evaluation (and its sampler) lives. */
async function generate(options: SequenceEvaluateOptions, whileGenerating: () => void = () => {}): Promise<void> {
  let generated = 0;
  for await (const token of sequence.evaluate(prompt, options)) {
    void token;
    if (++generated === 1) whileGenerating();
    if (generated === 4) break;
  }
}

// The first evaluations touch what every later one reuses (the compute buffer's pages, the logits).
await generate({ temperature: 0 });
await generate({ temperature: 0.8, seed: 1 });
await settled();

let before = anonymousBytes();
let greedyWhileGenerating = 0;
await generate({ temperature: 0 }, () => (greedyWhileGenerating = anonymousBytes() - before));

await settled();
before = anonymousBytes();
let sampledWhileGenerating = 0;
await generate({ temperature: 0.8, seed: 2 }, () => (sampledWhileGenerating = anonymousBytes() - before));
await settled();
const sampledAfter = anonymousBytes() - before;

// llama.cpp's llama_token_data: a token id and two floats for each token of the vocabulary.
const candidateArrayBytes = (model.fileInfo.metadata.tokenizer.ggml.tokens?.length ?? 0) * 12;
console.log(JSON.stringify({ buildType: llama.buildType, candidateArrayBytes, greedyWhileGenerating, sampledWhileGenerating, sampledAfter }));
await context.dispose();
await model.dispose();
await llama.dispose();
