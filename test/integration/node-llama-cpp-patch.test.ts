import { createHook } from "node:async_hooks";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { getLlama, LlamaGrammarEvaluationState, LlamaLogLevel, type BatchItem, type Llama, type LlamaContext, type LlamaModel, type PrioritizedBatchItem } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelShapes } from "../../src/models/generator/model-shapes.js";
import { kvCacheBytes } from "../helpers/kv-cache-bytes.js";
import { hasLazyKvCache } from "../helpers/lazy-kv-cache.js";
import { samplerMemory } from "../helpers/sampler-memory.js";
import { familyRandomModelPath } from "../helpers/family-test-models.js";
import { repoRoot, testModelPath } from "../helpers/test-models.js";

/**
 * `patches/node-llama-cpp+*.patch` (applied by `npm ci`'s postinstall) changes ten things in node-llama-cpp.
 * - It evaluates every sequence that is generating in one llama.cpp pass: sequences in number order (llama.cpp's
 *   per-sequence KV cache splits a batch at every gap or step back in the numbers), and event-loop turns before the
 *   next batch until each of them has queued its next token, 5 ms at most (otherwise one that misses a batch starts a
 *   second group, which alternates with the first). Without it, 8 concurrent requests ran at
 *   half llama-server's aggregate speed (issue #12).
 * - A sequence waiting for the context lock (to erase tokens, take a checkpoint, be reclaimed) goes before the next
 *   batch. The batch loop holds that lock while anything is queued, so a request that had to trim its sequence first
 *   waited until every other generation had ended: in one bench run 5 of 8 concurrent requests started only after the
 *   other 3 had finished (issue #12).
 * - A sampling that fails rejects its own evaluation. Without it the rejection escaped as an unhandled one, which
 *   ended the server's process, and the evaluation never settled.
 * - Each context keeps one ggml thread pool for its lifetime, as llama-server does, and a build from source leaves
 *   OpenMP out so that the pool is used. Without a pool the CPU backend starts and joins its threads for every token,
 *   and one request decoded at 0.7–0.8× llama-server's speed with 2 threads (issue #12). The prebuilt binaries
 *   cannot carry this change: `npm run build:engine` builds one that does, and CI runs the suite on it.
 * - A greedy token (a sampler of nothing but greedy: no grammar, penalty or bias) is the logits' first maximum,
 *   found on the calling thread. node-llama-cpp copied the whole vocabulary into a candidate array on a libuv worker
 *   first (about 0.3 ms a token for a 152k vocabulary) and came back to JavaScript after it. In the anchor bench the
 *   time between two decodes went from 5.0–6.4 to 2.7–3.2 ms at 8 sequences (llama-server: 3.5–4.1), and from
 *   1.16–1.25 to 1.10–1.17 ms at one (medians, issue #12). Built from source only, as the pool.
 * - A sequence that cannot trim its state (a hybrid model: Qwen 3.5's Gated DeltaNet layers) goes back to the latest
 *   checkpoint at or before the cut, not only to the last one taken. node-llama-cpp gave up at the first checkpoint
 *   after the cut, and a hybrid model's checkpoint starts where it ends: a retry (checkpoint at all but the prompt's
 *   last token) or a new conversation (checkpoint after the tools and system prompt) evaluated its whole prompt again.
 * - A KV cache on the CPU takes memory as it fills: llama.cpp wrote zeros over the whole cache when it made it (every
 *   page resident from the start), and the patch adds a llama.cpp patch that hands the pages back to the kernel
 *   instead, which reads them back as zeros. A 32k context of the qwen2.5-0.5b shape holds a 384 MiB cache, of which
 *   a 3k-token conversation fills a tenth (issue #12: peak RSS). Built from source only (`npm run build:engine` keeps
 *   its libllama).
 * - A context created with `ignoreMemorySafetyChecks` is not simulated first. The simulation sized only the memory
 *   reservations that option skips, and loaded a second copy of the model's vocabulary to do it, whose 23 MB (152k
 *   tokens) then stayed in the allocator's heap for the life of the server (issue #12: peak RSS).
 * - The native copy of the file's metadata that the memory simulations read (the whole vocabulary: about 10 MB of a
 *   0.5B model's server for 152k tokens) is freed once the model's load, or a context's, has simulated; it was kept
 *   for the model's lifetime (issue #12: peak RSS).
 * - A sampler makes its candidate array (the whole vocabulary: 1.8 MB for 152k tokens) at its first sampling that
 *   needs one, which a greedy-only one asked for the token alone never does, and frees it when it is disposed. node-llama-cpp made one for every
 *   evaluation and freed it only when the garbage collector finalized the sampler: 7 to 13 of them were resident at
 *   once in a server after three requests (issue #12: peak RSS). Built from source only, as the pool.
 */
describe("the node-llama-cpp patch", () => {
  const patchFolder = path.join(repoRoot, "patches");

  it("is applied to the installed node-llama-cpp", () => {
    const installedPackage = path.join(repoRoot, "node_modules", "node-llama-cpp", "package.json");
    const { version } = JSON.parse(readFileSync(installedPackage, "utf8")) as { version: string };
    const patch = readFileSync(path.join(patchFolder, `node-llama-cpp+${version}.patch`), "utf8");
    const files = [...patch.matchAll(/^\+\+\+ b\/(\S+)$/gm)].map((match) => match[1] ?? "");
    expect(files.length).toBeGreaterThan(0);
    for (const [index, section] of patch.split(/^diff --git .*$/m).slice(1).entries()) {
      const installed = readFileSync(path.join(repoRoot, files[index] ?? ""), "utf8");
      const added = section.split("\n").filter((line) => line.startsWith("+") && !line.startsWith("+++"));
      expect(added.length).toBeGreaterThan(0);
      for (const line of added) expect(installed, `${files[index]} lacks: ${line}`).toContain(line.slice(1));
    }
  });

  it("goes back to an earlier checkpoint of a hybrid model when a later one is past the cut", { timeout: 60_000 }, async () => {
    const modelPath = await testModelPath("tiny-hybrid");
    const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath });
    try {
      const context = await model.createContext({ contextSize: 512, sequences: 1, threads: 1 });
      const sequence = context.getSequence({ checkpoints: { maxMemory: 1024 ** 3 } });
      expect(sequence.needsCheckpoints).toBe(true);
      const tokens = model.tokenize("The harbour master keeps a log of every ship. ".repeat(10));
      await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(0, 50));
      await sequence.takeCheckpoint();
      await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(50, -1));
      await sequence.takeCheckpoint();
      await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(-1));
      // Token 49 is the first checkpoint's last: nothing to evaluate again to keep 0..49, two tokens to keep 0..51.
      expect(sequence.getRestoreToPrefixIndexEvaluationSize(49)).toBe(0);
      expect(sequence.getRestoreToPrefixIndexEvaluationSize(51)).toBe(2);
      expect(sequence.getRestoreToPrefixIndexEvaluationSize(tokens.length - 2)).toBe(0);
      await context.dispose();
    } finally {
      await model.dispose();
      await llama.dispose();
    }
  });

  it("creates a context that skips the memory checks without simulating it on a second copy of the model", { timeout: 60_000 }, async () => {
    const simulations: string[] = [];
    const llama = await getLlama({
      gpu: false,
      logLevel: LlamaLogLevel.debug,
      logger: (_level, message) => {
        if (message.startsWith("Simulating context resource usage")) simulations.push(message);
      },
    });
    try {
      const model = await llama.loadModel({ modelPath: await testModelPath("tiny") });
      await (await model.createContext({ contextSize: 512, sequences: 1, threads: 1, ignoreMemorySafetyChecks: true })).dispose();
      expect(simulations).toEqual([]);
      // The same context with the checks: simulated, so the log does say when a simulation runs.
      await (await model.createContext({ contextSize: 512, sequences: 1, threads: 1 })).dispose();
      expect(simulations).toHaveLength(1);
      await model.dispose();
    } finally {
      await llama.dispose();
    }
  });

  it("frees the native copy of the file's metadata once the model's load, or a context's, has simulated", { timeout: 60_000 }, async () => {
    const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
    try {
      const model = await llama.loadModel({ modelPath: await testModelPath("tiny") });
      const copy = () => (model.fileInsights as unknown as { _addonMetadata?: unknown })._addonMetadata;
      expect(copy()).toBeUndefined();
      // A context with the memory checks simulates on a copy made again, and frees it after.
      const context = await model.createContext({ contextSize: 512, sequences: 1, threads: 1 });
      expect(copy()).toBeUndefined();
      let generated = 0;
      for await (const token of context.getSequence().evaluate(model.tokenize("Hi"), { temperature: 0 })) {
        void token;
        if (++generated === 4) break;
      }
      expect(generated).toBe(4);
      await context.dispose();
      await model.dispose();
    } finally {
      await llama.dispose();
    }
  });

  it("gives a sampler built from source a candidate array only while it samples from one", { timeout: 120_000 }, async (test) => {
    // A real 152k-token vocabulary (qwen2's, from the llama.cpp bundle), so that an array is big enough to see.
    const measured = await samplerMemory(await familyRandomModelPath("qwen3-coder"));
    // Outside CI the engine may be the prebuilt one, which keeps the arrays; CI (`.ci/run`) always builds it.
    if (measured.buildType !== "localBuild" && process.env["CI"] !== "true") return test.skip();
    expect(measured.buildType).toBe("localBuild");
    expect(measured.candidateArrayBytes).toBeGreaterThan(1_800_000);
    const half = measured.candidateArrayBytes / 2;
    // Measured without the patch: 1.84 MB while a greedy evaluation ran, and 1.43 MB left after a sampled one.
    expect(measured.greedyWhileGenerating).toBeLessThan(half);
    // The measurement sees an array: the sampled evaluation's, while it runs.
    expect(measured.sampledWhileGenerating).toBeGreaterThan(half);
    expect(measured.sampledAfter).toBeLessThan(half);
  });

  describe("on the tiny model", () => {
    let llama: Llama;
    let model: LlamaModel;
    beforeAll(async () => {
      llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
      model = await llama.loadModel({ modelPath: await testModelPath("tiny") });
    });
    afterAll(async () => {
      await model?.dispose();
      await llama?.dispose();
    });

    it("rejects an evaluation whose sampling fails, with nothing left unhandled", { timeout: 60_000 }, async () => {
      // A temperature this close to 0 overflows the logits, and llama.cpp's sampler then picks a token outside the
      // grammar (the engine samples greedily below 1e-6 for that reason; this is the case found by the fuzzer).
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on("unhandledRejection", onUnhandled);
      const context = await model.createContext({ contextSize: 256, sequences: 1, threads: 1 });
      try {
        const grammar = await llama.createGrammarForJsonSchema({ type: "object" });
        const sequence = context.getSequence();
        const evaluation = (async () => {
          let generated = 0;
          const options = { grammarEvaluationState: new LlamaGrammarEvaluationState({ model, grammar }), temperature: 8.234741221002684e-41, topP: 0.9999999999999996, seed: 437832514 };
          for await (const token of sequence.evaluate(model.tokenize("Hi"), options)) {
            void token;
            if (++generated === 64) return "generated";
          }
          return "ended";
        })();
        await expect(evaluation).rejects.toThrow(/Failed to accept token in sampler/);
        await new Promise((resolve) => setImmediate(resolve));
        expect(unhandled).toEqual([]);
      } finally {
        process.off("unhandledRejection", onUnhandled);
        await context.dispose();
      }
    });

    it("gives a context built from source one thread pool and one decoding thread for its lifetime", { timeout: 60_000 }, async (test) => {
      // Outside CI the engine may be the prebuilt one, which has no pool to observe; CI (`.ci/run`) always builds it.
      if (llama.buildType !== "localBuild" && process.env["CI"] !== "true") return test.skip();
      expect(llama.buildType).toBe("localBuild");
      // A pool of n threads is n − 1 workers beside the thread that decodes; without one, the workers exist only
      // while a graph is computed. The thread that decodes is the context's own, made at its first decode.
      const threadsOfThisProcess = () => readdirSync("/proc/self/task").length;
      const before = threadsOfThisProcess();
      const context = await model.createContext({ contextSize: 256, sequences: 1, threads: 3 });
      try {
        expect(threadsOfThisProcess()).toBe(before + 2);
        let generated = 0;
        for await (const token of context.getSequence().evaluate(model.tokenize("Hi"), { temperature: 0 })) {
          void token;
          if (++generated === 8) break;
        }
        expect(generated).toBe(8);
        expect(threadsOfThisProcess()).toBe(before + 3);
      } finally {
        await context.dispose();
      }
      expect(threadsOfThisProcess()).toBe(before);
    });

    it("gives a context built from source a KV cache that takes memory as it fills, not when it is made", { timeout: 60_000 }, async (test) => {
      // Linux only (madvise), as CI runs; elsewhere llama.cpp writes the cache as before.
      if (process.platform !== "linux" || (llama.buildType !== "localBuild" && process.env["CI"] !== "true")) return test.skip();
      expect(hasLazyKvCache(llama)).toBe(true);
      const greedyTokens = async (context: LlamaContext): Promise<number[]> => {
        const tokens: number[] = [];
        for await (const token of context.getSequence().evaluate(model.tokenize("The harbour master"), { temperature: 0 })) {
          tokens.push(token);
          if (tokens.length === 8) break;
        }
        return tokens;
      };
      const small = await model.createContext({ contextSize: 256, sequences: 1, threads: 1 });
      const expected = await greedyTokens(small).finally(async () => small.dispose());
      expect(expected).toHaveLength(8);

      const contextSize = 2 ** 18;
      const cacheBytes = kvCacheBytes(modelShapes.tiny, contextSize);
      expect(cacheBytes).toBe(64 * 1024 * 1024);
      const anonymousBytes = () => Number(/^RssAnon:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1]) * 1024;
      const before = anonymousBytes();
      const context = await model.createContext({ contextSize, sequences: 1, threads: 1, ignoreMemorySafetyChecks: true });
      try {
        // Written with zeros, the whole cache would be resident from here on (84 MB in all with the rest of the
        // context, against 20 MB without the cache).
        expect(anonymousBytes() - before).toBeLessThan(cacheBytes / 2);
        // Nothing around the pages handed back was touched, and the cache reads right: the small context's reply.
        expect(await greedyTokens(context)).toEqual(expected);
      } finally {
        await context.dispose();
      }
    });

    it("samples a greedy token on the calling thread, the token the sampler chain picks", { timeout: 60_000 }, async (test) => {
      const sampleWorkerCallbacks = { count: 0 };
      const sampleWorkers = new Set<number>();
      const hook = createHook({
        init: (id, type) => void (type === "AddonContextSampleTokenWorker" && sampleWorkers.add(id)),
        before: (id) => void (sampleWorkers.has(id) && sampleWorkerCallbacks.count++),
      });
      const context = await model.createContext({ contextSize: 512, sequences: 2, threads: 1 });
      const tokensEach = 32;
      try {
        const prompt = model.tokenize("The harbour master keeps a log of every ship.");
        hook.enable();
        const greedy: number[] = [];
        for await (const token of context.getSequence().evaluate(prompt, { temperature: 0 })) {
          if (greedy.push(token) === tokensEach) break;
        }
        const greedyWorkerCallbacks = sampleWorkerCallbacks.count;
        // Asking for the token's confidence needs the candidate array: the whole chain samples, on a worker.
        const chain: number[] = [];
        for await (const { token } of context.getSequence().evaluateWithMetadata(prompt, { confidence: true }, { temperature: 0 })) {
          if (chain.push(token) === tokensEach) break;
        }
        hook.disable();
        expect(greedy).toEqual(chain);
        // Outside CI the engine may be the prebuilt one, which samples every token on a worker; CI builds it.
        if (llama.buildType !== "localBuild" && process.env["CI"] !== "true") return test.skip();
        expect(llama.buildType).toBe("localBuild");
        expect(greedyWorkerCallbacks).toBe(0);
        expect(sampleWorkerCallbacks.count).toBeGreaterThanOrEqual(tokensEach);
      } finally {
        hook.disable();
        await context.dispose();
      }
    });

    it("share every batch once their prompts are in", { timeout: 60_000 }, async () => {
      const batchItemCounts: number[] = [];
      // Records each batch and takes every token offered, as node-llama-cpp's default does for batches this small.
      const recordingStrategy = ({ items }: { items: readonly BatchItem[]; size: number }): PrioritizedBatchItem[] => {
        batchItemCounts.push(items.length);
        return items.map((item) => ({ item, processAmount: item.tokens.length }));
      };
      const context = await model.createContext({ contextSize: 4 * 256, sequences: 4, threads: 1, batching: { itemPrioritizationStrategy: recordingStrategy } });
      try {
        const tokensEach = 24;
        await Promise.all(
          [0, 1, 2, 3].map(async (index) => {
            const sequence = context.getSequence();
            let generated = 0;
            for await (const token of sequence.evaluate(model.tokenize(`prompt number ${index}`), { temperature: 0 })) {
              void token;
              if (++generated === tokensEach) break;
            }
          }),
        );
        // After the first batch (the prompts, which may arrive apart), each step holds all four sequences' tokens.
        const steps = batchItemCounts.slice(batchItemCounts.indexOf(4));
        expect(steps.length).toBeGreaterThanOrEqual(tokensEach - 1);
        expect(steps.slice(0, tokensEach - 2)).toEqual(Array.from({ length: tokensEach - 2 }, () => 4));
      } finally {
        await context.dispose();
      }
    });

    it("lets a sequence erase its tokens while others keep generating", { timeout: 60_000 }, async () => {
      const context = await model.createContext({ contextSize: 3 * 512, sequences: 3, threads: 1 });
      try {
        const trimmed = context.getSequence();
        await trimmed.evaluateWithoutGeneratingNewTokens(model.tokenize("an earlier conversation that the next request does not continue"));
        const tokensEach = 300;
        const generated = [0, 0];
        let startedGenerating: () => void = () => {};
        const bothStarted = new Promise<void>((resolve) => (startedGenerating = resolve));
        const generations = [0, 1].map(async (index) => {
          const sequence = context.getSequence();
          for await (const token of sequence.evaluate(model.tokenize(`prompt number ${index}`), { temperature: 0 })) {
            void token;
            generated[index] = (generated[index] ?? 0) + 1;
            if (generated.every((count) => count >= 4)) startedGenerating();
            if (generated[index] === tokensEach) break;
          }
        });
        await bothStarted;
        await trimmed.eraseContextTokenRanges([{ start: 2, end: trimmed.nextTokenIndex }]);
        // The erase goes before the next batch (measured: 5 tokens each by then). Without the patch it waited for the
        // lock until the batch loop happened to run dry (measured: after 111 and 109 tokens).
        const atErase = [...generated];
        await Promise.all(generations);
        expect(trimmed.nextTokenIndex).toBe(2);
        for (const count of atErase) expect(count).toBeLessThan(16);
      } finally {
        await context.dispose();
      }
    });
  });
});
