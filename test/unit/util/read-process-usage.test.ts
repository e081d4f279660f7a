import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseProcFieldBytes, readProcessUsage } from "../../../src/util/read-process-usage.js";

describe("readProcessUsage", () => {
  it("reads CPU time, RSS and heap of this process", () => {
    const usage = readProcessUsage();
    expect(usage.cpuMicroseconds).toBeGreaterThan(0);
    expect(usage.rssBytes).toBeGreaterThan(0);
    expect(usage.heapUsedBytes).toBeGreaterThan(0);
  });

  it.skipIf(!existsSync("/proc/self/status"))("reads RssAnon from /proc on Linux, below RSS", () => {
    const usage = readProcessUsage();
    expect(usage.rssAnonBytes).toBeGreaterThan(0);
    expect(usage.rssAnonBytes).toBeLessThanOrEqual(usage.rssBytes);
  });

  it("reads the OS's peak RSS, at least the RSS now", () => {
    // 64 MiB touched now: the peak is at least the RSS that holds them (a figure in kB, not bytes, would be far below).
    const touched = Buffer.alloc(64 * 1024 * 1024, 1);
    const usage = readProcessUsage();
    expect(touched[touched.length - 1]).toBe(1);
    expect(usage.rssBytes).toBeGreaterThan(64 * 1024 * 1024);
    expect(usage.peakRssBytes).toBeGreaterThanOrEqual(usage.rssBytes);
  });

  it("reports no anonymous RSS where the status file is missing", () => {
    expect(readProcessUsage("/nonexistent/status").rssAnonBytes).toBeNull();
  });
});

describe("parseProcFieldBytes", () => {
  const status = "Name:\tnode\nVmHWM:\t  262144 kB\nVmRSS:\t  204800 kB\nRssAnon:\t   81920 kB\nRssFile:\t  122880 kB\n";

  it("converts a field's kB figure to bytes", () => {
    expect(parseProcFieldBytes(status, "RssAnon")).toBe(81920 * 1024);
    expect(parseProcFieldBytes(status, "VmHWM")).toBe(262144 * 1024);
    expect(parseProcFieldBytes(status, "VmRSS")).toBe(204800 * 1024);
  });

  it("is null when the field is absent", () => {
    expect(parseProcFieldBytes("Name:\tnode\nVmRSS:\t  204800 kB\n", "RssAnon")).toBeNull();
  });
});
