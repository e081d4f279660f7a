/** One process, one request: loads the model, generates once, exits. The baseline a persistent server beats. */
import { LlamaEngine } from "../../src/engine/llama/llama-engine.js";
import { textRequest } from "../helpers/generation-requests.js";

const [modelPath, text] = process.argv.slice(2);
if (modelPath === undefined || text === undefined) throw new Error("usage: one-shot-generation.ts MODEL TEXT");
const engine = LlamaEngine.start({ modelPath, threads: 2, gpu: false, contextSize: 1024 });
await engine.whenSettled();
for await (const _event of engine.generate(textRequest(text, 12), new AbortController().signal)) {
  // drain
}
await engine.dispose();
