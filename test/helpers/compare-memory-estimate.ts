/**
 * Run as its own process: the memory estimate for MODEL at CONTEXT × SEQUENCES beside what llama.cpp reports
 * for the same load (test/helpers/measure-llama-buffers.ts), as one JSON line. Usage: MODEL CONTEXT SEQUENCES [PROMPT_TOKENS].
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readGgufFileInfo } from "node-llama-cpp";
import { estimateModelMemory } from "../../src/engine/llama/estimate-model-memory.js";
import { memoryShapeFromGguf } from "../../src/engine/llama/memory-shape-from-gguf.js";

const [modelPath, context, sequences, promptTokens = "96"] = process.argv.slice(2);
if (modelPath === undefined || context === undefined || sequences === undefined) throw new Error("usage: MODEL CONTEXT SEQUENCES");
const shape = memoryShapeFromGguf(await readGgufFileInfo(modelPath, { readTensorInfo: true }));
// The measuring child takes one checkpoint: estimate as many, so the total compares with its RSS.
const estimate = estimateModelMemory(shape, { contextSize: Number(context), sequences: Number(sequences), checkpointsPerSequence: 1 });
const child = fileURLToPath(new URL("measure-llama-buffers.ts", import.meta.url));
const output = execFileSync(process.execPath, ["--import", "tsx", child, modelPath, context, sequences, promptTokens], { encoding: "utf8" });
const measured = JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as Record<string, number>;
console.log(JSON.stringify({ estimate, measured }));
