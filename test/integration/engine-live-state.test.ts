import { stat } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { SequenceState } from "../../src/engine/engine.js";
import { modelShapes } from "../../src/models/generator/model-shapes.js";
import { kvCacheBytes } from "../helpers/kv-cache-bytes.js";
import { collectEvents, textRequest } from "../helpers/generation-requests.js";
import { withEngine } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

/** What the live page reads from the real engine: each sequence's activity and the memory the model takes. */
describe("LlamaEngine live state", () => {
  it("shows a sequence prompt-evaluating or generating while it runs, then idle with its cache and session", async () => {
    const modelPath = await testModelPath("tiny");
    await withEngine({ modelPath, threads: 1, gpu: false, contextSize: 1024, parallel: 2, seed: 1 }, async (engine) => {
      expect(engine.sequenceStates()).toEqual([
        { model: expect.any(String), index: 0, activity: { state: "idle" }, cachedTokens: 0, lastSession: null },
        { model: expect.any(String), index: 1, activity: { state: "idle" }, cachedTokens: 0, lastSession: null },
      ]);
      const seen: SequenceState["activity"][] = [];
      let inputTokens = 0;
      for await (const event of engine.generate({ ...textRequest("Tell me a story", 12), session: "session-a" }, new AbortController().signal)) {
        if (event.type === "start") inputTokens = event.usage.inputTokens;
        const busy = engine.sequenceStates()?.find((state) => state.activity.state !== "idle");
        if (busy !== undefined) seen.push(busy.activity);
      }
      expect(seen.some((activity) => activity.state === "generating" && activity.outputTokens > 0 && activity.promptTokens === inputTokens)).toBe(true);
      const after = engine.sequenceStates() ?? [];
      const served = after.find((state) => state.lastSession === "session-a");
      expect(served?.activity).toEqual({ state: "idle" });
      expect(served?.cachedTokens).toBeGreaterThanOrEqual(inputTokens);
      expect(after.filter((state) => state.lastSession === null)).toHaveLength(1);
    });
  });

  it("reports the model file's size and the KV cache of every sequence", async () => {
    const modelPath = await testModelPath("tiny");
    await withEngine({ modelPath, threads: 1, gpu: false, contextSize: 1024, parallel: 2, seed: 1 }, async (engine) => {
      await collectEvents(engine.generate(textRequest("Hi", 1), new AbortController().signal));
      expect(engine.memoryUse()).toEqual({
        modelFileBytes: (await stat(modelPath)).size,
        kvCacheBytes: kvCacheBytes(modelShapes.tiny, 2 * 1024),
        promptCacheDiskBytes: null,
        promptCacheLimitBytes: null,
        memoryLimitBytes: null,
      });
    });
  });
});
