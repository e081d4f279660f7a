import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DownloadConnectionError,
  DownloadInterruptedError,
  ModelDownloadError,
  ModelIntegrityError,
  UnsafeUrlError,
  httpErrorFor,
} from "../../src/models/download/download-errors.js";
import { downloadToFile } from "../../src/models/download/download-to-file.js";
import { safeRequest } from "../../src/models/download/safe-http-request.js";
import { listRepositoryFiles, readRemoteFileMetadata } from "../../src/models/hub/hugging-face-hub.js";
import { ModelSpecError } from "../../src/models/model-spec-error.js";
import { findPreset } from "../../src/models/presets.js";
import { pullModel } from "../../src/models/pull-model.js";
import { resolveDownloadSource } from "../../src/models/resolve-download-source.js";
import { resolveModelPath } from "../../src/models/resolve-model-path.js";
import { serveHubModel } from "../helpers/fake-hugging-face-hub.js";
import { testModelPath } from "../helpers/test-models.js";
import { startTestFileServer, type TestFileServer } from "../helpers/test-file-server.js";

let modelBytes: Buffer;
let modelSha256: string;
let server: TestFileServer;
let folder: string;
let routeCount = 0;

beforeAll(async () => {
  modelBytes = await readFile(await testModelPath("tiny"));
  modelSha256 = createHash("sha256").update(modelBytes).digest("hex");
  server = await startTestFileServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "pensieve-download-"));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

function freshPath(): string {
  routeCount += 1;
  return `/files/${routeCount}/model.gguf`;
}

function gets(pathname: string): (string | undefined)[] {
  return server.requests.filter((request) => request.path === pathname && request.method === "GET").map((request) => request.headers.range);
}

describe("downloadToFile edges", () => {
  it("finishes without a request when the partial file already has the expected size", async () => {
    const pathname = freshPath();
    server.route(pathname, { kind: "file", bytes: modelBytes });
    const partialPath = path.join(folder, "model.gguf.partial");
    await writeFile(partialPath, modelBytes);
    const result = await downloadToFile({ url: new URL(pathname, server.origin), partialPath, expectedSize: modelBytes.length, expectedSha256: modelSha256 });
    expect(result).toEqual({ bytes: modelBytes.length, sha256: modelSha256, resumedFromBytes: modelBytes.length });
    expect(gets(pathname)).toEqual([]);
  });

  it("accepts a 416 that says the partial file is already whole", async () => {
    const pathname = freshPath();
    server.route(pathname, { kind: "file", bytes: modelBytes });
    const partialPath = path.join(folder, "model.gguf.partial");
    await writeFile(partialPath, modelBytes);
    const result = await downloadToFile({ url: new URL(pathname, server.origin), partialPath });
    expect(result.sha256).toBe(modelSha256);
    expect(gets(pathname)).toEqual([`bytes=${modelBytes.length}-`]);
  });

  it("starts over after a 416 for a partial file longer than the file, and deletes one longer than expected", async () => {
    const pathname = freshPath();
    server.route(pathname, { kind: "file", bytes: modelBytes });
    const partialPath = path.join(folder, "model.gguf.partial");
    await writeFile(partialPath, Buffer.alloc(modelBytes.length + 10, 1));
    expect((await downloadToFile({ url: new URL(pathname, server.origin), partialPath })).sha256).toBe(modelSha256);
    expect(gets(pathname)).toEqual([`bytes=${modelBytes.length + 10}-`, undefined]);

    await writeFile(partialPath, Buffer.alloc(modelBytes.length + 10, 1));
    await downloadToFile({ url: new URL(pathname, server.origin), partialPath, expectedSize: modelBytes.length });
    expect(gets(pathname)).toEqual([`bytes=${modelBytes.length + 10}-`, undefined, undefined]);
  });

  it("refuses a compressed body", async () => {
    const pathname = freshPath();
    server.route(pathname, { kind: "file", bytes: modelBytes, headers: { "content-encoding": "gzip" } });
    await expect(downloadToFile({ url: new URL(pathname, server.origin), partialPath: path.join(folder, "p") })).rejects.toThrow(
      /was sent with Content-Encoding gzip; a model must arrive as is/,
    );
  });

  it("stops a body that runs past the expected size and deletes it", async () => {
    const pathname = freshPath();
    server.route(pathname, { kind: "file", bytes: modelBytes, chunked: true });
    const partialPath = path.join(folder, "p");
    const error = await downloadToFile({ url: new URL(pathname, server.origin), partialPath, expectedSize: 1000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelIntegrityError);
    expect((error as Error).message).toMatch(/expected 1000 bytes, got more than 1000/);
    expect(existsSync(partialPath)).toBe(false);
  });

  it("reports a refused connection plainly, and as an interruption to resume when bytes are on disk", async () => {
    const closed = await startTestFileServer();
    await closed.close();
    const url = new URL("/x.gguf", closed.origin);
    const partialPath = path.join(folder, "p");
    const fresh = await downloadToFile({ url, partialPath }).catch((caught: unknown) => caught);
    expect(fresh).toBeInstanceOf(DownloadConnectionError);
    expect((fresh as Error).message).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+\/x\.gguf: .*ECONNREFUSED/);

    await writeFile(partialPath, Buffer.alloc(10));
    const resumed = await downloadToFile({ url, partialPath }).catch((caught: unknown) => caught);
    expect(resumed).toBeInstanceOf(DownloadInterruptedError);
    expect((resumed as Error).message).toMatch(/interrupted after 10 bytes: cannot reach .*ECONNREFUSED.*; pull again to resume/);
  });

  it("stops on abort, keeping what arrived", async () => {
    const pathname = freshPath();
    const hold = new Promise<void>(() => undefined);
    server.route(pathname, { kind: "file", bytes: modelBytes, holdAfterBytes: 100_000, hold });
    const partialPath = path.join(folder, "p");
    const controller = new AbortController();
    let sawBytes = (): void => undefined;
    const arrived = new Promise<void>((resolve) => (sawBytes = resolve));
    const download = downloadToFile({
      url: new URL(pathname, server.origin),
      partialPath,
      signal: controller.signal,
      onProgress: (progress) => progress.downloadedBytes > 0 && sawBytes(),
    });
    await arrived;
    controller.abort(new Error("stopped by the test"));
    await expect(download).rejects.toThrow("stopped by the test");
    expect((await stat(partialPath)).size).toBeGreaterThan(0);
  });

  it("gives up on a server that stops sending", async () => {
    const pathname = freshPath();
    server.route(pathname, { kind: "file", bytes: modelBytes, holdAfterBytes: 1000, hold: new Promise<void>(() => undefined) });
    const error = await downloadToFile({ url: new URL(pathname, server.origin), partialPath: path.join(folder, "p"), idleTimeoutMs: 150 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DownloadInterruptedError);
    expect((error as DownloadInterruptedError).bytesOnDisk).toBe(1000);
  });
});

describe("safeRequest and the network policy", () => {
  it("refuses credentials in a URL without echoing them", async () => {
    const error = await safeRequest(new URL("https://user:secret@example.com/a.gguf")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsafeUrlError);
    expect((error as Error).message).not.toContain("secret");
  });

  it("reports a host that does not resolve, or resolves to nothing", async () => {
    const failing = { resolve: () => Promise.reject(new Error("getaddrinfo ENOTFOUND nowhere.example")) };
    await expect(safeRequest(new URL("https://nowhere.example/a.gguf"), { policy: failing })).rejects.toThrow(/cannot reach .*ENOTFOUND/);
    await expect(safeRequest(new URL("https://empty.example/a.gguf"), { policy: { resolve: () => Promise.resolve([]) } })).rejects.toThrow(
      /empty\.example has no address/,
    );
  });

  it("resolves localhost itself, trying each checked address", async () => {
    const pathname = freshPath();
    server.route(pathname, { kind: "json", body: { ok: true } });
    const response = await safeRequest(new URL(`http://localhost:${new URL(server.origin).port}${pathname}`));
    response.body.resume();
    expect(response.status).toBe(200);
  });

  it("refuses a redirect to an unparsable location", async () => {
    const pathname = freshPath();
    server.route(pathname, { kind: "redirect", location: "http://[bad" });
    await expect(safeRequest(new URL(pathname, server.origin))).rejects.toThrow(ModelDownloadError);
  });

  it("can hand back a redirect instead of following it", async () => {
    const pathname = freshPath();
    server.route(pathname, { kind: "redirect", location: "/elsewhere", status: 307 });
    const response = await safeRequest(new URL(pathname, server.origin), { followRedirect: () => false });
    response.body.resume();
    expect(response).toMatchObject({ status: 307, headers: expect.objectContaining({ location: "/elsewhere" }) });
  });

  it("words each error status", () => {
    expect(httpErrorFor(403, "u", true).message).toMatch(/gated repository needs you to accept its terms/);
    expect(httpErrorFor(500, "u", false, "overloaded").message).toBe("HTTP 500 from u (overloaded)");
  });
});

describe("hub metadata and listings", () => {
  it("reads size and sha256 from a plain 200 (no LFS redirect) and a weak ETag", async () => {
    const pathname = freshPath();
    server.route(pathname, { kind: "file", bytes: modelBytes, headers: { etag: `W/"${modelSha256.toUpperCase()}"` } });
    expect(await readRemoteFileMetadata({}, new URL(pathname, server.origin))).toEqual({ sizeBytes: modelBytes.length, sha256: modelSha256 });
  });

  it("ignores an ETag that is a git blob hash", async () => {
    const pathname = freshPath();
    server.route(pathname, { kind: "file", bytes: modelBytes, headers: { etag: '"0123456789abcdef0123456789abcdef01234567"' } });
    expect(await readRemoteFileMetadata({}, new URL(pathname, server.origin))).toEqual({ sizeBytes: modelBytes.length });
  });

  it("follows a renamed repository's same-origin redirect to the LFS headers", async () => {
    serveHubModel(server, { owner: "new-owner", repository: "renamed-GGUF", file: "m.gguf", bytes: modelBytes });
    server.route("/old-owner/renamed-GGUF/resolve/main/m.gguf", { kind: "redirect", status: 307, location: "/new-owner/renamed-GGUF/resolve/main/m.gguf" });
    const metadata = await readRemoteFileMetadata({ baseUrl: server.origin }, new URL("/old-owner/renamed-GGUF/resolve/main/m.gguf", server.origin));
    expect(metadata).toEqual({ sizeBytes: modelBytes.length, sha256: modelSha256 });
  });

  it("explains a listing that is not JSON, has no files, or needs a token", async () => {
    server.route("/api/models/acme/html", { kind: "status", status: 200, body: "<html>" });
    server.route("/api/models/acme/empty", { kind: "json", body: { id: "acme/empty" } });
    server.route("/api/models/acme/private", { kind: "status", status: 401 });
    server.route("/api/models/acme/odd", { kind: "json", body: { siblings: [{ rfilename: "a.gguf" }, { rfilename: 7 }, null] } });
    const connection = { baseUrl: `${server.origin}/` };
    await expect(listRepositoryFiles(connection, "acme", "html")).rejects.toThrow(/did not answer JSON/);
    await expect(listRepositoryFiles(connection, "acme", "empty")).rejects.toThrow(/lists no files \(no "siblings" array\)/);
    await expect(listRepositoryFiles(connection, "acme", "private")).rejects.toThrow(/needs a Hugging Face token: set HF_TOKEN/);
    expect(await listRepositoryFiles(connection, "acme", "odd")).toEqual(["a.gguf"]);
  });
});

describe("pulling presets, URLs and specs", () => {
  let home: string;
  beforeEach(() => {
    home = path.join(folder, "home");
  });

  it("pulls a preset from its repository and finds it afterwards through resolveModelPath", async () => {
    const preset = findPreset("phi-3-mini");
    if (preset === undefined) throw new Error("the phi-3-mini preset is gone");
    serveHubModel(server, { owner: preset.owner, repository: preset.repository, file: preset.file, bytes: modelBytes });
    const modelPath = await resolveModelPath("phi-3-mini", { home, pull: { hubUrl: server.origin } });
    expect(modelPath).toBe(path.join(home, "models", "hf", "microsoft", "Phi-3-mini-4k-instruct-gguf", "Phi-3-mini-4k-instruct-q4.gguf"));
    expect(await resolveModelPath("phi-3-mini", { home })).toBe(modelPath);
  });

  it("trusts a preset's pinned size and hash without asking the hub", async () => {
    const before = server.requests.length;
    const qwen = findPreset("qwen3-4b");
    if (qwen === undefined) throw new Error("the qwen3-4b preset is gone");
    const source = await resolveDownloadSource({ kind: "preset", preset: { ...qwen, sizeBytes: 5, sha256: "ab".repeat(32) } }, { baseUrl: server.origin });
    expect(source).toMatchObject({ sizeBytes: 5, sha256: "ab".repeat(32), hashFrom: "preset" });
    expect(server.requests.length).toBe(before);
  });

  it("sends the token with a URL on the hub, not with a URL elsewhere", async () => {
    const pathname = freshPath();
    server.route(pathname, { kind: "file", bytes: modelBytes });
    await pullModel({ spec: `${server.origin}${pathname}`, home, hubUrl: server.origin, token: "hf_x" });
    await pullModel({ spec: `${server.origin}${pathname}`, home: path.join(folder, "other"), hubUrl: "https://huggingface.co", token: "hf_x" });
    const authorizations = server.requests.filter((request) => request.path === pathname).map((request) => request.headers.authorization);
    expect(authorizations).toEqual(["Bearer hf_x", undefined]);
  });

  it("refuses a split model, and a spec that names nothing pullable", async () => {
    server.route("/api/models/acme/split-GGUF", {
      kind: "json",
      body: { siblings: [{ rfilename: "m-Q4_K_M-00001-of-00002.gguf" }, { rfilename: "m-Q4_K_M-00002-of-00002.gguf" }] },
    });
    await expect(pullModel({ spec: "hf:acme/split-GGUF:Q4_K_M", home, hubUrl: server.origin })).rejects.toThrow(
      /is split into 2 files \(m-Q4_K_M-00001-of-00002\.gguf, …\); split models cannot be pulled yet/,
    );
    const error = await pullModel({ spec: "qwen-typo", home }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelSpecError);
    expect((error as Error).message).toMatch(/qwen-typo is neither a preset \(qwen3\.5-4b, .*qwen3-4b, .*\), an hf:<owner>\/<repository>… spec nor an https:\/\/ URL/);
  });
});
