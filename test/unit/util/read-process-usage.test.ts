import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAnonymousRss, readProcessUsage } from "../../../src/util/read-process-usage.js";

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

  it("reports no anonymous RSS where the status file is missing", () => {
    expect(readProcessUsage("/nonexistent/status").rssAnonBytes).toBeNull();
  });
});

describe("parseAnonymousRss", () => {
  it("converts the kB figure to bytes", () => {
    expect(parseAnonymousRss("Name:\tnode\nVmRSS:\t  204800 kB\nRssAnon:\t   81920 kB\nRssFile:\t  122880 kB\n")).toBe(81920 * 1024);
  });

  it("is null when the field is absent", () => {
    expect(parseAnonymousRss("Name:\tnode\nVmRSS:\t  204800 kB\n")).toBeNull();
  });
});
