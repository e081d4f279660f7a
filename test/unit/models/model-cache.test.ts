import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findCachedModel } from "../../../src/models/cache/find-cached-model.js";
import { listCachedModels } from "../../../src/models/cache/list-cached-models.js";
import { cachedModelPath, checkCacheName, hubCacheName, urlCacheName } from "../../../src/models/cache/model-cache-paths.js";
import { removeCachedModel } from "../../../src/models/cache/remove-cached-model.js";
import { UnsafeCachePathError } from "../../../src/models/cache/unsafe-cache-path-error.js";
import { ModelNotDownloadedError } from "../../../src/models/model-not-downloaded-error.js";
import { ModelSpecError } from "../../../src/models/model-spec-error.js";
import { parseModelSpec } from "../../../src/models/model-spec.js";
import { resolveModelPath } from "../../../src/models/resolve-model-path.js";
import { testModelPath } from "../../helpers/test-models.js";

let tinyPath: string;
let home: string;
beforeAll(async () => {
  tinyPath = await testModelPath("tiny");
});
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "pensieve-cache-"));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function cache(name: string, source = tinyPath): Promise<string> {
  const filePath = cachedModelPath(home, name);
  await mkdir(path.dirname(filePath), { recursive: true });
  await copyFile(source, filePath);
  return filePath;
}

describe("cache names", () => {
  it("place hub files and URL downloads under hf/ and url/", () => {
    expect(hubCacheName("Qwen", "Qwen3-4B-GGUF", "Qwen3-4B-Q4_K_M.gguf")).toBe("hf/Qwen/Qwen3-4B-GGUF/Qwen3-4B-Q4_K_M.gguf");
    expect(hubCacheName("acme", "big", "Q4_K_M/big-Q4_K_M-00001-of-00002.gguf")).toBe("hf/acme/big/big-Q4_K_M-00001-of-00002.gguf");
    expect(urlCacheName(new URL("https://example.com/m/a%2Bb.gguf"))).toBe("url/example.com/a+b.gguf");
    expect(urlCacheName(new URL("http://[::1]:8080/x.gguf"))).toBe("url/__1-8080/x.gguf");
    expect(cachedModelPath(home, "hf/a/b/c.gguf")).toBe(path.join(home, "models", "hf", "a", "b", "c.gguf"));
  });

  it.each(["../x.gguf", "hf/../../x.gguf", "/etc/passwd", "hf//x.gguf", ".hidden.gguf", "a\\..\\b.gguf", "a/./b.gguf", "a b.gguf", ""])(
    "refuse %j",
    (name) => {
      expect(() => checkCacheName(name)).toThrow(ModelSpecError);
      expect(() => cachedModelPath(home, name)).toThrow(/not a safe model name/);
    },
  );

  it("refuse URL file names that hide a separator or are not .gguf", () => {
    expect(() => urlCacheName(new URL("https://example.com/a/..%2f..%2fx.gguf"))).toThrow(/contains a path separator/);
    expect(() => urlCacheName(new URL("https://example.com/a/%5c..%5cx.gguf"))).toThrow(/contains a path separator/);
    expect(() => urlCacheName(new URL("https://example.com/a/%2e%2e.gguf"))).toThrow(/not a safe model name/); // "...gguf": no leading dots
    expect(() => urlCacheName(new URL("https://example.com/a/%E0%A4%A.gguf"))).toThrow(/not valid percent-encoding/);
    expect(() => urlCacheName(new URL("https://example.com/a/model.bin"))).toThrow(/must end in a \.gguf/);
  });
});

describe("listCachedModels", () => {
  it("lists every .gguf in the cache with its summary, and marks an unusable one", async () => {
    await cache("hf/acme/tiny-GGUF/tiny-Q8_0.gguf");
    await cache("pensieve-demo-g2.gguf");
    await writeFile(cachedModelPath(home, "hf/acme/tiny-GGUF/tiny-Q8_0.gguf") + ".partial", "in progress");
    await mkdir(path.join(home, "models", "url", "x"), { recursive: true });
    await writeFile(path.join(home, "models", "url", "x", "broken.gguf"), "not a model");

    const models = await listCachedModels(home);
    expect(models.map((model) => model.name)).toEqual(["hf/acme/tiny-GGUF/tiny-Q8_0.gguf", "pensieve-demo-g2.gguf", "url/x/broken.gguf"]);
    expect(models[0]?.summary).toMatchObject({ architecture: "llama", fileType: "Q8_0", contextLength: 4096 });
    expect(models[2]?.summary).toBeUndefined();
    expect(models[2]?.problem).toMatch(/not a GGUF file/);
  });

  it("is empty without a cache folder", async () => {
    expect(await listCachedModels(path.join(home, "nowhere"))).toEqual([]);
  });
});

describe("removeCachedModel", () => {
  it("removes by cache name, leftovers and empty folders included", async () => {
    const filePath = await cache("hf/acme/tiny-GGUF/tiny-Q8_0.gguf");
    await writeFile(`${filePath}.partial`, "x");
    const removed = await removeCachedModel(home, "hf/acme/tiny-GGUF/tiny-Q8_0.gguf");
    expect(removed.name).toBe("hf/acme/tiny-GGUF/tiny-Q8_0.gguf");
    expect(existsSync(path.join(home, "models", "hf"))).toBe(false);
    expect(existsSync(path.join(home, "models"))).toBe(true);
  });

  it("removes by unambiguous file name, and by the spec it was pulled with", async () => {
    await cache("hf/acme/tiny-GGUF/tiny-Q8_0.gguf");
    await cache("hf/Qwen/Qwen3-4B-GGUF/Qwen3-4B-Q4_K_M.gguf");
    expect((await removeCachedModel(home, "tiny-Q8_0.gguf")).name).toBe("hf/acme/tiny-GGUF/tiny-Q8_0.gguf");
    expect((await removeCachedModel(home, "qwen3-4b")).name).toBe("hf/Qwen/Qwen3-4B-GGUF/Qwen3-4B-Q4_K_M.gguf");
    expect(await listCachedModels(home)).toEqual([]);
  });

  it("refuses an ambiguous file name", async () => {
    await cache("hf/a/one/m.gguf");
    await cache("hf/b/two/m.gguf");
    await expect(removeCachedModel(home, "m.gguf")).rejects.toThrow(/several cached models are called m\.gguf: hf\/a\/one\/m\.gguf, hf\/b\/two\/m\.gguf/);
  });

  it.each(["../outside.gguf", "hf/../../outside.gguf", "/tmp/outside.gguf", "..\\outside.gguf", ".."])("refuses %j, which would leave the cache", async (name) => {
    const outside = path.join(home, "outside.gguf");
    await copyFile(tinyPath, outside);
    await expect(removeCachedModel(home, name)).rejects.toBeInstanceOf(ModelSpecError);
    expect(existsSync(outside)).toBe(true);
  });

  it("refuses a symbolic link to a file outside the cache, and leaves both alone", async () => {
    const outside = path.join(home, "outside.gguf");
    await copyFile(tinyPath, outside);
    await mkdir(path.join(home, "models"), { recursive: true });
    await symlink(outside, path.join(home, "models", "link.gguf"));
    await expect(removeCachedModel(home, "link.gguf")).rejects.toThrow(/models\/link\.gguf is a symbolic link: the model cache does not follow links/);
    expect(existsSync(outside)).toBe(true);
    expect(existsSync(path.join(home, "models", "link.gguf"))).toBe(true);
  });

  it("says so when there is nothing to remove", async () => {
    await expect(removeCachedModel(home, "hf/a/b/none.gguf")).rejects.toThrow(/no cached model "hf\/a\/b\/none\.gguf"/);
  });
});

describe("symbolic links inside the cache", () => {
  let outside: string;
  let outsideModel: string;
  beforeEach(async () => {
    // A folder outside the cache holding a model, and a link to it planted inside: models/hf/acme → outside.
    outside = await mkdtemp(path.join(os.tmpdir(), "pensieve-outside-"));
    outsideModel = path.join(outside, "repo", "x.gguf");
    await mkdir(path.dirname(outsideModel), { recursive: true });
    await copyFile(tinyPath, outsideModel);
    await writeFile(`${outsideModel}.partial`, "keep me");
    await mkdir(path.join(home, "models", "hf"), { recursive: true });
    await symlink(outside, path.join(home, "models", "hf", "acme"));
  });
  afterEach(async () => {
    await rm(outside, { recursive: true, force: true });
  });

  it.each(["hf/acme/repo/x.gguf", "hf:acme/repo/x.gguf"])("rm %s refuses to delete through a linked folder, and the files outside stay", async (name) => {
    const error = await removeCachedModel(home, name).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsafeCachePathError);
    expect((error as Error).message).toBe(
      `${path.join(home, "models", "hf", "acme")} is a symbolic link: the model cache does not follow links. Remove the link, or make the whole cache folder a link instead`,
    );
    expect((await readFile(outsideModel)).equals(await readFile(tinyPath))).toBe(true);
    expect(await readFile(`${outsideModel}.partial`, "utf8")).toBe("keep me");
  });

  it("finding a model refuses the linked folder instead of handing out a file outside the cache", async () => {
    await expect(findCachedModel(home, parseModelSpec("hf:acme/repo/x.gguf"))).rejects.toBeInstanceOf(UnsafeCachePathError);
    await expect(findCachedModel(home, parseModelSpec("hf:acme/repo:Q8_0"))).rejects.toThrow(/hf\/acme is a symbolic link/);
    await expect(resolveModelPath("hf:acme/repo/x.gguf", { home })).rejects.toThrow(/is a symbolic link/);
  });

  it("listing shows each link as unusable without reading through it", async () => {
    await symlink(outsideModel, path.join(home, "models", "linked.gguf"));
    await cache("hf/other/repo/y.gguf");
    const models = await listCachedModels(home);
    expect(models.map((model) => [model.name, model.summary === undefined, model.problem?.replace(home, "<home>")])).toEqual([
      ["hf/acme", true, "<home>/models/hf/acme is a symbolic link: the model cache does not follow links"],
      ["hf/other/repo/y.gguf", false, undefined],
      ["linked.gguf", true, "<home>/models/linked.gguf is a symbolic link: the model cache does not follow links"],
    ]);
  });

  it("accepts a cache folder that is itself a link (the cache on another disk)", async () => {
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), "pensieve-elsewhere-"));
    try {
      const linkedHome = path.join(home, "linked-home");
      await mkdir(path.join(elsewhere, "hf", "a", "b"), { recursive: true });
      await copyFile(tinyPath, path.join(elsewhere, "hf", "a", "b", "c.gguf"));
      await mkdir(linkedHome);
      await symlink(elsewhere, path.join(linkedHome, "models"));
      expect(await resolveModelPath("hf:a/b/c.gguf", { home: linkedHome })).toBe(path.join(elsewhere, "hf", "a", "b", "c.gguf"));
      expect((await listCachedModels(linkedHome)).map((model) => model.name)).toEqual(["hf/a/b/c.gguf"]);
      expect(await removeCachedModel(linkedHome, "hf/a/b/c.gguf")).toMatchObject({ name: "hf/a/b/c.gguf" });
      expect(existsSync(path.join(elsewhere, "hf"))).toBe(false);
      expect(existsSync(elsewhere)).toBe(true);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});

describe("resolveModelPath and findCachedModel", () => {
  it("find a cached preset, hub file, quantisation and URL without the network", async () => {
    const preset = await cache("hf/Qwen/Qwen3-4B-GGUF/Qwen3-4B-Q4_K_M.gguf");
    const quantized = await cache("hf/acme/tiny-GGUF/tiny-Q8_0.gguf");
    const fromUrl = await cache("url/example.com/a.gguf");
    expect(await resolveModelPath("qwen3-4b", { home })).toBe(preset);
    expect(await resolveModelPath("hf:Qwen/Qwen3-4B-GGUF/Qwen3-4B-Q4_K_M.gguf", { home })).toBe(preset);
    expect(await resolveModelPath("hf:acme/tiny-GGUF:q8_0", { home })).toBe(quantized);
    expect(await resolveModelPath("https://example.com/a.gguf", { home })).toBe(fromUrl);
    expect(await findCachedModel(home, parseModelSpec("hf:acme/tiny-GGUF:Q4_0"))).toBeUndefined();
  });

  it("give a local path as an absolute path, and explain a spec that is not downloaded", async () => {
    expect(await resolveModelPath("some/model.gguf", { home })).toBe(path.resolve("some/model.gguf"));
    const error = await resolveModelPath("llama-3.2-3b", { home }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelNotDownloadedError);
    expect((error as Error).message).toBe("llama-3.2-3b is not downloaded yet: run `pensieve pull llama-3.2-3b`");
  });
});
