/**
 * Run as its own process: loads a model through the engine with a memory limit, generates a few tokens so
 * every weight page is touched, and prints one JSON line with the engine's estimate and the measured RSS
 * growth. Memory must be measured in a process of its own, so test/integration/memory-budget.test.ts spawns it.
 */
import { readFileSync } from "node:fs";
import { getLlama } from "node-llama-cpp";
import { LlamaEngine } from "../../src/engine/llama/llama-engine.js";
import { textRequest } from "./generation-requests.js";

const [modelPath, limitGib, contextSize] = process.argv.slice(2);
if (modelPath === undefined || limitGib === undefined || contextSize === undefined) throw new Error("usage: MODEL LIMIT_GIB CONTEXT");
const rss = (): number => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) * 1024;

// Load the native library first, so its own memory is not counted as the model's.
await (await getLlama({ gpu: false, build: "never" })).dispose();
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
console.log(JSON.stringify({ state: status.state, reason: status.state === "failed" ? status.reason : null, estimateMib, measuredMib: Math.round((rss() - before) / 1024 / 1024) }));
await engine.dispose();
