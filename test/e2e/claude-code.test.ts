import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scriptedSentence } from "../../src/models/generator/make-model.js";
import { recordAccessLog } from "../helpers/access-log.js";
import { claudeRunEnvironment } from "../helpers/claude-run-environment.js";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";
import { repoRoot, testModelPath } from "../helpers/test-models.js";

const run = promisify(execFile);
/**
 * Today's release (`@anthropic-ai/claude-code`) and the one the suite pinned first (installed under an alias):
 * what Claude Code sends changes from release to release. 2.1.197 probes `HEAD /` first; 2.1.332 no longer does.
 */
const releases = [
  { version: "2.1.332", binary: path.join(repoRoot, "node_modules", ".bin", "claude"), probesHead: false },
  { version: "2.1.197", binary: path.join(repoRoot, "node_modules", "claude-code-2.1.197", "bin", "claude.exe"), probesHead: true },
];

/** A real `claude -p` run against the real server: the protocol must be perfect even though the model is scripted. */
describe.each(releases)("Claude Code $version end to end", ({ version, binary, probesHead }) => {
  let server: TestServer;
  let home: string;
  const { logger, lines: accessLog } = recordAccessLog();

  beforeAll(async () => {
    // Claude Code's first request is about 36k tokens with the built-in vocabulary: the context must hold it.
    server = await startTestServer(await testModelPath("scripted"), { contextSize: 65536, logger });
    home = await mkdtemp(path.join(os.tmpdir(), "pensieve-claude-home-"));
  });

  afterAll(async () => {
    await server?.close();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it("`claude -p` exits 0 with the model's answer, after a streamed POST /v1/messages?beta=true", async () => {
    const { stdout: versionLine } = await run(binary, ["--version"]);
    expect(versionLine).toContain(version);
    const { stdout } = await run(binary, ["-p", "Say hello", "--output-format", "json"], {
      cwd: home,
      timeout: 240_000,
      env: claudeRunEnvironment(home, server.baseUrl),
    });
    const result = JSON.parse(stdout) as { is_error: boolean; result: string; stop_reason: string };
    expect(result.is_error).toBe(false);
    expect(result.result).toBe(scriptedSentence);
    expect(result.stop_reason).toBe("end_turn");

    expect(accessLog.some((line) => line.method === "HEAD" && line.url === "/" && line.status === 200)).toBe(probesHead);
    const messages = accessLog.filter((line) => line.method === "POST" && line.url === "/v1/messages?beta=true");
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.every((line) => line.status === 200)).toBe(true);
    expect(messages[0]?.input_tokens).toBeGreaterThan(10_000);
  }, 300_000);
});
