import { readProcessUsage, type ProcessUsageReading } from "./read-process-usage.js";

/** The process's resources at one moment; CPU is averaged over the time since the previous sample. */
export interface PerformanceSample {
  /** Milliseconds since `start()`. */
  readonly elapsedMs: number;
  /** CPU time used since the previous sample, in percent of one core (like `top`): 200 is two busy cores. */
  readonly cpuPercent: number;
  readonly rssBytes: number;
  /** `null` where the OS does not report anonymous RSS (outside Linux). */
  readonly rssAnonBytes: number | null;
  readonly heapUsedBytes: number;
  /** `null` when no GPU is in use (no `readVramBytes` hook, or the hook says so). */
  readonly vramBytes: number | null;
}

export interface PeakAndAverage {
  readonly peak: number;
  readonly average: number;
}

export interface PerformanceSummary {
  readonly samples: number;
  /** From `start()` to the last sample. */
  readonly durationMs: number;
  /** The average is CPU time over wall time for the whole span; the peak is the busiest sampling interval. */
  readonly cpuPercent: PeakAndAverage;
  readonly rssBytes: PeakAndAverage;
  readonly rssAnonBytes: PeakAndAverage | null;
  readonly heapUsedBytes: PeakAndAverage;
  readonly vramBytes: PeakAndAverage | null;
}

export interface PerformanceMonitorOptions {
  /**
   * Samples per second while running. Defaults to `1`: each sample costs the event loop about 0.2 ms, and ten a
   * second cost about 1 % of decode speed on 2 cores (#12). The CPU, anonymous-memory and VRAM peaks are over
   * samples; the RSS peak also counts the OS's own record of it.
   */
  readonly samplesPerSecond?: number;
  /** Reads CPU time and memory. Defaults to `readProcessUsage` (this process). */
  readonly readUsage?: () => ProcessUsageReading;
  /**
   * Used GPU memory in bytes, or `null` when no GPU is in use. Called at every sample, so it must be cheap and
   * synchronous: cache the latest value of an asynchronous source. Defaults to no GPU.
   */
  readonly readVramBytes?: () => number | null;
  /** A monotonic clock in milliseconds. Defaults to `performance.now`. */
  readonly now?: () => number;
  /** Calls `tick` every `intervalMs` until the returned function is called. Defaults to an unref'd `setInterval`. */
  readonly every?: (intervalMs: number, tick: () => void) => () => void;
  /** Receives each sample, for callers that keep a time series. Defaults to none. */
  readonly onSample?: (sample: PerformanceSample) => void;
}

/**
 * Samples CPU, RSS, anonymous RSS, heap (and VRAM through a hook) once a second by default, keeping the latest
 * sample and running peaks and averages rather than every sample, so it can run for the life of a server. The RSS
 * peak also counts the OS's record of the process's largest RSS, which holds a spike that came and went between
 * two samples.
 */
export class PerformanceMonitor {
  private readonly intervalMs: number;
  private readonly readUsage: () => ProcessUsageReading;
  private readonly readVramBytes: () => number | null;
  private readonly now: () => number;
  private readonly every: (intervalMs: number, tick: () => void) => () => void;
  private cancelTimer: (() => void) | null = null;
  private startedMs = 0;
  private previous: { readonly atMs: number; readonly cpuMicroseconds: number } | null = null;
  private firstCpuMicroseconds = 0;
  private firstPeakRssBytes = 0;
  private lastSample: PerformanceSample | null = null;
  private statistics = new SummaryStatistics();

  constructor(private readonly options: PerformanceMonitorOptions = {}) {
    const samplesPerSecond = options.samplesPerSecond ?? 1;
    if (!(samplesPerSecond > 0)) throw new RangeError(`samplesPerSecond must be positive, got ${samplesPerSecond}`);
    this.intervalMs = 1000 / samplesPerSecond;
    this.readUsage = options.readUsage ?? (() => readProcessUsage());
    this.readVramBytes = options.readVramBytes ?? (() => null);
    this.now = options.now ?? (() => performance.now());
    this.every = options.every ?? everyUnref;
  }

  get running(): boolean {
    return this.cancelTimer !== null;
  }

  /** Whether samples carry VRAM, that is whether a `readVramBytes` hook was given. */
  get measuresVram(): boolean {
    return this.options.readVramBytes !== undefined;
  }

  /** Starts sampling from a fresh baseline, forgetting any earlier run. Does nothing while already running. */
  start(): void {
    if (this.running) return;
    this.startedMs = this.now();
    const first = this.readUsage();
    this.firstCpuMicroseconds = first.cpuMicroseconds;
    this.firstPeakRssBytes = first.peakRssBytes;
    this.previous = { atMs: this.startedMs, cpuMicroseconds: this.firstCpuMicroseconds };
    this.lastSample = null;
    this.statistics = new SummaryStatistics();
    this.cancelTimer = this.every(this.intervalMs, () => this.sample());
  }

  /** Takes one sample at once (the timer calls this); useful to catch a moment between ticks. */
  sample(): PerformanceSample {
    if (this.previous === null) throw new Error("PerformanceMonitor.sample() before start()");
    const atMs = this.now();
    const usage = this.readUsage();
    const wallMs = atMs - this.previous.atMs;
    const cpuMs = (usage.cpuMicroseconds - this.previous.cpuMicroseconds) / 1000;
    const sample: PerformanceSample = {
      elapsedMs: atMs - this.startedMs,
      // Two samples at the same instant (an injected clock) have no interval to average over.
      cpuPercent: wallMs > 0 ? (cpuMs / wallMs) * 100 : 0,
      rssBytes: usage.rssBytes,
      rssAnonBytes: usage.rssAnonBytes,
      heapUsedBytes: usage.heapUsedBytes,
      vramBytes: this.readVramBytes(),
    };
    this.previous = { atMs, cpuMicroseconds: usage.cpuMicroseconds };
    this.lastSample = sample;
    this.statistics.add(sample, usage.cpuMicroseconds - this.firstCpuMicroseconds, this.peakRssSinceStart(usage.peakRssBytes));
    this.options.onSample?.(sample);
    return sample;
  }

  /**
   * The OS's largest RSS counts from the process's start. Once it has risen above its value at `start()`, it is the
   * peak since then; until it has, that peak is below it and only the samples tell (0).
   */
  private peakRssSinceStart(peakRssBytes: number): number {
    return peakRssBytes > this.firstPeakRssBytes ? peakRssBytes : 0;
  }

  /** The most recent sample of the current or last run, or `null` before the first one. */
  latest(): PerformanceSample | null {
    return this.lastSample;
  }

  /** Peaks and averages so far; the monitor keeps running. */
  summary(): PerformanceSummary {
    return this.statistics.result();
  }

  /** Takes a last sample, stops the timer and returns the run's summary. Repeated calls return the same summary. */
  stop(): PerformanceSummary {
    if (this.cancelTimer !== null) {
      this.sample();
      this.cancelTimer();
      this.cancelTimer = null;
    }
    return this.summary();
  }
}

function everyUnref(intervalMs: number, tick: () => void): () => void {
  // Unref'd: a forgotten monitor must not keep a finished process (a test worker, a benchmark) alive.
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

class RunningStatistic {
  private count = 0;
  private total = 0;
  private peak = 0;

  add(value: number, peak = value): void {
    this.peak = this.count === 0 ? peak : Math.max(this.peak, peak);
    this.count += 1;
    this.total += value;
  }

  result(): PeakAndAverage | null {
    return this.count === 0 ? null : { peak: this.peak, average: this.total / this.count };
  }
}

class SummaryStatistics {
  private samples = 0;
  private durationMs = 0;
  private cpuMicroseconds = 0;
  private readonly cpuPercent = new RunningStatistic();
  private readonly rssBytes = new RunningStatistic();
  private readonly rssAnonBytes = new RunningStatistic();
  private readonly heapUsedBytes = new RunningStatistic();
  private readonly vramBytes = new RunningStatistic();

  /** `peakRssBytes`: the peak RSS since the monitor started, as the OS records it, or 0 when unknown. */
  add(sample: PerformanceSample, cpuMicrosecondsSinceStart: number, peakRssBytes: number): void {
    this.samples += 1;
    this.durationMs = sample.elapsedMs;
    this.cpuMicroseconds = cpuMicrosecondsSinceStart;
    this.cpuPercent.add(sample.cpuPercent);
    this.rssBytes.add(sample.rssBytes, Math.max(sample.rssBytes, peakRssBytes));
    if (sample.rssAnonBytes !== null) this.rssAnonBytes.add(sample.rssAnonBytes);
    this.heapUsedBytes.add(sample.heapUsedBytes);
    if (sample.vramBytes !== null) this.vramBytes.add(sample.vramBytes);
  }

  result(): PerformanceSummary {
    const none: PeakAndAverage = { peak: 0, average: 0 };
    const cpuPeak = this.cpuPercent.result()?.peak ?? 0;
    return {
      samples: this.samples,
      durationMs: this.durationMs,
      cpuPercent: { peak: cpuPeak, average: this.durationMs > 0 ? (this.cpuMicroseconds / 1000 / this.durationMs) * 100 : 0 },
      rssBytes: this.rssBytes.result() ?? none,
      rssAnonBytes: this.rssAnonBytes.result(),
      heapUsedBytes: this.heapUsedBytes.result() ?? none,
      vramBytes: this.vramBytes.result(),
    };
  }
}
