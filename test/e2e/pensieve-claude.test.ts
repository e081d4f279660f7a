import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scriptedSentence } from "../../src/models/generator/make-model.js";
import { repoRoot } from "../helpers/test-models.js";

const run = promisify(execFile);

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `pensieve claude` as a user runs it: the real CLI starts its own demo server, runs today's `claude` from PATH, stops the server. */
describe("pensieve claude", () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), "pensieve-claude-command-"));
  });
  afterAll(async () => {
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it("answers `-p` with the demo model's sentence, exits 0, and leaves no server behind", async () => {
    const loader = pathToFileURL(path.join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
    const cli = path.join(repoRoot, "src", "cli", "main.ts");
    const { stdout, stderr } = await run(process.execPath, ["--import", loader, cli, "claude", "--demo", "-p", "Say hello", "--output-format", "json"], {
      cwd: home,
      timeout: 280_000,
      env: {
        // Only node_modules/.bin (today's claude) and node's own folder: no other claude can be found.
        PATH: [path.join(repoRoot, "node_modules", ".bin"), path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
        HOME: home,
        DISABLE_AUTOUPDATER: "1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      },
    });
    const result = JSON.parse(stdout) as { is_error: boolean; result: string };
    expect(result.is_error).toBe(false);
    expect(result.result).toBe(scriptedSentence);

    const started = /using (\S+) on (http:\/\/127\.0\.0\.1:\d+) \(started for this session, pid (\d+)\)/.exec(stderr);
    expect(started, stderr).not.toBeNull();
    const [, model, baseUrl, pid] = started ?? [];
    expect(model).toMatch(/^pensieve-demo/);
    expect(processExists(Number(pid))).toBe(false);
    await expect(fetch(`${baseUrl}/health`)).rejects.toThrow();
  }, 300_000);
});
