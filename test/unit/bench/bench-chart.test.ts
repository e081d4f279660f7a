import { describe, expect, it } from "vitest";
import { figureResult, type FigureSpec } from "../../../bench/anchor/anchor-figures.js";
import { benchChart } from "../../../bench/anchor/bench-chart.js";

const decode: FigureSpec = { id: "decode@2600", label: "decode, 2.6k context", unit: "tokens/s", better: "higher" };
const memory: FigureSpec = { id: "peak-rss@1x32768", label: "peak RSS <1 × 32k>", unit: "MB", better: "lower" };

describe("figureResult", () => {
  it("takes each side's median and divides Pensieve's by llama-server's", () => {
    const figure = figureResult(decode, [{ value: 40 }, { value: 50 }, { value: 45 }], [{ value: 60 }, { value: 50 }, { value: 55 }]);
    expect(figure.pensieve).toBe(45);
    expect(figure.llamaServer).toBe(55);
    expect(figure.ratio).toBeCloseTo(45 / 55);
  });
});

describe("benchChart", () => {
  const svg = benchChart({
    title: "Pensieve & llama-server",
    subtitle: "tiny q8_0",
    figures: [figureResult(decode, [{ value: 45 }], [{ value: 50 }]), figureResult(memory, [{ value: 300 }], [{ value: 250 }])],
  });

  it("draws one bar per server and figure, the longer of a pair at full width", () => {
    const widths = [...svg.matchAll(/<rect x="16" y="\d+" width="(\d+)" height="15"/g)].map((match) => Number(match[1]));
    expect(widths).toEqual([504, 560, 560, 467]);
  });

  it("states each ratio and its direction, and escapes text", () => {
    expect(svg).toContain("×0.90");
    expect(svg).toContain("×1.20");
    expect(svg).toContain("(higher is better)");
    expect(svg).toContain("(lower is better)");
    expect(svg).toContain("Pensieve 20 % worse");
    expect(svg).toContain("Pensieve &amp; llama-server");
    expect(svg).toContain("peak RSS &lt;1 × 32k&gt;");
    expect(svg).not.toMatch(/<[^/a-z?]/);
  });
});
