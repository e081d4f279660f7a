// The child process of GgufLoadProbe: loads each GGUF it is sent the way the server does (node-llama-cpp's
// memory estimate, the model, a context, a few evaluated tokens) and answers whether that worked. When
// llama.cpp aborts on a file, only this process dies.
import { GgufInsights, getLlama, LlamaLogLevel, readGgufFileInfo } from "node-llama-cpp";

interface ProbeRequest {
  readonly id: number;
  readonly modelPath: string;
}

const contextCap = 2048;

const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, logger: (_level, message) => process.stderr.write(message) });

async function load(modelPath: string, phase: (name: string) => void): Promise<void> {
  // The server's memory plan reads the same header with node-llama-cpp's own parser first.
  phase("estimate");
  const insights = await GgufInsights.from(await readGgufFileInfo(modelPath, { readTensorInfo: true }), llama);
  const contextSize = Math.min(insights.trainContextSize ?? contextCap, contextCap);
  await insights.estimateModelResourceRequirementsV2({ gpuLayers: 0 });
  await insights.estimateContextResourceRequirementsV2({ contextSize, sequences: 1, modelGpuLayers: 0 });
  phase("load");
  const model = await llama.loadModel({ modelPath, useMmap: false });
  try {
    phase("context");
    const context = await model.createContext({ contextSize, threads: 1 });
    try {
      phase("evaluate");
      const sequence = context.getSequence();
      let generated = 0;
      for await (const token of sequence.evaluate(model.tokenize("Hello, world"))) {
        model.detokenize([token]);
        if (++generated >= 2) break;
      }
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}

process.on("message", (message: ProbeRequest) => {
  load(message.modelPath, (phase) => process.send?.({ id: message.id, phase })).then(
    () => process.send?.({ id: message.id, outcome: "loaded" }),
    (error: unknown) => process.send?.({ id: message.id, outcome: "failed", message: error instanceof Error ? error.message : String(error) }),
  );
});
process.send?.({ ready: true });
