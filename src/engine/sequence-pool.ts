import { EngineOverloadedError } from "./engine-errors.js";
import { waitInQueue, type QueueEntry } from "./wait-in-queue.js";

/** A sequence taken from the pool; `release` gives it back exactly once. */
export interface SequenceLease<Sequence> {
  readonly sequence: Sequence;
  release(): void;
  /**
   * Says the request holding the sequence was abandoned and will release it shortly (within one batch): a
   * new request that would reuse much more of this sequence's cache than of any free one waits for it.
   */
  closing(): void;
}

interface Waiter<Sequence> extends QueueEntry<SequenceLease<Sequence>> {
  readonly score: (sequence: Sequence) => number;
  /** A closing sequence this waiter takes when it is released, rather than any free one. */
  readonly preferred: Sequence | null;
}

/**
 * Hands out a fixed set of sequences, one request each. A request takes the free sequence that scores best
 * for it (the longest shared prompt prefix, so cached work is reused); with none free it waits in a bounded
 * FIFO queue, and past the bound it is refused at once so that clients can back off and retry. A request
 * also waits, rather than start from a cold sequence, for an abandoned one that holds much more of its
 * prompt: Claude Code re-sends the same request when it gives up on a slow first token.
 */
export class SequencePool<Sequence> {
  /** Free sequences in the order given, so that ties go to the first: see `release`. */
  private readonly free: Sequence[];
  private readonly closingSequences = new Set<Sequence>();
  private readonly waiters: Waiter<Sequence>[] = [];

  constructor(
    private readonly sequences: readonly Sequence[],
    private readonly maxQueue: number,
    /** How long a request may wait for a sequence before it is refused. */
    private readonly maxWaitMs: number = 10 * 60_000,
    /** How much better a closing sequence must score than the best free one to be worth waiting for. */
    private readonly worthWaitingFor: number = 512,
  ) {
    this.free = [...sequences];
  }

  get queueDepth(): number {
    return this.waiters.length;
  }

  get freeCount(): number {
    return this.free.length;
  }

  /** Sequences still held by requests whose clients left. */
  get closingCount(): number {
    return this.closingSequences.size;
  }

  acquire(score: (sequence: Sequence) => number, signal: AbortSignal): Promise<SequenceLease<Sequence>> {
    signal.throwIfAborted();
    // Waiting for a particular sequence never jumps the queue (with plain waiters ahead the request queues
    // like them), and a full queue takes no one who could start at once elsewhere.
    const queueAhead = this.waiters.some((waiter) => waiter.preferred === null);
    const preferred = !queueAhead && this.waiters.length < this.maxQueue ? this.closingWorthWaitingFor(score) : null;
    if (preferred === null && this.free.length > 0 && !queueAhead) {
      return Promise.resolve(this.lease(this.takeBest(score)));
    }
    if (this.waiters.length >= this.maxQueue) {
      return Promise.reject(
        new EngineOverloadedError(`all sequences are busy and ${this.maxQueue} requests are already waiting`, 1),
      );
    }
    return waitInQueue(this.waiters, (settle): Waiter<Sequence> => ({ score, preferred, ...settle }), {
      signal,
      maxWaitMs: this.maxWaitMs,
      timeoutError: () => new EngineOverloadedError(`waited ${Math.round(this.maxWaitMs / 1000)} s for a free sequence`, 5),
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
        this.closingSequences.delete(sequence);
        // Back in its place, not at the end: requests that score alike take the first sequences, so the busy
        // ones stay the first few, which llama.cpp evaluates together in one pass (it splits a batch wherever
        // the sequence numbers in it have a gap).
        const free = new Set([...this.free, sequence]);
        this.free.splice(0, this.free.length, ...this.sequences.filter((each) => free.has(each)));
        this.dispatch();
      },
      closing: () => {
        if (!released) this.closingSequences.add(sequence);
      },
    };
  }

  /** The closing sequence to wait for, when it scores clearly better than every free one (and is not claimed). */
  private closingWorthWaitingFor(score: (sequence: Sequence) => number): Sequence | null {
    // Scoring compares each sequence's tokens with the prompt: not done twice per request for nothing.
    if (this.closingSequences.size === 0) return null;
    // With nothing free, an empty sequence is what the request would get: the closing one must beat that.
    const bestFree = this.free.length === 0 ? 0 : Math.max(...this.free.map(score));
    let best: Sequence | null = null;
    let bestScore = bestFree + this.worthWaitingFor;
    for (const sequence of this.closingSequences) {
      if (this.waiters.some((waiter) => waiter.preferred === sequence)) continue;
      const value = score(sequence);
      if (value >= bestScore) {
        best = sequence;
        bestScore = value;
      }
    }
    return best;
  }

  private dispatch(): void {
    // A waiter that waited for a particular sequence gets it first; the rest go in order to whatever is free.
    for (const waiter of [...this.waiters]) {
      if (waiter.preferred === null) continue;
      const index = this.free.indexOf(waiter.preferred);
      if (index === -1) continue;
      this.free.splice(index, 1);
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(this.lease(waiter.preferred));
    }
    while (this.free.length > 0) {
      const index = this.waiters.findIndex((waiter) => waiter.preferred === null);
      if (index === -1) return;
      const [waiter] = this.waiters.splice(index, 1);
      waiter?.resolve(this.lease(this.takeBest(waiter.score)));
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
