import { spawn } from "node:child_process";
import { once } from "node:events";
import { stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelShapes } from "../../src/models/generator/model-shapes.js";
import { kvCacheBytes } from "../helpers/kv-cache-bytes.js";
import { peakRssDuring } from "../helpers/peak-rss-during.js";
import { processMemory, spawnServer } from "../helpers/servers/index.js";
import { repoRoot, testModelPath } from "../helpers/test-models.js";

const megabyte = 1024 * 1024;
// The scheduler issue's bound: model file + KV cache of all sequences + 250 MB (decimal: the stricter reading).
const boundOverheadBytes = 250_000_000;

const results: Record<string, unknown> = {};

afterAll(() => {
  console.log(JSON.stringify({ stress: results }, null, 2));
});

async function post(baseUrl: string, body: unknown): Promise<number> {
  const response = await fetch(`${baseUrl}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "stress" },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

describe("memory under concurrency (qwen2.5-0.5b shape, Q4_0)", () => {
  let modelPath: string;
  beforeAll(async () => {
    modelPath = await testModelPath("qwen2.5-0.5b-q4_0");
  });

  for (const concurrency of [1, 2, 4, 8, 16]) {
    it(`${concurrency} concurrent: every request completes or gets a clean 529; peak RSS within baseline + 512 MB × ${concurrency} and file + KV + 250 MB`, async () => {
      const parallel = Math.min(concurrency, 4);
      const server = await spawnServer(modelPath, ["--threads", "2", "--ctx-size", "1024", "--parallel", String(parallel), "--max-queue", "4"]);
      try {
        const baseline = (await server.memory()).rssBytes;
        const statuses: number[] = [];
        const peak = await peakRssDuring(server, async () => {
          for (let round = 0; round < 2; round += 1) {
            const batch = await Promise.all(
              Array.from({ length: concurrency }, (_, index) =>
                post(server.baseUrl, { model: "claude-sonnet-5", max_tokens: 12, messages: [{ role: "user", content: `stress ${round} ${index}` }] }),
              ),
            );
            statuses.push(...batch);
          }
        });
        expect(statuses.every((status) => status === 200 || status === 529)).toBe(true);
        expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(0);
        expect(peak).toBeLessThanOrEqual(baseline + 512 * megabyte * concurrency);
        const bound = (await stat(modelPath)).size + kvCacheBytes(modelShapes["qwen2.5-0.5b"], 1024 * parallel) + boundOverheadBytes;
        expect(peak).toBeLessThanOrEqual(bound);
        results[`concurrency-${concurrency}`] = {
          baselineMb: Math.round(baseline / megabyte),
          peakMb: Math.round(peak / megabyte),
          boundMb: Math.round(bound / megabyte),
          ok: statuses.filter((status) => status === 200).length,
          overloaded: statuses.filter((status) => status === 529).length,
        };
      } finally {
        expect(await server.stop()).toBe(0);
      }
    }, 300_000);
  }

  it("persistent server vs one process per request: memory for 4 concurrent requests", async () => {
    const server = await spawnServer(modelPath, ["--threads", "2", "--ctx-size", "1024", "--parallel", "4"]);
    let persistentPeak = 0;
    try {
      persistentPeak = await peakRssDuring(server, async () => {
        await Promise.all(
          [0, 1, 2, 3].map((index) => post(server.baseUrl, { model: "m", max_tokens: 12, messages: [{ role: "user", content: `request ${index}` }] })),
        );
      });
    } finally {
      await server.stop();
    }
    // The same 4 requests, each served by a process that loads the model for itself.
    const script = path.join(repoRoot, "test/stress/one-shot-generation.ts");
    const children = [0, 1, 2, 3].map((index) =>
      spawn(process.execPath, ["--import", "tsx", script, modelPath, `request ${index}`], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] }),
    );
    const peaks = children.map(() => 0);
    let running = true;
    const sampling = (async () => {
      while (running) {
        await Promise.all(
          children.map(async (child, index) => {
            if (child.exitCode !== null || child.pid === undefined) return;
            const memory = await processMemory(child.pid).catch(() => ({ rssBytes: 0 }));
            peaks[index] = Math.max(peaks[index] ?? 0, memory.rssBytes);
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const codes = await Promise.all(children.map(async (child) => (await once(child, "exit"))[0] as number));
    running = false;
    await sampling;
    expect(codes).toEqual([0, 0, 0, 0]);
    const perProcessTotal = peaks.reduce((sum, peak) => sum + peak, 0);
    const ratio = perProcessTotal / persistentPeak;
    results["persistent-vs-per-process"] = {
      persistentPeakMb: Math.round(persistentPeak / megabyte),
      perProcessTotalMb: Math.round(perProcessTotal / megabyte),
      ratio: Number(ratio.toFixed(2)),
    };
    expect(ratio).toBeGreaterThan(1.5);
  }, 300_000);
});

describe("soak: 1,000 sequential requests (tiny model)", () => {
  it("keeps anonymous memory flat after warm-up (< 20 MB growth)", async () => {
    const server = await spawnServer(await testModelPath("tiny"), ["--threads", "1", "--ctx-size", "512"]);
    try {
      const send = (index: number) => post(server.baseUrl, { model: "m", max_tokens: 4, messages: [{ role: "user", content: `soak ${index}` }] });
      for (let index = 0; index < 100; index += 1) expect(await send(index)).toBe(200);
      const afterWarmUp = (await server.memory()).rssAnonBytes;
      for (let index = 100; index < 1000; index += 1) expect(await send(index)).toBe(200);
      const atEnd = (await server.memory()).rssAnonBytes;
      results["soak"] = { afterWarmUpMb: Math.round(afterWarmUp / megabyte), atEndMb: Math.round(atEnd / megabyte) };
      expect(atEnd - afterWarmUp).toBeLessThan(20 * megabyte);
    } finally {
      await server.stop();
    }
  }, 600_000);
});
