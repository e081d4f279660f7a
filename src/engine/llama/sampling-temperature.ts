/**
 * Below this a temperature samples as greedily as 0 does (a logit gap of 1e-5 already gives odds of e^10), and near
 * float32's smallest values dividing the logits by it overflows to infinity: llama.cpp's sampler then picks a token
 * outside the grammar of a structured output or tool call, and the generation fails.
 */
const greedyBelow = 1e-6;

/** The temperature node-llama-cpp is given for the one a request asked for: 0 (greedy) for one too small to divide by. */
export function samplingTemperature(temperature: number): number {
  return temperature < greedyBelow ? 0 : temperature;
}
