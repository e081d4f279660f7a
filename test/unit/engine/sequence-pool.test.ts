import { afterEach, describe, expect, it, vi } from "vitest";
import { EngineOverloadedError } from "../../../src/engine/engine-errors.js";
import { SequencePool } from "../../../src/engine/sequence-pool.js";

const never = new AbortController().signal;

afterEach(() => {
  vi.useRealTimers();
});

describe("SequencePool", () => {
  it("gives the free sequence that scores best", async () => {
    const pool = new SequencePool(["a", "bb", "ccc"], 4);
    const lease = await pool.acquire((sequence) => sequence.length, never);
    expect(lease.sequence).toBe("ccc");
    expect(pool.freeCount).toBe(2);
  });

  it("scores each free sequence once per request when none is closing", async () => {
    const pool = new SequencePool(["a", "bb", "ccc"], 4);
    const scored: string[] = [];
    await pool.acquire((sequence) => {
      scored.push(sequence);
      return sequence.length;
    }, never);
    expect(scored).toEqual(["a", "bb", "ccc"]);
  });

  it("gives requests that score alike the first free sequences, whatever order they were released in", async () => {
    const pool = new SequencePool(["s0", "s1", "s2", "s3"], 4);
    const leases = await Promise.all([0, 1, 2, 3].map(() => pool.acquire(() => 0, never)));
    expect(leases.map((lease) => lease.sequence)).toEqual(["s0", "s1", "s2", "s3"]);
    // Released last to first, and the middle ones out of order.
    for (const index of [3, 1, 0, 2]) leases[index]?.release();
    const again = [await pool.acquire(() => 0, never), await pool.acquire(() => 0, never), await pool.acquire(() => 0, never)];
    expect(again.map((lease) => lease.sequence)).toEqual(["s0", "s1", "s2"]);
  });

  it("queues when all are busy and hands over in FIFO order on release", async () => {
    const pool = new SequencePool(["only"], 4);
    const first = await pool.acquire(() => 0, never);
    const order: string[] = [];
    const second = pool.acquire(() => 0, never).then((lease) => {
      order.push("second");
      return lease;
    });
    const third = pool.acquire(() => 0, never).then((lease) => {
      order.push("third");
      return lease;
    });
    expect(pool.queueDepth).toBe(2);
    first.release();
    (await second).release();
    (await third).release();
    expect(order).toEqual(["second", "third"]);
    expect(pool.freeCount).toBe(1);
  });

  it("refuses at once past the queue bound", async () => {
    const pool = new SequencePool(["only"], 1);
    await pool.acquire(() => 0, never);
    void pool.acquire(() => 0, never);
    await expect(pool.acquire(() => 0, never)).rejects.toBeInstanceOf(EngineOverloadedError);
  });

  it("drops a queued request whose signal aborts, without giving it a sequence", async () => {
    const pool = new SequencePool(["only"], 4);
    const held = await pool.acquire(() => 0, never);
    const controller = new AbortController();
    const waiting = pool.acquire(() => 0, controller.signal);
    controller.abort(new Error("gone"));
    await expect(waiting).rejects.toThrow("gone");
    expect(pool.queueDepth).toBe(0);
    held.release();
    expect(pool.freeCount).toBe(1);
  });

  it("ignores a second release of the same lease", async () => {
    const pool = new SequencePool(["only"], 4);
    const lease = await pool.acquire(() => 0, never);
    lease.release();
    lease.release();
    expect(pool.freeCount).toBe(1);
  });

  it("refuses a request that waited longer than the limit", async () => {
    vi.useFakeTimers();
    const pool = new SequencePool(["only"], 4, 1000);
    await pool.acquire(() => 0, never);
    const waiting = pool.acquire(() => 0, never);
    const assertion = expect(waiting).rejects.toBeInstanceOf(EngineOverloadedError);
    await vi.advanceTimersByTimeAsync(1001);
    await assertion;
    expect(pool.queueDepth).toBe(0);
  });

  it("rejects every waiter on shutdown", async () => {
    const pool = new SequencePool(["only"], 4);
    await pool.acquire(() => 0, never);
    const waiting = pool.acquire(() => 0, never);
    pool.rejectWaiting(new Error("shutting down"));
    await expect(waiting).rejects.toThrow("shutting down");
  });

  describe("an abandoned sequence that holds much more of a prompt", () => {
    /** Scores are what each sequence would reuse of the prompt: the retry shares 2000 tokens with "warm". */
    const reuse = (sequence: string): number => (sequence === "warm" ? 2000 : 0);

    it("is waited for by a request that would reuse it, while a free cold sequence stays free", async () => {
      const pool = new SequencePool(["warm", "cold"], 4, 60_000, 512);
      const abandoned = await pool.acquire(reuse, never);
      expect(abandoned.sequence).toBe("warm");
      abandoned.closing();
      let retry: string | undefined;
      const retried = pool.acquire(reuse, never).then((lease) => {
        retry = lease.sequence;
        return lease;
      });
      await Promise.resolve();
      expect(retry).toBeUndefined();
      expect(pool.queueDepth).toBe(1);
      // Another request meanwhile takes the free sequence at once: the waiter only wants its own.
      const other = await pool.acquire(() => 0, never);
      expect(other.sequence).toBe("cold");
      abandoned.release();
      expect((await retried).sequence).toBe("warm");
    });

    it("is not waited for while it is still in use, or when it is not worth a batch more than a free one", async () => {
      const running = new SequencePool(["warm", "cold"], 4, 60_000, 512);
      await running.acquire(reuse, never);
      expect((await running.acquire(reuse, never)).sequence).toBe("cold");

      const close = new SequencePool(["warm", "cold"], 4, 60_000, 512);
      const abandoned = await close.acquire(reuse, never);
      abandoned.closing();
      expect((await close.acquire((sequence) => (sequence === "warm" ? 500 : 0), never)).sequence).toBe("cold");
    });

    it("never lets a request jump the queue: with all busy, an unrelated request or a retry behind waiters queues in order", async () => {
      const pool = new SequencePool(["warm"], 4, 60_000, 512);
      const abandoned = await pool.acquire(reuse, never);
      abandoned.closing();
      const order: string[] = [];
      const queued = pool.acquire(() => 0, never).then((lease) => {
        order.push("queued first");
        return lease;
      });
      const retry = pool.acquire(reuse, never).then((lease) => {
        order.push("retry");
        return lease;
      });
      abandoned.release();
      (await queued).release();
      (await retry).release();
      expect(order).toEqual(["queued first", "retry"]);

      // An unrelated request that would reuse nothing does not claim a closing sequence over an empty one.
      const alone = new SequencePool(["warm"], 4, 60_000, 512);
      const held = await alone.acquire(reuse, never);
      held.closing();
      const unrelated = alone.acquire(() => -100, never);
      const laterRetry = alone.acquire(reuse, never);
      held.release();
      expect((await unrelated).sequence).toBe("warm");
      void laterRetry.then((lease) => lease.release());
    });

    it("is waited for from a score exactly one batch above the best free sequence's, not below", async () => {
      const pool = new SequencePool(["warm", "cold"], 4, 60_000, 512);
      const abandoned = await pool.acquire(reuse, never);
      abandoned.closing();
      let taken: string | undefined;
      const retried = pool.acquire((sequence) => (sequence === "warm" ? 512 : 0), never).then((lease) => (taken = lease.sequence));
      await Promise.resolve();
      expect(taken).toBeUndefined();
      abandoned.release();
      expect(await retried).toBe("warm");
    });

    it("is compared with the best free sequence, not any free one", async () => {
      const pool = new SequencePool(["warm", "half", "cold"], 4, 60_000, 512);
      const abandoned = await pool.acquire(reuse, never);
      abandoned.closing();
      // "half" already holds 1600 of the prompt: 2000 is not a batch better, so the request starts there at once.
      const scores: Record<string, number> = { warm: 2000, half: 1600, cold: 0 };
      expect((await pool.acquire((sequence) => scores[sequence] ?? 0, never)).sequence).toBe("half");
    });

    it("is marked closing only while its lease is held", async () => {
      const pool = new SequencePool(["warm"], 4);
      const lease = await pool.acquire(reuse, never);
      lease.closing();
      expect(pool.closingCount).toBe(1);
      lease.release();
      expect(pool.closingCount).toBe(0);
      lease.closing();
      expect(pool.closingCount).toBe(0);
    });

    it("lets each of two retries wait for its own abandoned sequence", async () => {
      const pool = new SequencePool(["warmA", "warmB", "cold"], 4, 60_000, 512);
      const reuseOf = (own: string) => (sequence: string) => (sequence === own ? 2000 : 0);
      const first = await pool.acquire(reuseOf("warmA"), never);
      const second = await pool.acquire(reuseOf("warmB"), never);
      first.closing();
      second.closing();
      const retryA = pool.acquire(reuseOf("warmA"), never);
      const retryB = pool.acquire(reuseOf("warmB"), never);
      expect(pool.queueDepth).toBe(2);
      expect(pool.freeCount).toBe(1);
      first.release();
      second.release();
      expect((await retryA).sequence).toBe("warmA");
      expect((await retryB).sequence).toBe("warmB");
    });

    it("keeps a retry waiting for its own sequence when another one frees", async () => {
      const pool = new SequencePool(["warm", "cold"], 4, 60_000, 512);
      const abandoned = await pool.acquire(reuse, never);
      const busy = await pool.acquire(() => 0, never);
      abandoned.closing();
      let taken: string | undefined;
      const retried = pool.acquire(reuse, never).then((lease) => (taken = lease.sequence));
      busy.release();
      await Promise.resolve();
      expect(taken).toBeUndefined();
      expect(pool.freeCount).toBe(1);
      abandoned.release();
      expect(await retried).toBe("warm");
    });

    it("is not waited for when the queue is full, and one waiter claims it", async () => {
      const full = new SequencePool(["warm", "cold"], 0, 60_000, 512);
      const abandoned = await full.acquire(reuse, never);
      abandoned.closing();
      expect((await full.acquire(reuse, never)).sequence).toBe("cold");

      const pool = new SequencePool(["warm", "cold", "spare"], 4, 60_000, 512);
      const first = await pool.acquire(reuse, never);
      first.closing();
      const waiting = pool.acquire(reuse, never);
      // The second identical retry does not queue behind the first for the same sequence.
      expect((await pool.acquire(reuse, never)).sequence).not.toBe("warm");
      first.release();
      expect((await waiting).sequence).toBe("warm");
    });
  });
});
