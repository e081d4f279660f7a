import type { UpstreamStats } from "../engine.js";
import type { UpstreamDialect, UpstreamEndpointOptions } from "./upstream-options.js";

const maxBackoffMs = 30_000;
const firstBackoffMs = 1_000;

/**
 * One upstream server: its health as the probes and the requests see it, and its load. A circuit breaker opens
 * after `failureThreshold` failures in a row (at once for a refused connection): the endpoint then takes no
 * requests until a probe after the backoff finds it ready again; each reopening doubles the backoff.
 */
export class UpstreamEndpoint {
  readonly url: string;
  readonly dialect: UpstreamDialect;
  readonly maxConcurrent: number;
  inFlight = 0;
  private probedReady = false;
  private probeFailuresInRow = 0;
  private failuresInRow = 0;
  private openUntil = 0;
  private backoffMs = firstBackoffMs;
  /** A context size the endpoint reported (vLLM's `max_model_len`, llama-server's `n_ctx`). */
  contextSize: number | null = null;
  readonly counts = { requests: 0, failures: 0, failovers: 0, affinityHits: 0, promptTokens: 0, cachedTokens: 0, outputTokens: 0 };

  constructor(
    options: UpstreamEndpointOptions,
    private readonly failureThreshold: number,
    private readonly now: () => number,
  ) {
    this.url = options.url.replace(/\/+$/, "").replace(/\/v1$/, "");
    this.dialect = options.dialect;
    this.maxConcurrent = options.maxConcurrent;
  }

  /** Takes requests: the last probe found the model served, and the breaker is closed. */
  get up(): boolean {
    return this.probedReady && this.openUntil === 0;
  }

  /** Whether a probe is due: always while closed, and once the backoff has passed while open. */
  get probeDue(): boolean {
    return this.openUntil === 0 || this.now() >= this.openUntil;
  }

  /**
   * What a probe found. One failed probe is not enough to leave a ready endpoint (a slow answer on a busy
   * machine would move its conversations for nothing): two in a row are, or one that found nothing listening.
   */
  probed(ready: boolean, unreachable = false): void {
    this.probeFailuresInRow = ready ? 0 : this.probeFailuresInRow + 1;
    if (!ready && this.probedReady && this.openUntil === 0 && !unreachable && this.probeFailuresInRow < 2) return;
    if (ready && this.openUntil !== 0) {
      // Half-open: the probe says it is back; the next failure reopens it with a longer backoff.
      this.openUntil = 0;
      this.failuresInRow = this.failureThreshold - 1;
    } else if (!ready && this.openUntil !== 0) {
      this.openUntil = this.now() + this.backoffMs;
      this.backoffMs = Math.min(maxBackoffMs, this.backoffMs * 2);
    }
    this.probedReady = ready;
  }

  succeeded(): void {
    this.failuresInRow = 0;
    this.backoffMs = firstBackoffMs;
  }

  /** A request failed here; `unreachable` (refused, reset before a reply) opens the breaker at once. */
  failed(unreachable: boolean): void {
    this.counts.failures += 1;
    this.failuresInRow = unreachable ? this.failureThreshold : this.failuresInRow + 1;
    if (this.failuresInRow >= this.failureThreshold && this.openUntil === 0) {
      this.openUntil = this.now() + this.backoffMs;
      this.backoffMs = Math.min(maxBackoffMs, this.backoffMs * 2);
    }
  }

  stats(pool: string): UpstreamStats {
    return { pool, url: this.url, dialect: this.dialect, up: this.up, inFlight: this.inFlight, maxConcurrent: this.maxConcurrent, ...this.counts };
  }
}
