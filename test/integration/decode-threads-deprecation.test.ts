import { describe, expect, it } from "vitest";
import { decodeThreadsDeprecation } from "../../src/cli/commands/start/server-config.js";
import { startInProcess } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

/** `--decode-threads` is kept so old command lines still start; it says once that it does nothing. */
describe("pensieve start --decode-threads", { timeout: 120_000 }, () => {
  for (const [name, extra, warned] of [
    ["warns that it is ignored", ["--decode-threads", "1"], true],
    ["says nothing when it is not given", [], false],
  ] as const) {
    it(name, async () => {
      const server = await startInProcess([
        "--model", await testModelPath("tiny"), "--gpu", "cpu", "--threads", "1", "--ctx-size", "512", "--no-prompt-cache", "--log-level", "warn", ...extra,
      ]);
      try {
        expect(server.io.logText.includes(decodeThreadsDeprecation)).toBe(warned);
      } finally {
        await server.stop();
      }
    });
  }
});
