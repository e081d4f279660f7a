import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { acquireFileLock } from "../../src/models/download/file-lock.js";
import { repoRoot } from "./test-models.js";

const run = promisify(execFile);

/** The git bundle of llama.cpp that node-llama-cpp ships: its source, tokenizers and chat templates. */
export const llamaBundlePath = path.join(repoRoot, "node_modules", "node-llama-cpp", "llama", "gitRelease.bundle");
const bundleCacheFolder = path.join(repoRoot, ".cache", "llama-bundle");

/**
 * A file of the llama.cpp source in node-llama-cpp's bundle (`models/ggml-vocab-qwen35.gguf`,
 * `models/templates/Qwen3.5-4B.jinja`), extracted on first use into `.cache/llama-bundle/<commit>/` and read
 * from there after. Nothing is downloaded: git reads the bundle in node_modules, so a fresh clone works offline,
 * and nothing from the bundle is ever committed. Safe when several workers ask at once (one extracts under a lock).
 */
export async function llamaBundleFile(pathInSource: string): Promise<string> {
  const commit = await bundleCommit();
  const filePath = path.join(bundleCacheFolder, commit, pathInSource);
  if (existsSync(filePath)) return filePath;
  await mkdir(bundleCacheFolder, { recursive: true });
  const lock = await acquireFileLock(path.join(bundleCacheFolder, "extract.lock"), { pollIntervalMs: 100 });
  try {
    if (existsSync(filePath)) return filePath;
    const gitFolder = path.join(bundleCacheFolder, "source.git");
    if (!existsSync(path.join(gitFolder, "HEAD"))) await run("git", ["init", "--quiet", "--bare", gitFolder]);
    const ref = `refs/bundle/${commit}`;
    const known = await run("git", ["--git-dir", gitFolder, "rev-parse", "--verify", "--quiet", ref]).then(
      () => true,
      () => false,
    );
    if (!known) await run("git", ["--git-dir", gitFolder, "fetch", "--quiet", llamaBundlePath, `HEAD:${ref}`]);
    const { stdout } = await run("git", ["--git-dir", gitFolder, "show", `${commit}:${pathInSource}`], {
      encoding: "buffer",
      maxBuffer: 256 * 1024 * 1024,
    });
    await mkdir(path.dirname(filePath), { recursive: true });
    await writeFile(`${filePath}.partial`, stdout);
    await rename(`${filePath}.partial`, filePath);
  } finally {
    await lock.release();
  }
  return filePath;
}

async function bundleCommit(): Promise<string> {
  const { stdout } = await run("git", ["bundle", "list-heads", llamaBundlePath]);
  const commit = /^([0-9a-f]{40}) /m.exec(stdout)?.[1];
  if (commit === undefined) throw new Error(`${llamaBundlePath} names no commit: ${stdout}`);
  return commit;
}
