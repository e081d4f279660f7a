import { describe, expect, it } from "vitest";
import { samplingTemperature } from "../../../src/engine/llama/sampling-temperature.js";

describe("samplingTemperature", () => {
  it("samples greedily below 1e-6, where dividing the logits could overflow", () => {
    expect(samplingTemperature(8.234741221002684e-41)).toBe(0);
    expect(samplingTemperature(9.99e-7)).toBe(0);
    expect(samplingTemperature(0)).toBe(0);
  });

  it("keeps every other temperature as asked", () => {
    expect(samplingTemperature(1e-6)).toBe(1e-6);
    expect(samplingTemperature(0.7)).toBe(0.7);
    expect(samplingTemperature(2)).toBe(2);
  });
});
