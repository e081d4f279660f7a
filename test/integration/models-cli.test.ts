import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandIo } from "../../src/cli/commands/command-io.js";
import { DownloadProgressBar } from "../../src/cli/commands/download-progress-bar.js";
import { registerModelsCommand } from "../../src/cli/commands/models-command.js";
import { registerPullCommand } from "../../src/cli/commands/pull-command.js";
import { registerRmCommand } from "../../src/cli/commands/rm-command.js";
import { serveHubModel } from "../helpers/fake-hugging-face-hub.js";
import { testModelPath } from "../helpers/test-models.js";
import { startTestFileServer, type TestFileServer } from "../helpers/test-file-server.js";

let hub: TestFileServer;
let home: string;
let modelBytes: Buffer;

beforeAll(async () => {
  modelBytes = await readFile(await testModelPath("tiny"));
  hub = await startTestFileServer();
  home = await mkdtemp(path.join(os.tmpdir(), "pensieve-cli-"));
  serveHubModel(hub, { owner: "acme", repository: "tiny-GGUF", listedFiles: ["tiny-Q4_0.gguf", "tiny-Q8_0.gguf"], file: "tiny-Q8_0.gguf", bytes: modelBytes });
});
afterAll(async () => {
  await hub.close();
  await rm(home, { recursive: true, force: true });
});

interface Run {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Runs the model commands in-process, as `pensieve <args>` would, with their output captured. */
async function run(...args: string[]): Promise<Run> {
  return runWith({}, ...args);
}

async function runWith(
  options: { env?: NodeJS.ProcessEnv; terminal?: boolean; onStderr?: (text: string) => void },
  ...args: string[]
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const io: CommandIo = {
    env: options.env ?? { PENSIEVE_HOME: home, HF_ENDPOINT: hub.origin },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: {
      isTTY: options.terminal === true,
      write: (text: string) => {
        stderr += text;
        options.onStderr?.(text);
      },
    },
  };
  const program = new Command()
    .exitOverride()
    .configureOutput({ writeOut: (text) => (stdout += text), writeErr: (text) => (stderr += text) });
  registerPullCommand(program, io);
  // A 16 GiB laptop without a GPU: what the default preset is chosen for.
  registerModelsCommand(program, io, () => Promise.resolve({ ramBytes: 16 * 1024 ** 3, gpu: null }));
  registerRmCommand(program, io);
  try {
    await program.parseAsync(["node", "pensieve", ...args]);
    return { stdout, stderr, exitCode: 0 };
  } catch (error) {
    return { stdout, stderr, exitCode: (error as { exitCode?: number }).exitCode ?? 99 };
  }
}

describe("pensieve pull, models, rm", () => {
  it("pull prints the path on stdout and plain progress lines on a non-terminal stderr", async () => {
    const result = await run("pull", "hf:acme/tiny-GGUF:Q8_0");
    const expectedPath = path.join(home, "models", "hf", "acme", "tiny-GGUF", "tiny-Q8_0.gguf");
    expect(result).toMatchObject({ exitCode: 0, stdout: `${expectedPath}\n` });
    expect(result.stderr).toMatch(/resolve\/main\/tiny-Q8_0\.gguf \(629\.3 KiB, sha256 [0-9a-f]{12}… from the hub\)/);
    expect(result.stderr).toMatch(/hf:acme\/tiny-GGUF:Q8_0: 100% \(629\.3 KiB \/ 629\.3 KiB, .*\/s, done\)/);
    expect(result.stderr).toMatch(/saved hf\/acme\/tiny-GGUF\/tiny-Q8_0\.gguf \(629\.3 KiB, llama, Q8_0, context 4096\); sha256 verified against the hub/);
    expect(result.stderr).not.toContain("\r");
    expect(createHash("sha256").update(await readFile(expectedPath)).digest("hex")).toBe(createHash("sha256").update(modelBytes).digest("hex"));

    const again = await run("pull", "hf:acme/tiny-GGUF:Q8_0");
    expect(again.stderr).toMatch(/hf\/acme\/tiny-GGUF\/tiny-Q8_0\.gguf is already downloaded/);
  });

  it("models lists the cache as a table and as JSON, and presets with the default marked", async () => {
    const table = await run("models");
    expect(table.stdout).toMatch(/^NAME +SIZE +ARCH +QUANT +CONTEXT\nhf\/acme\/tiny-GGUF\/tiny-Q8_0\.gguf +629\.3 KiB +llama +Q8_0 +4096\n$/);
    const json: unknown = JSON.parse((await run("models", "--json")).stdout);
    expect(json).toEqual([
      expect.objectContaining({
        name: "hf/acme/tiny-GGUF/tiny-Q8_0.gguf",
        sizeBytes: modelBytes.length,
        gguf: expect.objectContaining({ architecture: "llama", fileType: "Q8_0", contextLength: 4096, name: "pensieve-tiny-q8_0" }),
      }),
    ]);
    const presets = await run("models", "--presets");
    expect(presets.stdout).toMatch(/^PRESET +WEIGHTS +CONTEXT +FITS RAM \(16\.00 GiB\) +DOWNLOADED +SOURCE\n/);
    expect(presets.stdout).toMatch(/qwen3\.5-4b \(default\) +2\.51 GiB +262144 +yes, 32768 tokens \([\d.]+ GiB\) +hf:unsloth\/Qwen3\.5-4B-GGUF\/Qwen3\.5-4B-Q4_K_M\.gguf/);
    expect(presets.stdout).toMatch(/qwen3\.6-35b-a3b +19\.56 GiB +262144 +no: [\d.]+ GiB at 2048 tokens +hf:unsloth\/Qwen3\.6-35B-A3B-GGUF\//);
    expect(presets.stdout).toMatch(/phi-3-mini +2\.24 GiB +4096 +yes, 4096 tokens .*hf:microsoft\/Phi-3-mini-4k-instruct-gguf\/Phi-3-mini-4k-instruct-q4\.gguf/);
    expect(presets.stdout).toMatch(/qwen3\.8-27b: .* Not checked against the model card: everything/);
  });

  it("pull fails with one clear line and exit code 1", async () => {
    const missing = await run("pull", "hf:acme/tiny-GGUF:Q6_K");
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/^error: acme\/tiny-GGUF has no GGUF file for quantisation Q6_K; files: tiny-Q4_0\.gguf, tiny-Q8_0\.gguf\n$/);
    const unsafe = await run("pull", "file:///etc/passwd");
    expect(unsafe.stderr).toMatch(/^error: file:\/\/ is not accepted/);
  });

  it("rm removes a model and refuses a name outside the cache", async () => {
    expect((await run("rm", "../../etc/passwd")).stderr).toMatch(/^error: "\.\.\/\.\.\/etc\/passwd" is not a model in the cache/);
    const removed = await run("rm", "tiny-Q8_0.gguf");
    expect(removed).toMatchObject({ exitCode: 0, stdout: "removed hf/acme/tiny-GGUF/tiny-Q8_0.gguf (629.3 KiB)\n" });
    expect((await run("models")).stdout).toMatch(/^No models in .*\. Download one: pensieve pull qwen3\.5-4b/);
  });
});

describe("pensieve pull output", () => {
  it("draws a bar on a terminal, stays quiet with --quiet, and takes HF_TOKEN and --hub-url", async () => {
    const otherHome = await mkdtemp(path.join(os.tmpdir(), "pensieve-cli-"));
    try {
      serveHubModel(hub, { owner: "acme", repository: "flaky-GGUF", file: "tiny-Q8_0.gguf", bytes: modelBytes, cdnBehaviour: { dropAfterBytes: 200_000 } });
      const env = { PENSIEVE_HOME: otherHome, HF_TOKEN: "hf_from_env" };
      const terminal = await runWith({ env, terminal: true }, "pull", "--hub-url", hub.origin, "hf:acme/flaky-GGUF/tiny-Q8_0.gguf");
      expect(terminal.exitCode).toBe(0);
      expect(terminal.stderr).toMatch(/connection lost \(aborted\); resuming, attempt 1\n/);
      expect(terminal.stderr).toMatch(/resuming at \d+\.\d KiB\n/);
      expect(terminal.stderr).toMatch(/\rhf:acme\/flaky-GGUF\/tiny-Q8_0\.gguf \[#{24}\] 100% {2}629\.3 KiB \/ 629\.3 KiB {2}.*done\x1b\[K\n/);
      const tokens = hub.requests.filter((request) => request.path.includes("flaky-GGUF/resolve")).map((request) => request.headers.authorization);
      expect(tokens).toContain("Bearer hf_from_env");

      const quiet = await runWith({ env: { PENSIEVE_HOME: otherHome, HF_ENDPOINT: hub.origin } }, "pull", "--quiet", "hf:acme/flaky-GGUF/tiny-Q8_0.gguf");
      expect(quiet).toMatchObject({ exitCode: 0, stderr: "" });
      expect(quiet.stdout).toMatch(/tiny-Q8_0\.gguf\n$/);
    } finally {
      await rm(otherHome, { recursive: true, force: true });
    }
  });

  it("says when another pull holds the file, and models flags an unusable file", async () => {
    const otherHome = await mkdtemp(path.join(os.tmpdir(), "pensieve-cli-"));
    try {
      const folder = path.join(otherHome, "models", "hf", "acme", "tiny-GGUF");
      await mkdir(folder, { recursive: true });
      await writeFile(path.join(folder, "tiny-Q8_0.gguf.lock"), JSON.stringify({ pid: process.pid, host: "another-host" }));
      const env = { PENSIEVE_HOME: otherHome, HF_ENDPOINT: hub.origin };
      let waiting = (): void => undefined;
      const isWaiting = new Promise<void>((resolve) => (waiting = resolve));
      const pulling = runWith({ env, onStderr: (text) => text.includes("waiting for it") && waiting() }, "pull", "hf:acme/tiny-GGUF/tiny-Q8_0.gguf");
      await isWaiting;
      // The lock holder (on "another host", so never stale) finishes: the waiting pull then downloads the file itself.
      await rm(path.join(folder, "tiny-Q8_0.gguf.lock"));
      const result = await pulling;
      expect(result.stderr).toMatch(/another pull \(pid \d+\) is downloading this file; waiting for it\n/);
      expect(result.exitCode).toBe(0);

      await writeFile(path.join(otherHome, "models", "junk.gguf"), "<html>");
      const listing = await runWith({ env }, "models");
      expect(listing.stdout).toMatch(/junk\.gguf +6 B +\? +\? +\?\n/);
      expect(listing.stdout).toMatch(/unusable: refusing to load .*junk\.gguf: not a GGUF file/);
      const { presets } = JSON.parse((await runWith({ env }, "models", "--presets", "--json")).stdout) as { presets: { name: string; default: boolean; downloaded: boolean }[] };
      expect(presets.find((preset) => preset.default)?.name).toBe("qwen3.5-4b");
      expect(presets.every((preset) => !preset.downloaded)).toBe(true);
    } finally {
      await rm(otherHome, { recursive: true, force: true });
    }
  });
});

describe("DownloadProgressBar", () => {
  const step = (downloadedBytes: number, done = false) => ({
    downloadedBytes,
    totalBytes: 1000 * 1024 * 1024,
    bytesPerSecond: 20 * 1024 * 1024,
    etaSeconds: (1000 * 1024 * 1024 - downloadedBytes) / (20 * 1024 * 1024),
    resumedFromBytes: 0,
    done,
  });

  it("redraws one line with a bar, bytes, speed and ETA on a terminal", () => {
    let output = "";
    const bar = new DownloadProgressBar({ isTTY: true, write: (text: string) => (output += text) }, "qwen3-4b");
    bar.update(step(250 * 1024 * 1024));
    bar.update(step(1000 * 1024 * 1024, true));
    expect(output).toBe(
      "\rqwen3-4b [######..................]  25%  250.0 MiB / 1000.0 MiB  20.0 MiB/s  ETA 38s\x1b[K" +
        "\rqwen3-4b [########################] 100%  1000.0 MiB / 1000.0 MiB  20.0 MiB/s  done\x1b[K\n",
    );
  });

  it("shows bytes and speed alone when the size is unknown, and no ETA before the rate is known", () => {
    let terminal = "";
    const bar = new DownloadProgressBar({ isTTY: true, write: (text: string) => (terminal += text) }, "m");
    bar.update({ downloadedBytes: 512, bytesPerSecond: 0, resumedFromBytes: 0, done: false });
    bar.update({ downloadedBytes: 3 * 1024 ** 3, totalBytes: 4 * 1024 ** 3, bytesPerSecond: 1024 ** 2, etaSeconds: 4000, resumedFromBytes: 0, done: false });
    bar.update({ downloadedBytes: 10, totalBytes: 100, bytesPerSecond: 0, resumedFromBytes: 0, done: false });
    bar.finish();
    expect(terminal).toBe(
      "\rm 512 B  0 B/s\x1b[K" +
        "\rm [##################......]  75%  3.00 GiB / 4.00 GiB  1.0 MiB/s  ETA 1h 06m\x1b[K" +
        "\rm [##......................]  10%  10 B / 100 B  0 B/s  ETA --\x1b[K\n",
    );
    let plain = "";
    const quietBar = new DownloadProgressBar({ write: (text: string) => (plain += text) }, "m");
    for (const mebibytes of [1, 50, 120, 230]) quietBar.update({ downloadedBytes: mebibytes * 1024 ** 2, bytesPerSecond: 1024, resumedFromBytes: 0, done: false });
    quietBar.update({ downloadedBytes: 240 * 1024 ** 2, bytesPerSecond: 1024, resumedFromBytes: 0, done: true });
    expect(plain).toBe("m 1.0 MiB  1.0 KiB/s\nm 120.0 MiB  1.0 KiB/s\nm 230.0 MiB  1.0 KiB/s\nm 240.0 MiB  1.0 KiB/s\n");
  });

  it("prints a line per 10% elsewhere, starting where a resume starts", () => {
    let output = "";
    const bar = new DownloadProgressBar({ write: (text: string) => (output += text) }, "model");
    for (let mebibytes = 450; mebibytes < 1000; mebibytes += 7) bar.update(step(mebibytes * 1024 * 1024));
    bar.update(step(1000 * 1024 * 1024, true));
    const lines = output.trim().split("\n");
    expect(lines.map((line) => /: (\d+)%/.exec(line)?.[1])).toEqual(["45", "50", "60", "70", "80", "90", "100"]);
    expect(lines[1]).toBe("model: 50% (506.0 MiB / 1000.0 MiB, 20.0 MiB/s, ETA 25s)");
  });
});
