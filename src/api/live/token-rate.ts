export interface TokenTotals {
  /** Prompt tokens evaluated so far (cached ones not counted: they cost nothing). */
  readonly input: number;
  readonly output: number;
}

export interface TokensPerSecond {
  readonly input: number;
  readonly output: number;
}

/**
 * Tokens per second over a sliding window, from running totals read once a tick. The window smooths the steps
 * of totals that only grow when a generation ends; `null` until two readings span some time.
 */
export class TokenRate {
  private readonly readings: { readonly atMs: number; readonly totals: TokenTotals }[] = [];

  /** @param windowMs How far back the rate looks. */
  constructor(private readonly windowMs: number) {}

  update(atMs: number, totals: TokenTotals): TokensPerSecond | null {
    this.readings.push({ atMs, totals });
    // Keep one reading at or before the window's start, so the window is always covered when it can be.
    while (this.readings.length > 2 && (this.readings[1]?.atMs ?? atMs) <= atMs - this.windowMs) this.readings.shift();
    const oldest = this.readings[0];
    if (oldest === undefined || atMs <= oldest.atMs) return null;
    const seconds = (atMs - oldest.atMs) / 1000;
    // Totals restart from zero when a model is reloaded: a negative step is not a rate.
    const rate = (now: number, then: number): number => Math.max(0, now - then) / seconds;
    return { input: rate(totals.input, oldest.totals.input), output: rate(totals.output, oldest.totals.output) };
  }
}
