/**
 * Run as its own process: for each load asked for, loads a model on the CPU the way the server does (file read,
 * not mapped), creates a context, evaluates a prompt and takes a checkpoint, and prints one JSON line with the
 * buffer sizes llama.cpp reports in its log (model, KV cache, recurrent state, compute, output), the checkpoint
 * bytes node-llama-cpp holds, and the RSS growth over that load. Several loads share the process start (the
 * runtime costs seconds); only the first one's RSS growth is clean of the loads before it.
 * Usage: MODEL CONTEXT SEQUENCES PROMPT_TOKENS [MODEL CONTEXT SEQUENCES PROMPT_TOKENS ...].
 */
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { hasLazyKvCache } from "./lazy-kv-cache.js";

const parameters = process.argv.slice(2);
if (parameters.length === 0 || parameters.length % 4 !== 0) throw new Error("usage: MODEL CONTEXT SEQUENCES PROMPT_TOKENS [...]");
const rss = (): number => process.memoryUsage.rss();
const mib = 1024 * 1024;

const log: string[] = [];
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.info, logger: (_level, message) => log.push(message) });
for (let index = 0; index < parameters.length; index += 4) {
  const [modelPath = "", contextArgument = "", sequencesArgument = "", promptTokens = ""] = parameters.slice(index, index + 4);
  log.length = 0;
  const before = rss();
  const model = await llama.loadModel({ modelPath, useMmap: false });
  // As `loadModel` does on the CPU: no simulated free-RAM check, whose vocabulary copy would stay in the RSS measured.
  const context = await model.createContext({ contextSize: Number(contextArgument), sequences: Number(sequencesArgument), threads: 2, ignoreMemorySafetyChecks: true });
  const sequence = context.getSequence();
  // Ordinary tokens (ids 64-319 of any vocabulary), exactly as many as asked.
  const prompt = Array.from({ length: Number(promptTokens) }, (_, position) => ((position * 7919) % 256) + 64) as Token[];
  await sequence.evaluateWithoutGeneratingNewTokens(prompt);
  const checkpointsBefore = sequence.checkpointsMemoryUsage;
  await sequence.takeCheckpoint();
  const checkpointBytes = sequence.checkpointsMemoryUsage - checkpointsBefore;
  const measuredBytes = rss() - before;

  /** The sum of every `<what> buffer size = <n> MiB` line, in bytes. */
  const bufferBytes = (what: RegExp): number =>
    log
      .flatMap((line) => line.split("\n"))
      .filter((line) => what.test(line))
      .reduce((sum, line) => sum + Number(/=\s*([\d.]+) MiB/.exec(line)?.[1] ?? 0) * mib, 0);

  console.log(
    JSON.stringify({
      contextSize: context.contextSize,
      lazyKvCache: hasLazyKvCache(llama),
      batchSize: context.batchSize,
      needsCheckpoints: sequence.needsCheckpoints,
      modelBytes: bufferBytes(/model buffer size =/),
      kvCacheBytes: bufferBytes(/KV buffer size =/),
      recurrentStateBytes: bufferBytes(/RS buffer size =/),
      computeBytes: bufferBytes(/compute buffer size =/),
      outputBytes: bufferBytes(/output buffer size =/),
      checkpointBytes,
      measuredBytes,
    }),
  );
  await context.dispose();
  await model.dispose();
}
