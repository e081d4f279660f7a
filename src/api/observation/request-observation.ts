import type { GenerationEvent, GenerationUsage, StopReason } from "../../engine/generation-event.js";

export interface RequestObservationOptions {
  /** A monotonic clock in milliseconds; its reading at construction is the request's arrival. */
  readonly now: () => number;
  /** Keep the generated reply's text, for `--log-prompts`. Defaults to `false`: it is private. */
  readonly keepReply?: boolean;
  /**
   * Called once, as the first token arrives, with the milliseconds since the request's arrival. Defaults to none.
   * Told at once rather than read at the end: a client that leaves mid-stream gets no end to read it at.
   */
  readonly onFirstToken?: (milliseconds: number, upstream: string | null) => void;
}

/**
 * What one request did, noted as it happens on one clock from its arrival: its duration, time to first token,
 * token counts and stop reason, and with `keepReply` the reply itself. The access log line and `/metrics` both
 * read it, so they agree. Created when the request arrives and ended when its response is complete.
 */
export class RequestObservation {
  private readonly now: () => number;
  private readonly onFirstToken: ((milliseconds: number, upstream: string | null) => void) | undefined;
  private upstreamUrl: string | null = null;
  private readonly arrivedMs: number;
  private endedMs: number | null = null;
  private abandonedByClient = false;
  private firstTokenAtMs: number | null = null;
  private finish: Extract<GenerationEvent, { type: "finish" }> | null = null;
  private readonly keepReply: boolean;
  /** The reply as generated, kept only with `keepReply`, from the first generation event on. */
  private replyParts: string[] | null = null;

  constructor(options: RequestObservationOptions) {
    this.now = options.now;
    this.onFirstToken = options.onFirstToken;
    this.arrivedMs = options.now();
    this.keepReply = options.keepReply === true;
  }

  /**
   * Notes one generation event: the first text, thinking or tool call (its start, as its name is generated) is the
   * first token; `finish` has the counts.
   */
  observe(event: GenerationEvent): void {
    if (this.keepReply) this.replyParts ??= [];
    if (event.type === "start" && event.upstream !== undefined) this.upstreamUrl = event.upstream;
    if (this.firstTokenAtMs === null && isGenerated(event)) {
      this.firstTokenAtMs = this.now();
      this.onFirstToken?.(this.firstTokenAtMs - this.arrivedMs, this.upstreamUrl);
    }
    if (event.type === "text-delta" || event.type === "thinking-delta") this.replyParts?.push(event.text);
    if (event.type === "tool-call") this.replyParts?.push(JSON.stringify({ tool_use: event.name, input: event.input }));
    if (event.type === "finish") this.finish = event;
  }

  /**
   * Stops the clock: the response is complete, or `abandoned` by a client that left before it was. Only the
   * first call counts; it returns whether this was it.
   */
  end(abandoned = false): boolean {
    if (this.endedMs !== null) return false;
    this.endedMs = this.now();
    this.abandonedByClient = abandoned;
    return true;
  }

  /** Whether the client closed the connection before the response was complete. */
  get abandoned(): boolean {
    return this.abandonedByClient;
  }

  /** Milliseconds from the arrival to the end, or to now while the request is still running. */
  get durationMs(): number {
    return (this.endedMs ?? this.now()) - this.arrivedMs;
  }

  /** Milliseconds from the arrival (queueing and prompt evaluation included) to the first token; null before one. */
  get firstTokenMs(): number | null {
    return this.firstTokenAtMs === null ? null : this.firstTokenAtMs - this.arrivedMs;
  }

  /** The generation's token counts, once it has finished. */
  get usage(): GenerationUsage | null {
    return this.finish?.usage ?? null;
  }

  /** The upstream endpoint that served the generation, when it was not generated here. */
  get upstream(): string | null {
    return this.upstreamUrl;
  }

  /** Why the generation stopped, once it has finished. */
  get stopReason(): StopReason | null {
    return this.finish?.stopReason ?? null;
  }

  /** The reply as generated (tool calls as JSON), when kept and a generation ran; null otherwise. */
  get reply(): string | null {
    return this.replyParts?.join("") ?? null;
  }
}

function isGenerated(event: GenerationEvent): boolean {
  switch (event.type) {
    case "text-delta":
    case "thinking-delta":
    case "tool-call-start":
    case "tool-input-delta":
    case "tool-call":
      return true;
    case "start":
    case "finish":
      return false;
  }
}
