import { describe, expect, it } from "vitest";
import { figureResult } from "../../../bench/anchor/anchor-figures.js";

const decode = { id: "decode@2600", label: "decode, 2.6k context", unit: "tokens/s", better: "higher" } as const;

describe("figureResult", () => {
  it("keeps the ratio of the medians and, beside it, the spread of each run's own ratio", () => {
    // The machine slowed down for the last pair: the medians' ratio hides it, the pairs show it.
    const figure = figureResult(decode, [{ value: 40 }, { value: 44 }, { value: 30 }], [{ value: 50 }, { value: 44 }, { value: 40 }]);
    expect(figure.ratio).toBeCloseTo(40 / 44);
    expect(figure.pairedRatios).toEqual({ lowest: 0.75, median: 0.8, highest: 1 });
  });

  it("has no paired ratios for a single run, or only as many as both servers ran", () => {
    expect(figureResult(decode, [{ value: 40 }], [{ value: 50 }]).pairedRatios).toBeNull();
    expect(figureResult(decode, [{ value: 40 }, { value: 60 }, { value: 45 }], [{ value: 50 }, { value: 50 }]).pairedRatios).toEqual({ lowest: 0.8, median: 1, highest: 1.2 });
  });
});
