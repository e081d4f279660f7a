import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { pullModel, type PullModelOptions } from "../../src/models/pull-model.js";
import { serveHubModel, type FakeHubModel } from "./fake-hugging-face-hub.js";
import { readThrough } from "./read-through.js";
import { startTestFileServer, type TestFileServer } from "./test-file-server.js";
import { testModelPath } from "./test-models.js";

export interface HubPullFixtureOptions {
  /** The prefix of each test's temporary home folder, under the system's temporary folder. */
  readonly homePrefix: string;
  /** The prefix of the repository names `freshRepository` hands out. */
  readonly repositoryPrefix: string;
}

/** What one test file's pulls run against; read its fields inside tests and hooks, once the fixture has started. */
export interface HubPullFixture {
  /** The tiny test model's bytes, which the hub serves. */
  readonly modelBytes: Buffer;
  /** The sha256 of `modelBytes`, in lower-case hex. */
  readonly modelSha256: string;
  /** The fake hub: it lists repositories and redirects downloads to `cdn`. */
  readonly hub: TestFileServer;
  /** The fake "CDN" on another port, which serves the bytes. */
  readonly cdn: TestFileServer;
  /** This test's temporary home (the model cache is `<home>/models`), removed after the test. */
  readonly home: string;
  /** A repository name no other test in the file uses, so routes never collide. */
  freshRepository(): string;
  /** Serves the tiny model as `acme/<repository>/tiny-Q8_0.gguf` through the CDN; returns the CDN path. */
  serveTinyModel(repository: string, extra?: Partial<FakeHubModel>): string;
  /** Pulls `spec` into this test's home from the fake hub. */
  pull(spec: string, extra?: Partial<PullModelOptions>): ReturnType<typeof pullModel>;
  /** The GETs the CDN received for `cdnPath`, in order, with their Range headers. */
  cdnGets(cdnPath: string): { range: string | undefined }[];
}

/**
 * Starts a fake Hugging Face hub and its "CDN" for the test file (two servers on two ports: the hub redirects
 * downloads to the CDN, as huggingface.co does) and gives each test a fresh temporary home. Call it at the top
 * level of a test file: it registers the hooks that start and stop everything.
 */
export function useHubPullFixture(options: HubPullFixtureOptions): HubPullFixture {
  let started: { modelBytes: Buffer; modelSha256: string; hub: TestFileServer; cdn: TestFileServer } | undefined;
  let home: string | undefined;
  let repositoryCount = 0;
  const servers = (): NonNullable<typeof started> => {
    if (started === undefined) throw new Error("the hub pull fixture is used before its beforeAll hook ran");
    return started;
  };
  const currentHome = (): string => {
    if (home === undefined) throw new Error("the hub pull fixture's home is used outside a test");
    return home;
  };

  beforeAll(async () => {
    const modelBytes = await readFile(await testModelPath("tiny"));
    const [hub, cdn] = await Promise.all([startTestFileServer(), startTestFileServer()]);
    started = { modelBytes, modelSha256: createHash("sha256").update(modelBytes).digest("hex"), hub, cdn };
  });
  afterAll(async () => {
    if (started !== undefined) await Promise.all([started.hub.close(), started.cdn.close()]);
  });
  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), options.homePrefix));
  });
  afterEach(async () => {
    await rm(currentHome(), { recursive: true, force: true });
    home = undefined;
  });

  const actions: Pick<HubPullFixture, "freshRepository" | "serveTinyModel" | "pull" | "cdnGets"> = {
    freshRepository() {
      repositoryCount += 1;
      return `${options.repositoryPrefix}-${repositoryCount}-GGUF`;
    },
    serveTinyModel(repository, extra = {}) {
      const { hub, cdn, modelBytes } = servers();
      return serveHubModel(hub, { owner: "acme", repository, file: "tiny-Q8_0.gguf", bytes: modelBytes, cdn, ...extra });
    },
    pull(spec, extra = {}) {
      return pullModel({ spec, home: currentHome(), hubUrl: servers().hub.origin, ...extra });
    },
    cdnGets(cdnPath) {
      return servers()
        .cdn.requests.filter((request) => request.path === cdnPath && request.method === "GET")
        .map((request) => ({ range: request.headers.range }));
    },
  };
  const withServers = readThrough(servers, ["modelBytes", "modelSha256", "hub", "cdn"], actions);
  return readThrough(() => ({ home: currentHome() }), ["home"], withServers);
}
