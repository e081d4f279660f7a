/** One answered generation request as the live page lists it: counts and timings, never prompt or reply text. */
export interface RequestSummary {
  /** When the response ended, in milliseconds since the epoch. */
  readonly endedAt: number;
  /** The model name the client asked for. */
  readonly model: string | null;
  readonly session: string | null;
  readonly status: number;
  readonly durationMs: number;
  /** `null` when the request ended before generating (an error, a refusal). */
  readonly inputTokens: number | null;
  readonly cachedInputTokens: number | null;
  readonly outputTokens: number | null;
  readonly firstTokenMs: number | null;
  /** Anthropic's stop reason (`end_turn`), `null` without a generation. */
  readonly stopReason: string | null;
}

export interface RecentRequestsOptions {
  /** How many requests are kept at most. Defaults to `200`. */
  readonly capacity?: number;
  /** How far back `recent()` looks, in milliseconds. Defaults to 10 minutes. */
  readonly windowMs?: number;
  /** The clock, in milliseconds since the epoch. Defaults to `Date.now`. */
  readonly now?: () => number;
}

/** The last requests answered, oldest dropped first: what the live page's table and charts are drawn from. */
export class RecentRequests {
  private readonly entries: RequestSummary[] = [];
  private readonly capacity: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: RecentRequestsOptions = {}) {
    this.capacity = options.capacity ?? 200;
    this.windowMs = options.windowMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
  }

  record(summary: RequestSummary): void {
    this.entries.push(summary);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  /** The requests that ended within the window, newest first. */
  recent(): readonly RequestSummary[] {
    const since = this.now() - this.windowMs;
    const result: RequestSummary[] = [];
    for (let index = this.entries.length - 1; index >= 0; index -= 1) {
      const entry = this.entries[index];
      if (entry === undefined || entry.endedAt < since) break;
      result.push(entry);
    }
    return result;
  }
}
