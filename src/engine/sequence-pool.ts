import { EngineOverloadedError } from "./engine-errors.js";

/** A sequence taken from the pool; `release` gives it back exactly once. */
export interface SequenceLease<Sequence> {
  readonly sequence: Sequence;
  release(): void;
}

interface Waiter<Sequence> {
  readonly score: (sequence: Sequence) => number;
  readonly resolve: (lease: SequenceLease<Sequence>) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Hands out a fixed set of sequences, one request each. A request takes the free sequence that scores best
 * for it (the longest shared prompt prefix, so cached work is reused); with none free it waits in a bounded
 * FIFO queue, and past the bound it is refused at once so that clients can back off and retry.
 */
export class SequencePool<Sequence> {
  private readonly free: Sequence[];
  private readonly waiters: Waiter<Sequence>[] = [];

  constructor(
    sequences: readonly Sequence[],
    private readonly maxQueue: number,
    /** How long a request may wait for a sequence before it is refused. */
    private readonly maxWaitMs: number = 10 * 60_000,
  ) {
    this.free = [...sequences];
  }

  get queueDepth(): number {
    return this.waiters.length;
  }

  get freeCount(): number {
    return this.free.length;
  }

  acquire(score: (sequence: Sequence) => number, signal: AbortSignal): Promise<SequenceLease<Sequence>> {
    signal.throwIfAborted();
    if (this.free.length > 0 && this.waiters.length === 0) return Promise.resolve(this.lease(this.takeBest(score)));
    if (this.waiters.length >= this.maxQueue) {
      return Promise.reject(
        new EngineOverloadedError(`all sequences are busy and ${this.maxQueue} requests are already waiting`, 1),
      );
    }
    return new Promise((resolve, reject) => {
      const leave = (error: unknown): void => {
        const index = this.waiters.indexOf(waiter);
        if (index === -1) return;
        this.waiters.splice(index, 1);
        clearTimeout(timer);
        reject(error);
      };
      const waiter: Waiter<Sequence> = {
        score,
        resolve: (lease) => {
          clearTimeout(timer);
          signal.removeEventListener("abort", onAbort);
          resolve(lease);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const onAbort = (): void => leave(signal.reason);
      const timer = setTimeout(
        () => leave(new EngineOverloadedError(`waited ${Math.round(this.maxWaitMs / 1000)} s for a free sequence`, 5)),
        this.maxWaitMs,
      );
      this.waiters.push(waiter);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Refuses every queued request, for a shutdown. */
  rejectWaiting(error: unknown): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  private lease(sequence: Sequence): SequenceLease<Sequence> {
    let released = false;
    return {
      sequence,
      release: () => {
        if (released) return;
        released = true;
        this.free.push(sequence);
        this.dispatch();
      },
    };
  }

  private dispatch(): void {
    while (this.free.length > 0) {
      const waiter = this.waiters.shift();
      if (waiter === undefined) return;
      waiter.resolve(this.lease(this.takeBest(waiter.score)));
    }
  }

  private takeBest(score: (sequence: Sequence) => number): Sequence {
    let bestIndex = 0;
    let bestScore = -Infinity;
    this.free.forEach((sequence, index) => {
      const value = score(sequence);
      if (value > bestScore) {
        bestScore = value;
        bestIndex = index;
      }
    });
    const [sequence] = this.free.splice(bestIndex, 1);
    if (sequence === undefined) throw new Error("takeBest called with no free sequence");
    return sequence;
  }
}
