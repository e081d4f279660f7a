import { describe, expect, it } from "vitest";
import { stopOnSignals } from "../../../../src/cli/commands/start/stop-on-signals.js";
import { RecordingStartIo } from "../../../helpers/servers/index.js";

/** A shutdown the test ends by hand, counting how often it was started. */
function manualShutdown(): { shutdown: () => Promise<void>; calls: () => number; finish(): void; fail(error: Error): void } {
  let calls = 0;
  let settle: { resolve(): void; reject(error: Error): void } | undefined;
  return {
    shutdown: () => {
      calls += 1;
      return new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    },
    calls: () => calls,
    finish: () => settle?.resolve(),
    fail: (error) => settle?.reject(error),
  };
}

describe("stopOnSignals", () => {
  it.each([["SIGTERM"], ["SIGINT"]] as const)("on %s shuts down once, then exits 0", async (signal) => {
    const io = new RecordingStartIo({});
    const stop = manualShutdown();
    stopOnSignals(stop.shutdown, io);
    io.deliver(signal);
    expect(stop.calls()).toBe(1);
    expect(io.exitCodes).toEqual([]);
    stop.finish();
    await expect.poll(() => io.exitCodes).toEqual([0]);
  });

  it("takes a second signal within half a second as the same stop", () => {
    const io = new RecordingStartIo({});
    // The clock reads milliseconds since the epoch, as Date.now() does.
    io.time = Date.UTC(2025, 0, 1);
    const stop = manualShutdown();
    stopOnSignals(stop.shutdown, io);
    io.deliver("SIGTERM");
    io.time += 499;
    io.deliver("SIGINT");
    expect(stop.calls()).toBe(1);
    expect(io.exitCodes).toEqual([]);
  });

  it("exits 130 at once on a signal half a second or more after the first, without a second shutdown", () => {
    const io = new RecordingStartIo({});
    const stop = manualShutdown();
    stopOnSignals(stop.shutdown, io);
    io.deliver("SIGTERM");
    io.time += 500;
    io.deliver("SIGTERM");
    expect(io.exitCodes).toEqual([130]);
    expect(stop.calls()).toBe(1);
  });

  it("prints a failed shutdown's error and exits 1", async () => {
    const io = new RecordingStartIo({});
    const stop = manualShutdown();
    stopOnSignals(stop.shutdown, io);
    io.deliver("SIGTERM");
    stop.fail(new Error("dispose failed"));
    await expect.poll(() => io.exitCodes).toEqual([1]);
    expect(io.stderrText).toContain("Error: dispose failed");
  });
});
