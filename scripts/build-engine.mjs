// `npm run build:engine`: llama.cpp's Node.js addon built on this machine, with patches/node-llama-cpp+*.patch's
// per-context thread pool (the prebuilt addon keeps none, so on a CPU each token starts and joins its threads).
//
// node-llama-cpp builds the whole of llama.cpp from the source it bundles (offline, from its git bundle; about 6
// minutes on 2 cores), with the patch's change to llama.cpp itself (a KV cache that takes memory as it fills). Only
// the addon and libllama are kept: beside them go the prebuilt ggml libraries, which choose a CPU variant at run
// time. On this project's 2-core machine (issue #12) the same source compiled here with -march=native took 16–47 %
// longer to prefill a 7.6k-token prompt, and decoded no faster. Where no prebuilt
// libraries exist for the platform, the whole build is kept. Pensieve (through node-llama-cpp) loads a build from
// this folder in preference to the prebuilt one; its start log says which it runs. `npm ci` starts over with the
// prebuilt binaries.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const packageFolder = path.resolve(fileURLToPath(import.meta.resolve("node-llama-cpp")), "..", "..");
const cli = path.join(packageFolder, "dist", "cli", "cli.js");

const built = spawnSync(process.execPath, [cli, "source", "download", "--gpu", "false", "--noUsageExample"], { stdio: "inherit" });
if (built.status !== 0) {
  console.error("build:engine: node-llama-cpp's build from source failed (it needs cmake and a C++ compiler); Pensieve keeps using the prebuilt binaries");
  process.exit(built.status ?? 1);
}

const { folderName } = JSON.parse(readFileSync(path.join(packageFolder, "llama", "lastBuild.json"), "utf8"));
const buildBinaries = path.join(packageFolder, "llama", "localBuilds", folderName, "Release");
const platform = `${process.platform}-${process.arch}`;
// The prebuilt package of this platform, where npm put it: beside node-llama-cpp, or inside it.
const prebuiltBinaries = [path.join(packageFolder, ".."), path.join(packageFolder, "node_modules")]
  .map((modules) => path.join(modules, "@node-llama-cpp", platform, "bins", platform))
  .find((folder) => existsSync(folder));
if (prebuiltBinaries === undefined || !existsSync(path.join(prebuiltBinaries, "llama-addon.node"))) {
  console.log(`build:engine: no prebuilt llama.cpp libraries for ${platform}; the whole build from source is used`);
  process.exit(0);
}

const isLibrary = (name) => /\.(so|dylib|dll)(\.|$)/.test(name);
// libllama is kept from this build too: it carries the patched KV cache (memory taken as the cache fills), and holds
// none of the compute kernels the prebuilt CPU variants are chosen for.
const isKeptFromBuild = (name) => /^(lib)?llama\.[^-]*\.(so|dylib|dll)$/.test(name);
const keptFromBuild = new Map();
// The addon looks for its libraries beside it, then in ../bin, where the build leaves its own copies.
for (const folder of [buildBinaries, path.join(buildBinaries, "..", "bin")].filter((folder) => existsSync(folder))) {
  for (const name of readdirSync(folder).filter(isLibrary)) {
    if (isKeptFromBuild(name) && !keptFromBuild.has(name)) keptFromBuild.set(name, readFileSync(path.join(folder, name)));
    rmSync(path.join(folder, name));
  }
}
const copied = readdirSync(prebuiltBinaries).filter((name) => isLibrary(name) && !keptFromBuild.has(name));
for (const name of copied) copyFileSync(path.join(prebuiltBinaries, name), path.join(buildBinaries, name));
for (const [name, content] of keptFromBuild) writeFileSync(path.join(buildBinaries, name), content);
const builtHere = ["llama-addon.node", ...keptFromBuild.keys()].join(", ");
console.log(`build:engine: ${path.relative(process.cwd(), buildBinaries)}: ${builtHere} built here, beside ${copied.length} prebuilt llama.cpp libraries`);
