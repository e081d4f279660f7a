import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyAddress } from "../../src/models/download/address-class.js";
import {
  DownloadHttpError,
  DownloadInterruptedError,
  ModelIntegrityError,
  UnsafeUrlError,
} from "../../src/models/download/download-errors.js";
import type { DownloadProgress } from "../../src/models/download/download-progress.js";
import type { NetworkPolicy } from "../../src/models/download/network-policy.js";
import { ModelSpecError } from "../../src/models/model-spec-error.js";
import type { PullEvent } from "../../src/models/pull-model.js";
import { UnsafeModelFileError } from "../../src/models/unsafe-model-file-error.js";
import { serveHubModel } from "../helpers/fake-hugging-face-hub.js";
import { useHubPullFixture } from "../helpers/hub-pull-fixture.js";
import { startTestFileServer, type TestFileServer } from "../helpers/test-file-server.js";

const hubPull = useHubPullFixture({ homePrefix: "pensieve-pull-", repositoryPrefix: "tiny" });
const { freshRepository, serveTinyModel, pull, cdnGets } = hubPull;

async function cacheFiles(): Promise<string[]> {
  const folder = path.join(hubPull.home, "models");
  if (!existsSync(folder)) return [];
  return (await readdir(folder, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name);
}

describe("pullModel from a hub", () => {
  it("downloads through the CDN redirect, verifies the hub's size and sha256, and renames into the cache", async () => {
    const repository = freshRepository();
    serveTinyModel(repository);
    const progress: DownloadProgress[] = [];

    const pulled = await pull(`hf:acme/${repository}/tiny-Q8_0.gguf`, { onProgress: (update) => progress.push(update) });

    expect(pulled.path).toBe(path.join(hubPull.home, "models", "hf", "acme", repository, "tiny-Q8_0.gguf"));
    expect(pulled).toMatchObject({ name: `hf/acme/${repository}/tiny-Q8_0.gguf`, sha256: hubPull.modelSha256, verifiedAgainst: "hub", alreadyCached: false });
    expect(pulled.summary).toMatchObject({ architecture: "llama", fileType: "Q8_0", contextLength: 4096, sizeBytes: hubPull.modelBytes.length });
    expect(createHash("sha256").update(await readFile(pulled.path)).digest("hex")).toBe(hubPull.modelSha256);
    expect(await cacheFiles()).toEqual(["tiny-Q8_0.gguf"]); // no .partial, no .lock
    expect(progress.at(-1)).toMatchObject({ done: true, downloadedBytes: hubPull.modelBytes.length, totalBytes: hubPull.modelBytes.length });
  });

  it("picks the file of a quantisation from the repository's file list", async () => {
    const repository = freshRepository();
    serveTinyModel(repository, { listedFiles: ["README.md", "tiny-Q4_0.gguf", "tiny-Q4_K_M.gguf", "tiny-Q8_0.gguf", "mmproj-tiny-Q8_0.gguf"] });
    const pulled = await pull(`hf:acme/${repository}:q8_0`);
    expect(pulled.name).toBe(`hf/acme/${repository}/tiny-Q8_0.gguf`);
    await expect(pull(`hf:acme/${repository}:Q5_K_M`)).rejects.toThrow(/no GGUF file for quantisation Q5_K_M; files: tiny-Q4_0.gguf/);
  });

  it("sends the token to the hub only, never to the CDN it redirects to", async () => {
    const repository = freshRepository();
    const cdnPath = serveTinyModel(repository);
    await pull(`hf:acme/${repository}:Q8_0`, { token: "hf_secret" });
    const hubRequests = hubPull.hub.requests.filter((request) => request.path.includes(repository));
    expect(hubRequests.map((request) => request.method)).toEqual(["GET", "HEAD", "GET"]); // listing, metadata, download
    for (const request of hubRequests) expect(request.headers.authorization).toBe("Bearer hf_secret");
    const cdnRequests = hubPull.cdn.requests.filter((request) => request.path === cdnPath);
    expect(cdnRequests).toHaveLength(1);
    expect(cdnRequests[0]?.headers.authorization).toBeUndefined();
  });

  it("finds a pulled file in the cache the next time without downloading it again", async () => {
    const repository = freshRepository();
    const cdnPath = serveTinyModel(repository);
    await pull(`hf:acme/${repository}/tiny-Q8_0.gguf`);
    const again = await pull(`hf:acme/${repository}/tiny-Q8_0.gguf`);
    expect(again.alreadyCached).toBe(true);
    expect(cdnGets(cdnPath)).toHaveLength(1);
  });
});

describe("resuming", () => {
  it("keeps the partial file when the connection drops, and the next pull completes it with a Range request", async () => {
    const repository = freshRepository();
    const half = Math.floor(hubPull.modelBytes.length / 2);
    const cdnPath = serveTinyModel(repository, { cdnBehaviour: { dropAfterBytes: half } });
    const spec = `hf:acme/${repository}/tiny-Q8_0.gguf`;
    const partialPath = path.join(hubPull.home, "models", "hf", "acme", repository, "tiny-Q8_0.gguf.partial");

    await expect(pull(spec, { resumeAttempts: 0 })).rejects.toBeInstanceOf(DownloadInterruptedError);
    const kept = (await stat(partialPath)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(half);

    const events: PullEvent[] = [];
    const pulled = await pull(spec, { resumeAttempts: 0, onEvent: (event) => events.push(event) });
    expect(pulled.sha256).toBe(hubPull.modelSha256);
    expect(events).toContainEqual({ type: "resuming", fromBytes: kept });
    expect(cdnGets(cdnPath)).toEqual([{ range: undefined }, { range: `bytes=${kept}-` }]);
    expect(existsSync(partialPath)).toBe(false);
  });

  it("resumes by itself after a dropped connection", async () => {
    const repository = freshRepository();
    const cdnPath = serveTinyModel(repository, { cdnBehaviour: { dropAfterBytes: 100_000, dropTimes: 2 } });
    const events: PullEvent[] = [];
    const pulled = await pull(`hf:acme/${repository}/tiny-Q8_0.gguf`, { onEvent: (event) => events.push(event) });
    expect(pulled.sha256).toBe(hubPull.modelSha256);
    expect(events.filter((event) => event.type === "retrying").map((event) => event.type === "retrying" && event.attempt)).toEqual([1, 2]);
    const gets = cdnGets(cdnPath);
    expect(gets).toHaveLength(3);
    expect(gets[1]?.range).toMatch(/^bytes=\d+-$/);
  });

  it("restarts from byte 0 when the server answers a Range request with the wrong Content-Range", async () => {
    const repository = freshRepository();
    const cdnPath = serveTinyModel(repository, { cdnBehaviour: { wrongContentRange: true } });
    const folder = path.join(hubPull.home, "models", "hf", "acme", repository);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, "tiny-Q8_0.gguf.partial"), Buffer.alloc(1000, 0xee)); // junk that must not survive
    const pulled = await pull(`hf:acme/${repository}/tiny-Q8_0.gguf`);
    expect(pulled.sha256).toBe(hubPull.modelSha256);
    expect(cdnGets(cdnPath)).toEqual([{ range: "bytes=1000-" }, { range: undefined }]);
  });

  it("starts over with the whole body when the server ignores the Range header", async () => {
    const repository = freshRepository();
    const cdnPath = serveTinyModel(repository, { cdnBehaviour: { ignoreRange: true } });
    const folder = path.join(hubPull.home, "models", "hf", "acme", repository);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, "tiny-Q8_0.gguf.partial"), Buffer.alloc(1000, 0xee));
    const pulled = await pull(`hf:acme/${repository}/tiny-Q8_0.gguf`);
    expect(pulled.sha256).toBe(hubPull.modelSha256);
    expect(cdnGets(cdnPath)).toEqual([{ range: "bytes=1000-" }]);
  });
});

describe("verification", () => {
  it("deletes the download and says so when the sha256 does not match", async () => {
    const repository = freshRepository();
    serveTinyModel(repository, { advertisedSha256: "ab".repeat(32) });
    const error = await pull(`hf:acme/${repository}/tiny-Q8_0.gguf`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelIntegrityError);
    expect((error as ModelIntegrityError).check).toBe("sha256");
    expect((error as Error).message).toMatch(/failed verification: sha256 [0-9a-f]{64}, expected (ab){32}; the partial file was deleted/);
    expect(await cacheFiles()).toEqual([]);
  });

  it("deletes a body that ends early (cleanly, without an error) and says it is truncated", async () => {
    const repository = freshRepository();
    serveTinyModel(repository, { cdnBehaviour: { truncateTo: 5000 } });
    const error = await pull(`hf:acme/${repository}/tiny-Q8_0.gguf`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelIntegrityError);
    expect((error as Error).message).toMatch(new RegExp(`wrong size: expected ${hubPull.modelBytes.length} bytes, got 5000 \\(truncated or changed\\)`));
    expect(await cacheFiles()).toEqual([]);
  });

  it("refuses a body whose announced size differs from the hub's before writing it", async () => {
    const repository = freshRepository();
    serveTinyModel(repository, { advertisedSize: 1234 });
    await expect(pull(`hf:acme/${repository}/tiny-Q8_0.gguf`)).rejects.toThrow(/expected 1234 bytes, got 644448 \(announced by the server\)/);
    expect(await cacheFiles()).toEqual([]);
  });

  it("deletes a download that is not a GGUF file, with the reason", async () => {
    const repository = freshRepository();
    serveHubModel(hubPull.hub, { owner: "acme", repository, file: "page.gguf", bytes: Buffer.from("<!doctype html><title>Sign in</title>"), cdn: hubPull.cdn });
    const error = await pull(`hf:acme/${repository}/page.gguf`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsafeModelFileError);
    expect((error as Error).message).toMatch(/not a GGUF file: it starts with "<!do".*; the download was deleted/);
    expect(await cacheFiles()).toEqual([]);
  });
});

describe("HTTP errors", () => {
  it("explains a 404", async () => {
    const error = await pull("hf:acme/missing-GGUF/model-Q4_K_M.gguf").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DownloadHttpError);
    expect((error as DownloadHttpError).status).toBe(404);
    expect((error as Error).message).toMatch(/^404 Not Found: http:\/\/127\.0\.0\.1:\d+\/acme\/missing-GGUF\/resolve\/main\/model-Q4_K_M\.gguf does not exist/);
  });

  it("asks for HF_TOKEN on a 401, and says the token was refused when one was sent", async () => {
    const repository = freshRepository();
    hubPull.hub.route(`/acme/${repository}/resolve/main/gated.gguf`, { kind: "status", status: 401, headers: { "x-error-message": "Access to model acme/gated is restricted." } });
    await expect(pull(`hf:acme/${repository}/gated.gguf`)).rejects.toThrow(
      /401 Unauthorized from .*: this repository needs a Hugging Face token: set HF_TOKEN .*\(Access to model acme\/gated is restricted\.\)/,
    );
    await expect(pull(`hf:acme/${repository}/gated.gguf`, { token: "hf_wrong" })).rejects.toThrow(/the Hugging Face token was refused/);
  });
});

describe("concurrent pulls of one file", () => {
  it("let one download while the other waits on the lock, then both get the one verified file", async () => {
    const repository = freshRepository();
    let release = (): void => undefined;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const cdnPath = serveTinyModel(repository, { cdnBehaviour: { holdAfterBytes: 50_000, hold } });
    const spec = `hf:acme/${repository}/tiny-Q8_0.gguf`;

    const firstGet = hubPull.cdn.nextRequest(cdnPath);
    const first = pull(spec);
    await firstGet; // the first pull holds the lock and is mid-body
    let waiting = (): void => undefined;
    const secondWaits = new Promise<void>((resolve) => (waiting = resolve));
    const second = pull(spec, { onEvent: (event) => event.type === "waiting" && waiting() });
    await secondWaits;
    release();

    const [one, two] = await Promise.all([first, second]);
    expect(one).toMatchObject({ alreadyCached: false, sha256: hubPull.modelSha256 });
    expect(two).toMatchObject({ alreadyCached: true, path: one.path });
    expect(cdnGets(cdnPath)).toHaveLength(1);
    expect(createHash("sha256").update(await readFile(one.path)).digest("hex")).toBe(hubPull.modelSha256);
    expect(await cacheFiles()).toEqual(["tiny-Q8_0.gguf"]);
  });

  it("takes over a lock left by a process that no longer exists", async () => {
    const repository = freshRepository();
    serveTinyModel(repository);
    const folder = path.join(hubPull.home, "models", "hf", "acme", repository);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, "tiny-Q8_0.gguf.lock"), JSON.stringify({ pid: 2 ** 30, host: os.hostname() }));
    const pulled = await pull(`hf:acme/${repository}/tiny-Q8_0.gguf`);
    expect(pulled.sha256).toBe(hubPull.modelSha256);
  });
});

describe("URL safety", () => {
  it("follows up to 5 redirects and refuses a sixth", async () => {
    const repository = freshRepository();
    const target = `/${repository}/model.gguf`;
    hubPull.hub.route(target, { kind: "file", bytes: hubPull.modelBytes });
    for (let index = 0; index < 6; index++) {
      hubPull.hub.route(`/${repository}/hop${index}.gguf`, { kind: "redirect", location: index === 5 ? target : `/${repository}/hop${index + 1}.gguf` });
    }
    const five = await pull(`${hubPull.hub.origin}/${repository}/hop1.gguf`);
    expect(five.name).toBe(`url/127.0.0.1-${new URL(hubPull.hub.origin).port}/hop1.gguf`);
    const error = await pull(`${hubPull.hub.origin}/${repository}/hop0.gguf`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsafeUrlError);
    expect((error as Error).message).toMatch(/more than 5 redirects/);
  });

  describe("from a public origin", () => {
    let publicServer: TestFileServer;
    // 127.0.0.2 stands in for a public address: only the redirect rule sees it as public.
    const policy: NetworkPolicy = {
      classify: (address) => (address === "127.0.0.2" ? "public" : classifyAddress(address)),
      resolve: async (hostname) => {
        if (hostname === "internal.example") return [{ address: "192.168.1.20", family: 4 }];
        if (hostname === "files.example") return [{ address: "93.184.216.34", family: 4 }];
        throw new Error(`unexpected lookup of ${hostname}`);
      },
    };
    beforeAll(async () => {
      publicServer = await startTestFileServer("127.0.0.2");
    });
    afterAll(async () => {
      await publicServer.close();
    });

    it.each([
      ["a loopback address", () => `${hubPull.hub.origin}/secret.gguf`, /a redirect from a public address to a loopback address \(127\.0\.0\.1\) is refused/],
      ["a private address", () => "https://10.1.2.3/secret.gguf", /to a private address \(10\.1\.2\.3\)/],
      ["a name that resolves to a private address", () => "https://internal.example/secret.gguf", /to a private address \(192\.168\.1\.20\)/],
      ["a link-local address", () => "https://169.254.169.254/latest/meta-data.gguf", /to a link-local address/],
      ["an IPv4-mapped loopback address", () => "https://[::ffff:127.0.0.1]/secret.gguf", /to a loopback address/],
    ])("refuses a redirect to %s before connecting", async (_name, location, message) => {
      const source = `/${freshRepository()}.gguf`;
      publicServer.route(source, { kind: "redirect", location: location() });
      hubPull.hub.route("/secret.gguf", { kind: "file", bytes: hubPull.modelBytes });
      const before = hubPull.hub.requests.length;
      const error = await pull(`${publicServer.origin}${source}`, { policy }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UnsafeUrlError);
      expect((error as Error).message).toMatch(message);
      expect(hubPull.hub.requests.length).toBe(before);
      expect(await cacheFiles()).toEqual([]);
    });

    it("allows a redirect from public to public", async () => {
      publicServer.route("/from.gguf", { kind: "redirect", location: "/to.gguf" });
      publicServer.route("/to.gguf", { kind: "file", bytes: hubPull.modelBytes });
      expect((await pull(`${publicServer.origin}/from.gguf`, { policy })).sha256).toBe(hubPull.modelSha256);
    });

    it("refuses plain http:// to anything but this machine", async () => {
      await expect(pull("http://files.example/model.gguf", { policy })).rejects.toThrow(/plain http:\/\/ is only allowed to this machine/);
    });
  });

  it.each([
    ["file://", "file:///etc/passwd.gguf", /file:\/\/ is not accepted/],
    ["ftp://", "ftp://example.com/model.gguf", /ftp:\/\/ is not accepted/],
    ["a .. segment", "hf:acme/repo/../../../../tmp/evil.gguf", /not a safe file path inside a repository/],
    ["a .. owner", "hf:../repo/model.gguf", /not a valid Hugging Face owner name/],
    ["an encoded separator in a URL's file name", "http://127.0.0.1:9/a/..%2F..%2Fevil.gguf", /contains a path separator/],
    ["a URL without a .gguf name", "http://127.0.0.1:9/download?id=1", /must end in a \.gguf file name/],
  ])("refuses %s in a spec", async (_name, spec, message) => {
    const error = await pull(spec).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelSpecError);
    expect((error as Error).message).toMatch(message);
  });

  it("refuses a file name from the hub's listing that would leave the cache", async () => {
    const repository = freshRepository();
    hubPull.hub.route(`/api/models/acme/${repository}`, { kind: "json", body: { siblings: [{ rfilename: "../../../../evil-Q8_0.gguf" }] } });
    await expect(pull(`hf:acme/${repository}:Q8_0`)).rejects.toThrow(/not a safe file path inside a repository/);
    expect(await cacheFiles()).toEqual([]);
    expect(existsSync(path.join(hubPull.home, "evil-Q8_0.gguf"))).toBe(false);
  });
});
