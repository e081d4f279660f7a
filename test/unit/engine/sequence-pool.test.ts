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
});
