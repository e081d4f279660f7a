import { describe, expect, it } from "vitest";
import { AsyncChannel } from "../../../src/util/async-channel.js";

describe("AsyncChannel", () => {
  it("delivers values pushed before and while the consumer waits, then ends on close", async () => {
    const channel = new AsyncChannel<number>();
    channel.push(1);
    const collected: number[] = [];
    const consumer = (async () => {
      for await (const value of channel) collected.push(value);
    })();
    await Promise.resolve();
    channel.push(2);
    channel.close();
    channel.push(3);
    await consumer;
    expect(collected).toEqual([1, 2]);
  });

  it("throws the failure to the consumer after the buffered values", async () => {
    const channel = new AsyncChannel<number>();
    channel.push(1);
    channel.fail(new Error("boom"));
    const collected: number[] = [];
    await expect(
      (async () => {
        for await (const value of channel) collected.push(value);
      })(),
    ).rejects.toThrow("boom");
    expect(collected).toEqual([1]);
  });

  it("rejects a consumer that is already waiting when it fails", async () => {
    const channel = new AsyncChannel<number>();
    const consumer = (async () => {
      for await (const _value of channel) void _value;
    })();
    await Promise.resolve();
    channel.fail(new Error("late"));
    await expect(consumer).rejects.toThrow("late");
  });
});
