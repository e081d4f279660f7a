import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NextTurnPreparations } from "../../../src/engine/llama/next-turn-preparations.js";
import type { HeldAfterBatch } from "../../../src/engine/llama/prefill.js";
import type { SequenceLease } from "../../../src/engine/sequence-pool.js";

const tokens = (...values: number[]): Token[] => values as Token[];

/** A sequence holding `held`, recording what it is asked to erase and evaluate. */
function fakeSequence(held: Token[]) {
  const calls: string[] = [];
  const sequence = {
    get nextTokenIndex() {
      return held.length;
    },
    eraseContextTokenRanges: async (ranges: { start: number; end: number }[]) => {
      calls.push(`erase ${ranges.map((range) => `${range.start}-${range.end}`).join(",")}`);
      held.splice(ranges[0]?.start ?? held.length);
    },
    evaluateWithoutGeneratingNewTokens: async (evaluated: Token[]) => {
      calls.push(`evaluate ${evaluated.join(",")}`);
      held.push(...evaluated);
    },
  };
  return { sequence: sequence as unknown as LlamaContextSequence, calls };
}

function fakeLease(sequence: LlamaContextSequence) {
  const events: string[] = [];
  let released!: () => void;
  const done = new Promise<void>((resolve) => (released = resolve));
  const lease: SequenceLease<LlamaContextSequence> = {
    sequence,
    closing: () => events.push("closing"),
    release: () => {
      events.push("released");
      released();
    },
  };
  return { lease, events, released: done };
}

function preparations(delayMs = 60_000, batchTokens = 512) {
  const heldAfterBatch = new Map<LlamaContextSequence, HeldAfterBatch>();
  return { preparations: new NextTurnPreparations({ delayMs, batchTokens, heldAfterBatch, generating: () => false }), heldAfterBatch };
}

/**
 * A sequence like `fakeSequence` whose every evaluation waits until the test calls `finishBatch`, which also
 * returns what the preparations had recorded the sequence would hold after it; `batchInFlight` waits for one.
 */
function gatedSequence(held: Token[], heldAfterBatch: Map<LlamaContextSequence, HeldAfterBatch>) {
  const { sequence, calls } = fakeSequence(held);
  const evaluate = sequence.evaluateWithoutGeneratingNewTokens.bind(sequence);
  const gates: (() => void)[] = [];
  sequence.evaluateWithoutGeneratingNewTokens = async (tokens: Token[]) => {
    await new Promise<void>((resolve) => gates.push(resolve));
    await evaluate(tokens);
  };
  const batchInFlight = () => vi.waitFor(() => expect(gates.length).toBe(1));
  const finishBatch = async (): Promise<number | undefined> => {
    await batchInFlight();
    const recorded = heldAfterBatch.get(sequence)?.length;
    gates.shift()?.();
    return recorded;
  };
  return { sequence, calls, batchInFlight, finishBatch };
}

/** A sequence holding 1, 2, 3 that starts preparing 4..9 in batches of 2 at once, for the request that continues it. */
function preparingInBatches() {
  const { preparations: subject, heldAfterBatch } = preparations(60_000, 2);
  const { sequence, calls, batchInFlight, finishBatch } = gatedSequence(tokens(1, 2, 3), heldAfterBatch);
  const { lease, events, released } = fakeLease(sequence);
  subject.prepare(lease, () => ({ tokens: tokens(1, 2, 3, 4, 5, 6, 7, 8, 9), kept: 3 }));
  return { subject, heldAfterBatch, calls, batchInFlight, finishBatch, events, released };
}

/** A sequence holding 1, 2, 3 prepared for a next turn that adds 4 (delay 100 ms), once its delay's timer is set. */
async function preparingOneToken(generating: () => boolean) {
  const { sequence, calls } = fakeSequence(tokens(1, 2, 3));
  const { lease, released } = fakeLease(sequence);
  const subject = new NextTurnPreparations({ delayMs: 100, batchTokens: 512, heldAfterBatch: new Map(), generating });
  subject.prepare(lease, () => ({ tokens: tokens(1, 2, 3, 4), kept: 3 }));
  // Not vi.waitFor, which moves the fake clock while it polls.
  while (vi.getTimerCount() === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  return { subject, calls, released };
}

describe("NextTurnPreparations", () => {
  it("evaluates what the sequence lacks of the next turn's start once the delay has passed, then releases it", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { sequence, calls } = fakeSequence(tokens(1, 2, 3, 9));
      const { lease, events, released } = fakeLease(sequence);
      const { preparations: subject, heldAfterBatch } = preparations(100);
      subject.prepare(lease, () => ({ tokens: tokens(1, 2, 3, 4, 5), kept: 3 }));
      expect(subject.count).toBe(1);
      await vi.waitFor(() => expect(vi.getTimerCount()).toBe(1));
      expect(calls).toEqual([]);
      await vi.advanceTimersByTimeAsync(100);
      await released;
      expect(calls).toEqual(["erase 3-4", "evaluate 4,5"]);
      expect(events).toEqual(["closing", "released"]);
      expect(heldAfterBatch.size).toBe(0);
      expect(subject.count).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  describe("while other requests generate (delay 100 ms, on a clock the test moves)", () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it("waits past its delay, and starts when the last of them ends", async () => {
      let generating = 2;
      const { subject, calls, released } = await preparingOneToken(() => generating > 0);
      await vi.advanceTimersByTimeAsync(100);
      expect(calls).toEqual([]);
      generating = 1;
      subject.generationEnded();
      await vi.advanceTimersByTimeAsync(1000);
      expect(calls).toEqual([]);
      expect(subject.count).toBe(1);
      generating = 0;
      subject.generationEnded();
      await released;
      expect(calls).toEqual(["evaluate 4"]);
    });

    it("does not start before its delay because a generation ended", async () => {
      const { subject, calls, released } = await preparingOneToken(() => false);
      subject.generationEnded();
      await new Promise<void>((resolve) => setImmediate(resolve));
      await vi.advanceTimersByTimeAsync(50);
      expect(calls).toEqual([]);
      await vi.advanceTimersByTimeAsync(50);
      await released;
      expect(calls).toEqual(["evaluate 4"]);
    });
  });

  it("starts at once for a request that continues the conversation, without waiting for the delay", async () => {
    const { sequence, calls } = fakeSequence(tokens(1, 2, 3));
    const { lease, released } = fakeLease(sequence);
    const { preparations: subject } = preparations();
    subject.prepare(lease, () => ({ tokens: tokens(1, 2, 3, 4), kept: 3 }));
    await vi.waitFor(() => expect(subject.count).toBe(1));
    await new Promise<void>((resolve) => setImmediate(resolve));
    subject.requestArrived(tokens(1, 2, 3, 4, 7, 8));
    await released;
    expect(calls).toEqual(["evaluate 4"]);
  });

  it("gives up for a request of another conversation: the sequence is released untouched, free to serve it", async () => {
    const { sequence, calls } = fakeSequence(tokens(1, 2, 3));
    const { lease, events, released } = fakeLease(sequence);
    const { preparations: subject } = preparations();
    subject.prepare(lease, () => ({ tokens: tokens(1, 2, 3, 4), kept: 3 }));
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    subject.requestArrived(tokens(5, 6, 7));
    await released;
    expect(calls).toEqual([]);
    expect(events).toEqual(["closing", "released"]);
    expect(subject.count).toBe(0);
  });

  describe("in batches of at most `batchTokens` (2 here)", () => {
    it("evaluates the plan batch after batch, recording from its start that the sequence will hold all of it", async () => {
      const { subject, heldAfterBatch, calls, finishBatch, released } = preparingInBatches();
      await vi.waitFor(() => expect(subject.count).toBe(1));
      await new Promise<void>((resolve) => setImmediate(resolve));
      subject.requestArrived(tokens(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
      // At once: the request's choice of a sequence, made right after, counts on the whole plan.
      expect([...heldAfterBatch.values()].map((held) => held.length)).toEqual([9]);
      expect(await finishBatch()).toBe(9);
      expect(await finishBatch()).toBe(9);
      expect(await finishBatch()).toBe(9);
      await released;
      expect(calls).toEqual(["evaluate 4,5", "evaluate 6,7", "evaluate 8,9"]);
      expect(heldAfterBatch.size).toBe(0);
    });

    it("started by its delay, records at once that the sequence will hold the whole plan", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      try {
        const { preparations: subject, heldAfterBatch } = preparations(100, 2);
        const { sequence, finishBatch } = gatedSequence(tokens(1, 2, 3), heldAfterBatch);
        const { lease, released } = fakeLease(sequence);
        subject.prepare(lease, () => ({ tokens: tokens(1, 2, 3, 4, 5), kept: 3 }));
        await vi.waitFor(() => expect(vi.getTimerCount()).toBe(1));
        vi.advanceTimersByTime(100);
        expect(heldAfterBatch.get(sequence)?.length).toBe(5);
        await finishBatch();
        await released;
      } finally {
        vi.useRealTimers();
      }
    });

    it("goes on when a request that continues it arrives after one that stopped it, before its batch in flight ends", async () => {
      const { subject, calls, batchInFlight, finishBatch, released } = preparingInBatches();
      await vi.waitFor(() => expect(subject.count).toBe(1));
      await new Promise<void>((resolve) => setImmediate(resolve));
      subject.requestArrived(tokens(1, 2, 3, 4, 5, 6, 7, 8, 9));
      await batchInFlight();
      subject.requestArrived(tokens(1, 2, 3, 11));
      subject.requestArrived(tokens(1, 2, 3, 4, 5, 6, 7, 8, 9, 12));
      await finishBatch();
      await finishBatch();
      await finishBatch();
      await released;
      expect(calls).toEqual(["evaluate 4,5", "evaluate 6,7", "evaluate 8,9"]);
    });

    it("ends after the batch in flight when a request of another conversation arrives, and releases the sequence", async () => {
      const { subject, heldAfterBatch, calls, batchInFlight, finishBatch, events, released } = preparingInBatches();
      await vi.waitFor(() => expect(subject.count).toBe(1));
      await new Promise<void>((resolve) => setImmediate(resolve));
      subject.requestArrived(tokens(1, 2, 3, 4, 5, 6, 7, 8, 9));
      await finishBatch();
      await batchInFlight();
      subject.requestArrived(tokens(1, 2, 3, 11));
      // Stopped: the sequence ends with the batch in flight, which the scheduler now counts on.
      expect(await finishBatch()).toBe(7);
      await released;
      expect(calls).toEqual(["evaluate 4,5", "evaluate 6,7"]);
      expect(events).toEqual(["closing", "released"]);
      expect(heldAfterBatch.size).toBe(0);
      expect(subject.count).toBe(0);
    });

    it("on dispose, ends the one evaluating after its batch in flight", async () => {
      const { subject, calls, finishBatch, released } = preparingInBatches();
      await vi.waitFor(() => expect(subject.count).toBe(1));
      await new Promise<void>((resolve) => setImmediate(resolve));
      subject.requestArrived(tokens(1, 2, 3, 4, 5, 6, 7, 8, 9));
      const disposed = subject.dispose();
      await finishBatch();
      await disposed;
      await released;
      expect(calls).toEqual(["evaluate 4,5"]);
    });
  });

  it("releases at once when there is nothing to prepare, and when the plan throws", async () => {
    const { preparations: subject } = preparations();
    const nothing = fakeLease(fakeSequence(tokens(1)).sequence);
    subject.prepare(nothing.lease, () => null);
    const failing = fakeLease(fakeSequence(tokens(1)).sequence);
    subject.prepare(failing.lease, () => {
      throw new Error("template refused");
    });
    await Promise.all([nothing.released, failing.released]);
    await subject.dispose();
    expect(subject.count).toBe(0);
  });

  it("on dispose, gives up the waiting ones", async () => {
    const { sequence, calls } = fakeSequence(tokens(1, 2));
    const { lease, released } = fakeLease(sequence);
    const { preparations: subject } = preparations();
    subject.prepare(lease, () => ({ tokens: tokens(1, 2, 3), kept: 2 }));
    await subject.dispose();
    await released;
    expect(calls).toEqual([]);
  });
});
