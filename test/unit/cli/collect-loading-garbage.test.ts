import { describe, expect, it } from "vitest";
import { collectLoadingGarbage } from "../../../src/cli/collect-loading-garbage.js";

describe("collectLoadingGarbage", () => {
  it.each([true, false])("frees what is no longer reachable, without leaving `gc` exposed (compact: %s)", (compact) => {
    let garbage: string[] | null = Array.from({ length: 300_000 }, (_, index) => `piece ${index}`);
    const holding = process.memoryUsage().heapUsed;
    expect(garbage).toHaveLength(300_000);
    garbage = null;
    collectLoadingGarbage({ compact });
    // 300k strings and their array are about 12 MB; a young-generation scavenge alone would not see them promoted.
    expect(holding - process.memoryUsage().heapUsed).toBeGreaterThan(8_000_000);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
