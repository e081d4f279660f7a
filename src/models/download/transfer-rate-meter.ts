/**
 * Bytes per second over the last few seconds, so the speed and ETA follow the current rate rather than the
 * average since the start (which a resumed or stalled download would distort).
 */
export class TransferRateMeter {
  private readonly samples: { time: number; bytes: number }[] = [];

  constructor(
    private readonly now: () => number,
    /** Defaults to `5000` ms. */
    private readonly windowMs = 5000,
  ) {}

  /** Records that `bytes` have arrived in total so far, and returns the current rate in bytes per second. */
  record(bytes: number): number {
    const time = this.now();
    this.samples.push({ time, bytes });
    while (this.samples.length > 2 && time - (this.samples[1]?.time ?? time) >= this.windowMs) this.samples.shift();
    const oldest = this.samples[0];
    if (oldest === undefined || time <= oldest.time) return 0;
    return ((bytes - oldest.bytes) * 1000) / (time - oldest.time);
  }
}
