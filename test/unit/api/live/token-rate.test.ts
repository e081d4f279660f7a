import { describe, expect, it } from "vitest";
import { TokenRate } from "../../../../src/api/live/token-rate.js";

describe("TokenRate", () => {
  it("has no rate until two readings span some time", () => {
    const rate = new TokenRate(5000);
    expect(rate.update(1000, { input: 10, output: 5 })).toBeNull();
    expect(rate.update(1000, { input: 20, output: 5 })).toBeNull();
  });

  it("averages over the window, so that totals that grow in steps read as a steady rate", () => {
    const rate = new TokenRate(5000);
    rate.update(0, { input: 0, output: 0 });
    expect(rate.update(1000, { input: 0, output: 0 })).toEqual({ input: 0, output: 0 });
    expect(rate.update(2000, { input: 400, output: 100 })).toEqual({ input: 200, output: 50 });
    for (let second = 3; second <= 7; second += 1) rate.update(second * 1000, { input: 400, output: 100 });
    // At 7 s the window starts at 2 s, after the step: nothing new since.
    expect(rate.update(7000, { input: 400, output: 100 })).toEqual({ input: 0, output: 0 });
  });

  it("reads a total that went down (a reloaded model) as no tokens, never a negative rate", () => {
    const rate = new TokenRate(5000);
    rate.update(0, { input: 100, output: 100 });
    expect(rate.update(1000, { input: 0, output: 0 })).toEqual({ input: 0, output: 0 });
  });
});
