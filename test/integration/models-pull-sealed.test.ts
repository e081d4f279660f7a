import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UnsafeCachePathError } from "../../src/models/cache/unsafe-cache-path-error.js";
import { MalformedDigestError, parsePublishedSha256 } from "../../src/models/download/published-digest.js";
import type { PullEvent } from "../../src/models/pull-model.js";
import { useHubPullFixture } from "../helpers/hub-pull-fixture.js";

// Pulls that must not install a file: one whose published digest cannot be read, and one whose way into the
// cache is a symbolic link. Real files in a temporary home, the local fake hub and its "CDN".

const hubPull = useHubPullFixture({ homePrefix: "pensieve-pull-sealed-", repositoryPrefix: "sealed" });
const { freshRepository, serveTinyModel, pull, cdnGets } = hubPull;
let outside: string;

beforeEach(async () => {
  outside = await mkdtemp(path.join(os.tmpdir(), "pensieve-outside-"));
});
afterEach(async () => {
  await rm(outside, { recursive: true, force: true });
});

async function filesUnder(folder: string): Promise<string[]> {
  if (!existsSync(folder)) return [];
  return (await readdir(folder, { recursive: true, withFileTypes: true })).filter((entry) => !entry.isDirectory()).map((entry) => entry.name);
}

describe("a published digest", () => {
  it.each([
    ["not a digest at all", "not-a-digest"],
    ["63 hex digits", "a".repeat(63)],
    ["65 hex digits", "a".repeat(65)],
    ["sha256: and a short value", `sha256:${"a".repeat(40)}`],
    ["another algorithm", `sha512:${"a".repeat(128)}`],
    ["empty", ""],
  ])("that is %s refuses the download, and nothing is fetched or installed", async (_name, digest) => {
    const repository = freshRepository();
    const cdnPath = serveTinyModel(repository, { advertisedSha256: digest });
    const error = await pull(`hf:acme/${repository}/tiny-Q8_0.gguf`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MalformedDigestError);
    expect((error as Error).message).toMatch(/^refusing to download http:\/\/.*tiny-Q8_0\.gguf: its published sha256 \(X-Linked-Etag\) is ".*", not 64 hex digits \(optionally after "sha256:"\), so the file could not be verified$/);
    expect(cdnGets(cdnPath)).toHaveLength(0);
    expect(await filesUnder(path.join(hubPull.home, "models"))).toEqual([]);
  });

  it("written sha256:<hex> is verified like a bare one", async () => {
    const repository = freshRepository();
    serveTinyModel(repository, { advertisedSha256: `sha256:${hubPull.modelSha256.toUpperCase()}` });
    await expect(pull(`hf:acme/${repository}/tiny-Q8_0.gguf`)).resolves.toMatchObject({ sha256: hubPull.modelSha256, verifiedAgainst: "hub" });
  });

  it("that is missing still installs the file, checked by size, and says no sha256 was published", async () => {
    const repository = freshRepository();
    serveTinyModel(repository, { advertisedSha256: null });
    const events: PullEvent[] = [];
    const pulled = await pull(`hf:acme/${repository}/tiny-Q8_0.gguf`, { onEvent: (event) => events.push(event) });
    expect(pulled).toMatchObject({ sha256: hubPull.modelSha256, alreadyCached: false });
    expect(pulled.verifiedAgainst).toBeUndefined();
    const resolved = events.find((event) => event.type === "resolved");
    expect(resolved?.type === "resolved" && resolved.source).toMatchObject({ sizeBytes: hubPull.modelBytes.length });
    expect(resolved?.type === "resolved" && resolved.source.sha256).toBeUndefined();
  });

  it("is read from an ETag quoted, weak, or in capitals", () => {
    const hex = "0123456789abcdef".repeat(4);
    for (const text of [hex, `"${hex}"`, `W/"${hex}"`, `"sha256:${hex.toUpperCase()}"`, ` ${hex} `]) expect(parsePublishedSha256(text, "u", "ETag")).toBe(hex);
    expect(() => parsePublishedSha256(`"${hex}`, "u", "ETag")).toThrow(MalformedDigestError);
  });
});

describe("a symbolic link inside the cache", () => {
  it("to a folder outside is refused, and the pull writes nothing there", async () => {
    const repository = freshRepository();
    const cdnPath = serveTinyModel(repository);
    await mkdir(path.join(hubPull.home, "models", "hf"), { recursive: true });
    await symlink(outside, path.join(hubPull.home, "models", "hf", "acme"));
    const error = await pull(`hf:acme/${repository}/tiny-Q8_0.gguf`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsafeCachePathError);
    expect((error as Error).message).toMatch(/models\/hf\/acme is a symbolic link: the model cache does not follow links/);
    expect(await filesUnder(outside)).toEqual([]);
    expect(cdnGets(cdnPath)).toHaveLength(0);
  });

  it("where the partial download goes is refused, and the file it points to is untouched", async () => {
    const repository = freshRepository();
    const cdnPath = serveTinyModel(repository);
    const precious = path.join(outside, "precious.txt");
    await writeFile(precious, "do not overwrite");
    const folder = path.join(hubPull.home, "models", "hf", "acme", repository);
    await mkdir(folder, { recursive: true });
    await symlink(precious, path.join(folder, "tiny-Q8_0.gguf.partial"));
    await expect(pull(`hf:acme/${repository}/tiny-Q8_0.gguf`)).rejects.toThrow(/tiny-Q8_0\.gguf\.partial is a symbolic link/);
    expect(await readFile(precious, "utf8")).toBe("do not overwrite");
    expect(cdnGets(cdnPath)).toHaveLength(0);
  });

  it("as the model file itself is refused instead of being served as already downloaded", async () => {
    const repository = freshRepository();
    serveTinyModel(repository);
    const elsewhere = path.join(outside, "model.gguf");
    await writeFile(elsewhere, hubPull.modelBytes);
    const folder = path.join(hubPull.home, "models", "hf", "acme", repository);
    await mkdir(folder, { recursive: true });
    await symlink(elsewhere, path.join(folder, "tiny-Q8_0.gguf"));
    await expect(pull(`hf:acme/${repository}/tiny-Q8_0.gguf`)).rejects.toBeInstanceOf(UnsafeCachePathError);
  });
});
