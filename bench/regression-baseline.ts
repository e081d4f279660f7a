import type { ModelShapeName } from "../src/models/generator/model-shapes.js";
import type { ModelWeightType } from "../src/models/generator/model-weight-type.js";

/** What a regression run measured on. Runs compare only on the same setup: the calibration does not cover another. */
export interface RegressionSetup {
  readonly shape: ModelShapeName;
  readonly type: ModelWeightType;
  /** `qwen2` (../shared's real tokenizer) or `builtin`. */
  readonly vocabulary: string;
  readonly threads: number;
}

export interface Measurements {
  /** Each latency divided by the calibration (raw ms per decoded token): unitless. */
  readonly normalized: Record<string, number>;
  readonly peakRssMb: number;
}

export type RegressionRecord = RegressionSetup & Measurements;

const latencyTolerance = 0.1;
const memoryTolerance = 0.05;
const setupFields = ["shape", "type", "vocabulary", "threads"] as const;

/** A baseline measured on another setup than the run: comparing them would report noise as a result. */
export class BaselineMismatchError extends Error {
  override readonly name = "BaselineMismatchError";
}

/**
 * Throws `BaselineMismatchError`, naming each difference, unless `baseline` was measured on the same model shape,
 * weight type, vocabulary and thread count as `setup`. A baseline that does not record one of them is refused too.
 */
export function checkSameSetup(setup: RegressionSetup, baseline: Partial<RegressionSetup>): void {
  const differences = setupFields
    .filter((field) => baseline[field] !== setup[field])
    .map((field) => `${field} ${baseline[field] === undefined ? "not recorded" : JSON.stringify(baseline[field])} in the baseline, ${JSON.stringify(setup[field])} in this run`);
  if (differences.length > 0) {
    throw new BaselineMismatchError(
      `the baseline was measured on another setup (${differences.join("; ")}): run with the baseline's settings, or write a new baseline with --update-baseline`,
    );
  }
}

/**
 * The regressions of `current` against `baseline`: a normalized latency more than 10 % higher, or peak memory
 * more than 5 % higher. Throws `BaselineMismatchError` when the baseline was measured on another setup.
 */
export function compare(current: RegressionRecord, baseline: Partial<RegressionSetup> & Measurements): string[] {
  checkSameSetup(current, baseline);
  const failures: string[] = [];
  for (const [name, value] of Object.entries(current.normalized)) {
    const before = baseline.normalized[name];
    if (before !== undefined && value > before * (1 + latencyTolerance)) {
      failures.push(`${name}: ${value.toFixed(2)} vs baseline ${before.toFixed(2)} (+${((value / before - 1) * 100).toFixed(1)} %, limit +10 %)`);
    }
  }
  if (current.peakRssMb > baseline.peakRssMb * (1 + memoryTolerance)) {
    failures.push(`peak RSS: ${current.peakRssMb} MB vs baseline ${baseline.peakRssMb} MB (limit +5 %)`);
  }
  return failures;
}
