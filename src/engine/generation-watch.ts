export interface GenerationWatchOptions {
  /** Prompt tokens this generation must evaluate (the cached prefix excluded). */
  readonly promptTokens: number;
  /** Tokens the sequence has processed since the generation began: prompt tokens, then generated ones. */
  readonly tokensProcessed: () => number;
  /** No progress for this long ends the generation; `0` never does. Defaults to 10 minutes. */
  readonly stallMs?: number | undefined;
  /** How often a long prompt evaluation reports its progress. Defaults to 10 s. */
  readonly logIntervalMs?: number | undefined;
  readonly log?: ((level: "info" | "warn", message: string) => void) | undefined;
  readonly now?: () => number;
}

/**
 * Watches one running generation: how much of its prompt is still to be evaluated (for the log and
 * `/metrics`), and whether it has stopped making progress. A stalled generation is ended through `stalled`,
 * so its client gets a clean end instead of a connection that never finishes.
 */
export class GenerationWatch {
  private readonly controller = new AbortController();
  private readonly now: () => number;
  private readonly startedAt: number;
  private lastProcessed = 0;
  private lastProgressAt: number;
  private lastLogAt: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: GenerationWatchOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.lastProgressAt = this.startedAt;
    this.lastLogAt = this.startedAt;
  }

  /** Aborted when the generation has made no progress for `stallMs`. */
  get stalled(): AbortSignal {
    return this.controller.signal;
  }

  get promptTokensPending(): number {
    return Math.max(0, this.options.promptTokens - this.options.tokensProcessed());
  }

  /** Checks every `intervalMs` until disposed; the timer never holds the process open. */
  start(intervalMs: number): this {
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
    return this;
  }

  dispose(): void {
    clearInterval(this.timer);
  }

  check(): void {
    const now = this.now();
    const processed = this.options.tokensProcessed();
    if (processed !== this.lastProcessed) {
      this.lastProcessed = processed;
      this.lastProgressAt = now;
    }
    const { promptTokens, stallMs = 600_000, logIntervalMs = 10_000, log } = this.options;
    if (processed < promptTokens && now - this.lastLogAt >= logIntervalMs) {
      this.lastLogAt = now;
      const seconds = (now - this.startedAt) / 1000;
      log?.(
        "info",
        `evaluating the prompt: ${processed} of ${promptTokens} tokens (${Math.floor((processed / promptTokens) * 100)} %), ` +
          `${Math.round(processed / seconds)} tokens/s`,
      );
    }
    if (stallMs > 0 && now - this.lastProgressAt >= stallMs && !this.controller.signal.aborted) {
      log?.("warn", `generation stalled: no token for ${Math.round((now - this.lastProgressAt) / 1000)} s, ending it`);
      this.controller.abort(new Error("generation stalled"));
    }
  }
}
