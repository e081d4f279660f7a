import { describe, expect, it } from "vitest";
import { PerformanceMonitor, type PerformanceSample } from "../../../src/util/performance-monitor.js";
import type { ProcessUsageReading } from "../../../src/util/read-process-usage.js";

/** A monitor on a hand-driven clock, usage source and timer: each `tick()` is one timer firing. */
function drivenMonitor(options: { samplesPerSecond?: number; vram?: () => number | null; onSample?: (sample: PerformanceSample) => void } = {}) {
  let nowMs = 1_000;
  let usage: ProcessUsageReading = { cpuMicroseconds: 5_000_000, rssBytes: 100, rssAnonBytes: 40, peakRssBytes: 0, heapUsedBytes: 10 };
  let tick: (() => void) | null = null;
  const scheduled: number[] = [];
  let cancelled = 0;
  const monitor = new PerformanceMonitor({
    ...(options.samplesPerSecond !== undefined ? { samplesPerSecond: options.samplesPerSecond } : {}),
    ...(options.vram !== undefined ? { readVramBytes: options.vram } : {}),
    ...(options.onSample !== undefined ? { onSample: options.onSample } : {}),
    now: () => nowMs,
    readUsage: () => usage,
    every: (intervalMs, callback) => {
      scheduled.push(intervalMs);
      tick = callback;
      return () => {
        cancelled += 1;
        tick = null;
      };
    },
  });
  return {
    monitor,
    scheduled,
    cancelled: () => cancelled,
    /** Advances the clock, sets what the next reading returns (CPU as microseconds used since the last step). */
    step(elapsedMs: number, cpuMicroseconds: number, memory: Partial<Omit<ProcessUsageReading, "cpuMicroseconds">> = {}): void {
      nowMs += elapsedMs;
      usage = { ...usage, ...memory, cpuMicroseconds: usage.cpuMicroseconds + cpuMicroseconds };
    },
    tick(): void {
      if (tick === null) throw new Error("no timer is scheduled");
      tick();
    },
  };
}

describe("PerformanceMonitor", () => {
  it("schedules 1 sample a second by default, or as configured", () => {
    const defaults = drivenMonitor();
    defaults.monitor.start();
    expect(defaults.scheduled).toEqual([1000]);
    const fast = drivenMonitor({ samplesPerSecond: 50 });
    fast.monitor.start();
    expect(fast.scheduled).toEqual([20]);
  });

  it("refuses a non-positive sampling rate", () => {
    expect(() => new PerformanceMonitor({ samplesPerSecond: 0 })).toThrow(RangeError);
    expect(() => new PerformanceMonitor({ samplesPerSecond: Number.NaN })).toThrow(RangeError);
  });

  it("turns CPU time deltas into percent of one core per interval", () => {
    const driven = drivenMonitor();
    driven.monitor.start();
    driven.step(100, 50_000); // 50 ms of CPU in 100 ms: half a core
    driven.tick();
    expect(driven.monitor.latest()?.cpuPercent).toBeCloseTo(50);
    driven.step(100, 200_000); // two cores busy
    driven.tick();
    expect(driven.monitor.latest()).toEqual({ elapsedMs: 200, cpuPercent: 200, rssBytes: 100, rssAnonBytes: 40, heapUsedBytes: 10, vramBytes: null });
  });

  it("keeps peaks and averages: CPU weighted by time, memory over samples", () => {
    const driven = drivenMonitor();
    driven.monitor.start();
    driven.step(100, 10_000, { rssBytes: 1_000, rssAnonBytes: 400, heapUsedBytes: 50 });
    driven.tick();
    driven.step(300, 270_000, { rssBytes: 3_000, rssAnonBytes: 200, heapUsedBytes: 150 });
    driven.tick();
    const summary = driven.monitor.summary();
    expect(summary.samples).toBe(2);
    expect(summary.durationMs).toBe(400);
    // 280 ms of CPU over 400 ms; the busiest interval was 270/300.
    expect(summary.cpuPercent.average).toBeCloseTo(70);
    expect(summary.cpuPercent.peak).toBeCloseTo(90);
    expect(summary.rssBytes).toEqual({ peak: 3_000, average: 2_000 });
    expect(summary.rssAnonBytes).toEqual({ peak: 400, average: 300 });
    expect(summary.heapUsedBytes).toEqual({ peak: 150, average: 100 });
    expect(summary.vramBytes).toBeNull();
  });

  it("stop takes a last sample, cancels the timer, and returns the same summary when called again", () => {
    const driven = drivenMonitor();
    driven.monitor.start();
    expect(driven.monitor.running).toBe(true);
    driven.step(100, 100_000);
    const summary = driven.monitor.stop();
    expect(summary.samples).toBe(1);
    expect(summary.cpuPercent.peak).toBeCloseTo(100);
    expect(driven.cancelled()).toBe(1);
    expect(driven.monitor.running).toBe(false);
    driven.step(100, 100_000);
    expect(driven.monitor.stop()).toEqual(summary);
    expect(driven.cancelled()).toBe(1);
  });

  it("start while running does nothing; start after stop begins a fresh run", () => {
    const driven = drivenMonitor();
    driven.monitor.start();
    driven.monitor.start();
    expect(driven.scheduled).toHaveLength(1);
    driven.step(100, 100_000, { rssBytes: 9_000 });
    driven.monitor.stop();
    driven.monitor.start();
    expect(driven.monitor.latest()).toBeNull();
    expect(driven.monitor.summary()).toEqual({
      samples: 0,
      durationMs: 0,
      cpuPercent: { peak: 0, average: 0 },
      rssBytes: { peak: 0, average: 0 },
      rssAnonBytes: null,
      heapUsedBytes: { peak: 0, average: 0 },
      vramBytes: null,
    });
    driven.step(50, 0, { rssBytes: 10 });
    driven.tick();
    expect(driven.monitor.summary().rssBytes).toEqual({ peak: 10, average: 10 });
  });

  it("takes the OS's peak RSS once it has risen since start, catching a spike between samples", () => {
    const driven = drivenMonitor();
    // The OS's peak at start (an earlier phase of the process) says nothing of the peak since start.
    driven.step(0, 0, { peakRssBytes: 5_000 });
    driven.monitor.start();
    driven.step(100, 0, { rssBytes: 1_000, peakRssBytes: 5_000 });
    driven.tick();
    expect(driven.monitor.summary().rssBytes).toEqual({ peak: 1_000, average: 1_000 });
    // A spike to 7,000 came and went between two samples: only the mark saw it.
    driven.step(100, 0, { rssBytes: 2_000, peakRssBytes: 7_000 });
    driven.tick();
    expect(driven.monitor.summary().rssBytes).toEqual({ peak: 7_000, average: 1_500 });
    expect(driven.monitor.latest()?.rssBytes).toBe(2_000);
    // A new run takes a new baseline: the OS's peak of the run before is not this run's.
    driven.monitor.stop();
    driven.monitor.start();
    driven.step(100, 0, { rssBytes: 3_000, peakRssBytes: 7_000 });
    driven.tick();
    expect(driven.monitor.summary().rssBytes).toEqual({ peak: 3_000, average: 3_000 });
  });

  it("reports 0 % rather than dividing by zero when two samples share an instant", () => {
    const driven = drivenMonitor();
    driven.monitor.start();
    driven.step(0, 1_000);
    expect(driven.monitor.sample().cpuPercent).toBe(0);
  });

  it("refuses to sample before start", () => {
    expect(() => drivenMonitor().monitor.sample()).toThrow(/before start/);
  });

  it("leaves anonymous RSS out where the OS does not report it", () => {
    const driven = drivenMonitor();
    driven.monitor.start();
    driven.step(100, 0, { rssAnonBytes: null });
    driven.tick();
    expect(driven.monitor.latest()?.rssAnonBytes).toBeNull();
    expect(driven.monitor.summary().rssAnonBytes).toBeNull();
  });

  it("samples VRAM through its hook when one is given", () => {
    const vram = [null, 2_000, 6_000];
    const driven = drivenMonitor({ vram: () => vram.shift() ?? null });
    expect(driven.monitor.measuresVram).toBe(true);
    expect(drivenMonitor().monitor.measuresVram).toBe(false);
    driven.monitor.start();
    for (let index = 0; index < 3; index += 1) {
      driven.step(100, 0);
      driven.tick();
    }
    expect(driven.monitor.summary().vramBytes).toEqual({ peak: 6_000, average: 4_000 });
  });

  it("hands every sample to onSample, for a time series", () => {
    const seen: PerformanceSample[] = [];
    const driven = drivenMonitor({ onSample: (sample) => seen.push(sample) });
    driven.monitor.start();
    driven.step(100, 0);
    driven.tick();
    driven.step(100, 0);
    driven.monitor.stop();
    expect(seen.map((sample) => sample.elapsedMs)).toEqual([100, 200]);
  });

  it("runs on the real clock and process by default, without keeping the process alive", () => {
    const monitor = new PerformanceMonitor({ samplesPerSecond: 1000 });
    monitor.start();
    const sample = monitor.sample();
    expect(sample.rssBytes).toBeGreaterThan(0);
    expect(sample.heapUsedBytes).toBeGreaterThan(0);
    expect(sample.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(sample.vramBytes).toBeNull();
    const summary = monitor.stop();
    expect(summary.samples).toBe(2);
    expect(summary.rssBytes.peak).toBeGreaterThan(0);
  });
});
