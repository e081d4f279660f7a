import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { privateBytes, RssSampler } from "../../../bench/anchor/bench-server.js";
import { parseProcFieldBytes } from "../../../src/util/read-process-usage.js";
import { processMemory } from "../../helpers/servers/index.js";

// The page tables' own figures (smaps_rollup), as privateBytes reads them; /proc/self/status's are batched counters.
const rollupBytes = (name: string): number => parseProcFieldBytes(readFileSync("/proc/self/smaps_rollup", "utf8"), name) ?? 0;

describe("a bench server's memory", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("counts a process's private pages, a part of its resident ones", async () => {
    const own = await privateBytes(process.pid);
    // This process's heap is its own; node's binary is shared with every other node process's page cache.
    expect(own).toBeGreaterThanOrEqual(rollupBytes("Anonymous") * 0.9);
    expect(own).toBeLessThanOrEqual(rollupBytes("Rss"));
  });

  it("reads a process's resident memory", async () => {
    const resident = (await processMemory(process.pid)).rssBytes;
    expect(resident).toBeGreaterThan(0);
    // VmRSS against the page walk a moment later: the heap may have grown in between, hardly shrunk by half.
    expect(resident).toBeGreaterThan(rollupBytes("Rss") / 2);
  });

  it("keeps the highest of what it samples, until stopped", async () => {
    vi.useFakeTimers();
    const readings = [100, 300, 200];
    let calls = 0;
    const sampler = new RssSampler(async () => readings[Math.min(calls++, readings.length - 1)] ?? 0);
    await vi.advanceTimersByTimeAsync(250);
    expect(calls).toBe(3);
    expect(sampler.peakBytes).toBe(300);
    sampler.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(3);
  });
});
