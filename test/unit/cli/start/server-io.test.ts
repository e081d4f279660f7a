import { describe, expect, it, vi } from "vitest";
import { processStartIo } from "../../../../src/cli/commands/start/server-io.js";

describe("processStartIo", () => {
  it("is the real process: its environment, streams and clock", () => {
    const io = processStartIo();
    expect(io.env).toBe(process.env);
    expect(io.stdout).toBe(process.stdout);
    expect(io.stderr).toBe(process.stderr);
    const before = Date.now();
    const now = io.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it("hears the process's signals and exits it", () => {
    const io = processStartIo();
    const listener = (): void => undefined;
    io.on("SIGTERM", listener);
    try {
      expect(process.listeners("SIGTERM")).toContain(listener);
    } finally {
      process.off("SIGTERM", listener);
    }
    // Spied: the test's own process must not exit.
    const exit = vi.spyOn(process, "exit").mockImplementation(() => undefined as never);
    try {
      io.exit(3);
      expect(exit).toHaveBeenCalledWith(3);
    } finally {
      exit.mockRestore();
    }
  });
});
