/**
 * Run as its own process: loads a model through the engine with a memory limit, generates a few tokens so
 * every weight page is touched, and prints one JSON line with the engine's estimate and the measured RSS
 * growth. Memory must be measured in a process of its own, so test/integration/memory-budget.test.ts spawns it.
 */
import { getLlama, readGgufFileInfo } from "node-llama-cpp";
import { LlamaEngine } from "../../src/engine/llama/llama-engine.js";
import { memoryShapeFromGguf } from "../../src/engine/llama/memory-shape-from-gguf.js";
import { textRequest } from "./generation-requests.js";
import { filledKvCacheBytes, hasLazyKvCache } from "./lazy-kv-cache.js";

const [modelPath, limitGib, contextSize] = process.argv.slice(2);
if (modelPath === undefined || limitGib === undefined || contextSize === undefined) throw new Error("usage: MODEL LIMIT_GIB CONTEXT");
const rss = (): number => process.memoryUsage.rss();

// Load the native library first, so its own memory is not counted as the model's.
const llama = await getLlama({ gpu: false, build: "never" });
const lazyKvCache = hasLazyKvCache(llama);
await llama.dispose();
const before = rss();
let plan = "";
const engine = LlamaEngine.start({
  modelPath,
  threads: 2,
  gpu: false,
  contextSize: Number(contextSize),
  memoryLimitBytes: Number(limitGib) * 1024 ** 3,
  log: (_level, message) => {
    if (message.startsWith("memory plan")) plan = message;
  },
});
const status = await engine.whenSettled();
if (status.state === "ready") {
  for await (const _event of engine.generate(textRequest("Hello", 4), new AbortController().signal)) {
    // drain
  }
}
const estimateMib = Number(/about (\d+) MiB/.exec(plan)?.[1] ?? Number.NaN);
// The cells this short exchange never reached (it stays within the first 256) are not resident in a lazy cache.
const shape = memoryShapeFromGguf(await readGgufFileInfo(modelPath, { readTensorInfo: true }));
const unreachedKvMib = lazyKvCache ? Math.round((filledKvCacheBytes(shape, Number(contextSize)) - filledKvCacheBytes(shape, 256)) / 1024 / 1024) : 0;
console.log(
  JSON.stringify({
    state: status.state,
    reason: status.state === "failed" ? status.reason : null,
    estimateMib,
    residentEstimateMib: estimateMib - unreachedKvMib,
    measuredMib: Math.round((rss() - before) / 1024 / 1024),
  }),
);
await engine.dispose();
