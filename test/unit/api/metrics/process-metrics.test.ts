import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { registerProcessMetrics } from "../../../../src/api/metrics/process-metrics.js";
import { PerformanceMonitor } from "../../../../src/util/performance-monitor.js";
import type { ProcessUsageReading } from "../../../../src/util/read-process-usage.js";
import { parsePrometheusText, sampleValue } from "../../../helpers/prometheus-text.js";

/** A monitor sampled by hand: no timer runs, the clock moves 100 ms per sample. */
function manualMonitor(readings: ProcessUsageReading[], vram?: () => number | null) {
  let nowMs = 0;
  let index = 0;
  const monitor = new PerformanceMonitor({
    now: () => nowMs,
    readUsage: () => readings[Math.min(index, readings.length - 1)] as ProcessUsageReading,
    every: () => () => {},
    ...(vram !== undefined ? { readVramBytes: vram } : {}),
  });
  return {
    monitor,
    next(): void {
      index += 1;
      nowMs += 100;
      monitor.sample();
    },
  };
}

const mebibyte = 1024 * 1024;

describe("registerProcessMetrics", () => {
  it("exposes the latest sample and the peaks since start", async () => {
    const { monitor, next } = manualMonitor([
      { cpuMicroseconds: 0, rssBytes: 0, rssAnonBytes: 0, peakRssBytes: 0, heapUsedBytes: 0 },
      { cpuMicroseconds: 80_000, rssBytes: 900 * mebibyte, rssAnonBytes: 300 * mebibyte, peakRssBytes: 0, heapUsedBytes: 40 * mebibyte },
      { cpuMicroseconds: 100_000, rssBytes: 500 * mebibyte, rssAnonBytes: 200 * mebibyte, peakRssBytes: 0, heapUsedBytes: 30 * mebibyte },
    ]);
    const registry = new Registry();
    registerProcessMetrics(registry, monitor);
    monitor.start();
    next();
    next();
    const samples = parsePrometheusText(await registry.metrics());
    expect(sampleValue(samples, "pensieve_process_cpu_percent")).toBeCloseTo(20);
    expect(sampleValue(samples, "pensieve_process_cpu_peak_percent")).toBeCloseTo(80);
    expect(sampleValue(samples, "pensieve_process_resident_memory_bytes")).toBe(500 * mebibyte);
    expect(sampleValue(samples, "pensieve_process_resident_memory_peak_bytes")).toBe(900 * mebibyte);
    expect(sampleValue(samples, "pensieve_process_anonymous_memory_bytes")).toBe(200 * mebibyte);
    expect(sampleValue(samples, "pensieve_process_anonymous_memory_peak_bytes")).toBe(300 * mebibyte);
    expect(sampleValue(samples, "pensieve_process_heap_used_bytes")).toBe(30 * mebibyte);
    expect(sampleValue(samples, "pensieve_gpu_memory_used_bytes")).toBeUndefined();
  });

  it("leaves the latest-sample series out before the first sample, and anonymous RSS where the OS lacks it", async () => {
    const { monitor, next } = manualMonitor([{ cpuMicroseconds: 0, rssBytes: 100, rssAnonBytes: null, peakRssBytes: 0, heapUsedBytes: 10 }]);
    const registry = new Registry();
    registerProcessMetrics(registry, monitor);
    monitor.start();
    let samples = parsePrometheusText(await registry.metrics());
    expect(sampleValue(samples, "pensieve_process_resident_memory_bytes")).toBeUndefined();
    expect(sampleValue(samples, "pensieve_process_resident_memory_peak_bytes")).toBe(0);
    next();
    samples = parsePrometheusText(await registry.metrics());
    expect(sampleValue(samples, "pensieve_process_resident_memory_bytes")).toBe(100);
    expect(sampleValue(samples, "pensieve_process_anonymous_memory_bytes")).toBeUndefined();
    expect(sampleValue(samples, "pensieve_process_anonymous_memory_peak_bytes")).toBeUndefined();
  });

  it("adds GPU memory series only when the monitor measures VRAM", async () => {
    const { monitor, next } = manualMonitor([{ cpuMicroseconds: 0, rssBytes: 1, rssAnonBytes: 1, peakRssBytes: 0, heapUsedBytes: 1 }], () => 6 * mebibyte);
    const registry = new Registry();
    registerProcessMetrics(registry, monitor);
    monitor.start();
    next();
    const samples = parsePrometheusText(await registry.metrics());
    expect(sampleValue(samples, "pensieve_gpu_memory_used_bytes")).toBe(6 * mebibyte);
    expect(sampleValue(samples, "pensieve_gpu_memory_peak_bytes")).toBe(6 * mebibyte);
  });
});
