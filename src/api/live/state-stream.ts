import type { ServerResponse } from "node:http";
import { buildLiveState, readLive, type LiveStateSources } from "./live-state.js";
import { TokenRate } from "./token-rate.js";

export interface StateStreamOptions extends LiveStateSources {
  /** How often a state is sent. Defaults to 1000 ms. */
  readonly intervalMs?: number | undefined;
  /** Calls `tick` every `intervalMs` until the returned function is called. Defaults to `setInterval`. */
  readonly every?: (intervalMs: number, tick: () => void) => () => void;
  /** The clock, in milliseconds since the epoch. Defaults to `Date.now`. */
  readonly now?: () => number;
  /** Told when a state could not be built; the stream then ends. Defaults to nothing. */
  readonly onError?: (error: unknown) => void;
}

/** A client that reads no more than this far behind is cut off rather than buffered for. */
const maxBufferedBytes = 1024 * 1024;
/** Token rates are averaged over this long: totals grow in steps as generations end. */
const rateWindowMs = 5000;

/**
 * One client's state stream (Server-Sent Events): a `state` event at once, then one every interval, until the
 * client goes away or `end` is called. Its timer lives exactly as long as the connection.
 */
export class StateStream {
  private readonly rate = new TokenRate(rateWindowMs);
  private readonly now: () => number;
  private cancelTimer: (() => void) | null = null;
  private onEnd: (() => void) | null = null;

  constructor(
    private readonly response: ServerResponse,
    private readonly options: StateStreamOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Whether the timer is still running. */
  get open(): boolean {
    return this.cancelTimer !== null;
  }

  /** Sends the first state and starts the timer; `onEnd` is called once, when the stream ends for any reason. */
  start(onEnd: () => void): void {
    this.onEnd = onEnd;
    const every = this.options.every ?? everyInterval;
    this.cancelTimer = every(this.options.intervalMs ?? 1000, () => this.send());
    this.response.once("close", () => this.end());
    this.send();
  }

  /** Stops the timer and ends the response; the client may reconnect. */
  end(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    if (!this.response.writableEnded) this.response.end();
    const onEnd = this.onEnd;
    this.onEnd = null;
    onEnd?.();
  }

  private send(): void {
    if (this.response.destroyed || this.response.writableEnded) return this.end();
    if (this.response.writableLength > maxBufferedBytes) return this.end();
    let frame: string;
    try {
      const atMs = this.now();
      const reading = readLive(this.options);
      const state = buildLiveState(this.options, reading, this.rate.update(atMs, reading.totals), new Date(atMs));
      frame = `event: state\ndata: ${JSON.stringify(state)}\n\n`;
    } catch (error) {
      this.options.onError?.(error);
      return this.end();
    }
    this.response.write(frame);
  }
}

function everyInterval(intervalMs: number, tick: () => void): () => void {
  const timer = setInterval(tick, intervalMs);
  return () => clearInterval(timer);
}
