import { describe, expect, it } from "vitest";
import { RecentRequests, type RequestSummary } from "../../../../src/api/live/recent-requests.js";

function summary(endedAt: number): RequestSummary {
  return {
    endedAt,
    model: "claude-sonnet-5",
    session: null,
    status: 200,
    durationMs: 10,
    inputTokens: 1,
    cachedInputTokens: 0,
    outputTokens: 1,
    firstTokenMs: 5,
    stopReason: "end_turn",
  };
}

describe("RecentRequests", () => {
  it("lists the requests of the window, newest first", () => {
    let now = 0;
    const recent = new RecentRequests({ windowMs: 1000, now: () => now });
    for (const endedAt of [100, 600, 900]) recent.record(summary(endedAt));
    now = 1000;
    expect(recent.recent().map((entry) => entry.endedAt)).toEqual([900, 600, 100]);
    now = 1650;
    expect(recent.recent().map((entry) => entry.endedAt)).toEqual([900]);
  });

  it("keeps at most its capacity, dropping the oldest", () => {
    const recent = new RecentRequests({ capacity: 3, now: () => 10 });
    for (let endedAt = 1; endedAt <= 5; endedAt += 1) recent.record(summary(endedAt));
    expect(recent.recent().map((entry) => entry.endedAt)).toEqual([5, 4, 3]);
  });
});
