/**
 * llama-server from the llama.cpp source that node-llama-cpp ships (its `gitRelease.bundle`), so the anchor runs
 * the very llama.cpp commit Pensieve runs. Built at bench time (git clone + cmake) and cached OUTSIDE the
 * repository, keyed by that commit and the build's flags; nothing of llama.cpp is ever copied into the repository.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cpuHasAmx } from "../../src/util/cpu-has-amx.js";
import { findPrebuiltKernels, installPrebuiltKernels, prebuiltKernelsInstalled, type LlamaServerKernels } from "./llama-server-kernels.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const bundlePath = path.join(repoRoot, "node_modules", "node-llama-cpp", "llama", "gitRelease.bundle");
/** The template both servers render every scenario with: Qwen2.5's own, which renders tools. */
const chatTemplateRelativePath = path.join("models", "templates", "Qwen-Qwen2.5-7B-Instruct.jinja");

/**
 * On a CPU with AMX, the compiler's AMX instructions off on top of `-march=native` (GCC and Clang let an explicit
 * `-mno-*` win over it). ggml compiles its AMX matrix multiplication in whenever the compiler targets AMX, and on a
 * Sapphire Rapids VM (issue #12's machine on 4 December) its first `ldtilecfg` faulted: llama-server crashed at its
 * first decode (SIGSEGV with OpenMP, SIGILL without; llama.cpp issue #20824 reports the same, machine-dependent).
 * Without AMX the build uses the CPU's AVX-512 paths. Other CPUs build as before (and an older GCC, which lacks
 * these flags, is not given them).
 */
const withoutAmx = "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16";

/** The CMake settings of the build: CPU only, no downloads (curl, prebuilt web UI). */
export function llamaServerCmakeFlags(kernels: LlamaServerKernels["kind"], cpuInfoPath = "/proc/cpuinfo", arch: string = process.arch): readonly string[] {
  const common = ["-DCMAKE_BUILD_TYPE=Release", "-DLLAMA_CURL=OFF", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_USE_PREBUILT_UI=OFF", "-DLLAMA_OPENSSL=OFF"];
  if (kernels === "prebuilt") {
    // Like llama.cpp's Linux releases: shared libraries found beside the binary wherever the folder is, and the CPU
    // backend loaded at run time from there. Its threads are the prebuilt library's own (OpenMP only matters to the
    // build's own CPU library, which is replaced).
    return [
      ...common,
      "-DBUILD_SHARED_LIBS=ON",
      "-DGGML_BACKEND_DL=ON",
      "-DGGML_NATIVE=OFF",
      "-DGGML_OPENMP=OFF",
      "-DCMAKE_INSTALL_RPATH=$ORIGIN",
      "-DCMAKE_BUILD_WITH_INSTALL_RPATH=ON",
    ];
  }
  return [
    ...common,
    "-DBUILD_SHARED_LIBS=OFF",
    ...(cpuHasAmx(cpuInfoPath, arch) ? [`-DCMAKE_C_FLAGS=${withoutAmx}`, `-DCMAKE_CXX_FLAGS=${withoutAmx}`] : []),
  ];
}

/** Arguments as a shell would need them, to print a command that can be pasted. */
export function shellWords(args: readonly string[]): string {
  return args.map((arg) => (/[\s'"$]/.test(arg) ? `'${arg.replaceAll("'", `'\\''`)}'` : arg)).join(" ");
}

export interface LlamaServerBuild {
  /** The llama-server binary (shared libraries, if it has any, beside it). */
  readonly binaryPath: string;
  /** The llama.cpp commit of node-llama-cpp's bundle. */
  readonly commit: string;
  /** node-llama-cpp's name for that llama.cpp release, such as `b1234`. */
  readonly release: string;
  /** `llama-server --version`'s first line. */
  readonly version: string;
  /** Whether the version names the bundle's commit (false for a `--llama-server` built from another one). */
  readonly versionMatchesBundle: boolean;
  /** How it was built here: the CPU kernels and the CMake flags. Undefined for a `--llama-server` given. */
  readonly builtHere: { readonly kernels: LlamaServerKernels; readonly cmakeFlags: readonly string[] } | undefined;
  /** The Qwen2.5 chat template from the same source tree. */
  readonly chatTemplatePath: string;
  readonly chatTemplate: string;
}

export interface LlamaServerBuildOptions {
  /** An existing llama-server to use instead of the cached build. Defaults to the build cached for the bundle's commit and flags. */
  readonly binary?: string;
  /**
   * A clone of llama.cpp at the bundle's commit, to read the chat template from. Defaults to the source tree
   * around `binary` when it sits in one (`<source>/build/bin/llama-server`), else a clone in the cache folder.
   */
  readonly sourceFolder?: string;
  /** Where builds are kept, one folder per commit and flags. Defaults to `defaultLlamaServerCacheFolder()`. */
  readonly cacheFolder?: string;
  /** CPU cores for the compiler. Defaults to all. */
  readonly buildJobs?: number;
  readonly log: (line: string) => void;
}

/** `$PENSIEVE_BENCH_CACHE/llama-server`, or `${XDG_CACHE_HOME:-~/.cache}/pensieve/llama-server`. */
export function defaultLlamaServerCacheFolder(environment: NodeJS.ProcessEnv): string {
  const base = environment["PENSIEVE_BENCH_CACHE"] ?? path.join(environment["XDG_CACHE_HOME"] ?? path.join(os.homedir(), ".cache"), "pensieve");
  return path.join(base, "llama-server");
}

/** The cached llama-server for node-llama-cpp's llama.cpp commit and this machine's flags, built first when there is none. */
export async function ensureLlamaServer(options: LlamaServerBuildOptions): Promise<LlamaServerBuild> {
  const commit = await bundleCommit();
  const release = await bundleRelease();
  const kernels = findPrebuiltKernels(path.join(repoRoot, "node_modules"), `${process.platform}-${process.arch}`);
  if (options.binary === undefined && kernels.kind === "native") options.log(`llama-server is built with its own CPU kernels, not Pensieve's: ${kernels.reason}`);
  const cmakeFlags = llamaServerCmakeFlags(kernels.kind);
  // Keyed by the flags too, so a binary built with other flags (an older crashing one) is never reused.
  const buildKey = createHash("sha256").update(cmakeFlags.join("\n")).digest("hex").slice(0, 8);
  const commitFolder = path.join(options.cacheFolder ?? defaultLlamaServerCacheFolder(process.env), `${commit}-${buildKey}`);
  const cachedBinary = cachedBinaryPath(commitFolder, kernels);
  let binaryPath: string;
  let sourceFolder = options.sourceFolder ?? (options.binary !== undefined ? sourceTreeAround(options.binary) : undefined);
  if (options.binary !== undefined) {
    if (!existsSync(options.binary)) throw new Error(`--llama-server ${options.binary}: no such file`);
    binaryPath = path.resolve(options.binary);
  } else if (existsSync(cachedBinary)) {
    binaryPath = cachedBinary;
    // A build whose install of the libraries did not finish, or whose libraries node-llama-cpp has since replaced.
    if (kernels.kind === "prebuilt" && !(await prebuiltKernelsInstalled(path.dirname(binaryPath), kernels))) {
      options.log(`node-llama-cpp's prebuilt CPU libraries are not in place: copying them beside ${binaryPath}`);
      await installPrebuiltKernels(path.dirname(binaryPath), kernels);
    }
  } else {
    sourceFolder ??= await cloneBundle(commitFolder, commit, options.log);
    binaryPath = await build(sourceFolder, commitFolder, cmakeFlags, kernels, options.buildJobs ?? os.availableParallelism(), options.log);
  }
  sourceFolder ??= await cloneBundle(commitFolder, commit, options.log);
  const sourceCommit = await git(["-C", sourceFolder, "rev-parse", "HEAD"]);
  if (sourceCommit !== commit) options.log(`warning: ${sourceFolder} is at ${sourceCommit}, node-llama-cpp's bundle at ${commit}`);
  const chatTemplatePath = path.join(sourceFolder, chatTemplateRelativePath);
  const chatTemplate = await readFile(chatTemplatePath, "utf8");
  const version = await binaryVersion(binaryPath);
  // "version: 0.5.0-dev (build 1, commit de3ff81)"; older builds print "version: 1234 (de3ff81)".
  const versionMatch = /commit ([0-9a-f]{7,40})|\(([0-9a-f]{7,40})\)/.exec(version);
  const shortCommit = versionMatch?.[1] ?? versionMatch?.[2];
  const versionMatchesBundle = shortCommit !== undefined && commit.startsWith(shortCommit);
  if (!versionMatchesBundle) options.log(`warning: ${binaryPath} reports "${version}", not the bundle's commit ${commit.slice(0, 8)}`);
  const builtHere = options.binary === undefined ? { kernels, cmakeFlags } : undefined;
  return { binaryPath, commit, release, version, versionMatchesBundle, builtHere, chatTemplatePath, chatTemplate };
}

/**
 * Where a finished build is. A static (`native`) binary is copied out of its build folder once built, so its copy
 * existing means the build finished. A `prebuilt`-kernels one stays in `build/bin`, among its shared libraries and
 * the CPU libraries ggml looks for beside the executable; whether those are in place is `prebuiltKernelsInstalled`'s
 * to say.
 */
function cachedBinaryPath(commitFolder: string, kernels: LlamaServerKernels): string {
  return kernels.kind === "native" ? path.join(commitFolder, "llama-server") : path.join(commitFolder, "build", "bin", "llama-server");
}

/** The commit node-llama-cpp's bundle holds (its only head). */
async function bundleCommit(): Promise<string> {
  if (!existsSync(bundlePath)) throw new Error(`${bundlePath} is missing: node-llama-cpp ships llama.cpp's source there`);
  const heads = await git(["bundle", "list-heads", bundlePath]);
  const commit = /^([0-9a-f]{40})\b/m.exec(heads)?.[1];
  if (commit === undefined) throw new Error(`no commit in ${bundlePath}: ${heads}`);
  return commit;
}

async function bundleRelease(): Promise<string> {
  const infoPath = path.join(path.dirname(bundlePath), "llama.cpp.info.json");
  const info = JSON.parse(await readFile(infoPath, "utf8")) as { tag?: string };
  return info.tag ?? "unknown";
}

/** `<source>/build/bin/llama-server` → `<source>`, when `<source>` holds the template. */
function sourceTreeAround(binary: string): string | undefined {
  const candidate = path.resolve(path.dirname(binary), "..", "..");
  return existsSync(path.join(candidate, chatTemplateRelativePath)) && existsSync(path.join(candidate, ".git")) ? candidate : undefined;
}

async function cloneBundle(commitFolder: string, commit: string, log: (line: string) => void): Promise<string> {
  const sourceFolder = path.join(commitFolder, "src");
  if (existsSync(path.join(sourceFolder, ".git"))) return sourceFolder;
  const partial = `${sourceFolder}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(commitFolder, { recursive: true });
  log(`cloning llama.cpp ${commit.slice(0, 8)} from node-llama-cpp's bundle into ${sourceFolder}`);
  await git(["clone", "--quiet", bundlePath, partial]);
  await git(["-C", partial, "checkout", "--quiet", commit]);
  await rename(partial, sourceFolder);
  return sourceFolder;
}

/** cmake configure + build of the one target; the log goes to `<commitFolder>/build.log`. */
async function build(
  sourceFolder: string,
  commitFolder: string,
  cmakeFlags: readonly string[],
  kernels: LlamaServerKernels,
  jobs: number,
  log: (line: string) => void,
): Promise<string> {
  // Its own build folder, never one inside a given source tree that another build may be using.
  const buildFolder = path.join(commitFolder, "build");
  const logPath = path.join(commitFolder, "build.log");
  const generator = (await commandExists("ninja")) ? ["-G", "Ninja"] : [];
  log(`building llama-server (${jobs} jobs; 10+ minutes on 2 cores), log: ${logPath}`);
  const logFile = createWriteStream(logPath);
  try {
    await runLogged("cmake", ["-S", sourceFolder, "-B", buildFolder, ...generator, ...cmakeFlags], logFile, log);
    await runLogged("cmake", ["--build", buildFolder, "--config", "Release", "--target", "llama-server", "--parallel", String(jobs)], logFile, log);
  } finally {
    logFile.end();
  }
  const binFolder = path.join(buildFolder, "bin");
  const built = path.join(binFolder, "llama-server");
  if (!existsSync(built)) throw new Error(`the build finished without ${built}: see ${logPath}`);
  if (kernels.kind === "prebuilt") {
    await installPrebuiltKernels(binFolder, kernels);
    log(`llama-server built at ${built}, beside node-llama-cpp's prebuilt CPU libraries (${kernels.libraries.length})`);
    return built;
  }
  const cached = cachedBinaryPath(commitFolder, kernels);
  await copyFile(built, `${cached}.partial`);
  await rename(`${cached}.partial`, cached);
  log(`llama-server cached at ${cached}`);
  return cached;
}

/** Runs a command, teeing its output to the log file and a progress line to `log` every 30 s at most. */
async function runLogged(command: string, args: readonly string[], logFile: NodeJS.WritableStream, log: (line: string) => void): Promise<void> {
  logFile.write(`$ ${command} ${shellWords(args)}\n`);
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let lastProgressAt = 0;
  const onOutput = (chunk: Buffer): void => {
    logFile.write(chunk);
    const progress = /\[\d+\/\d+\][^\n]*/.exec(chunk.toString("utf8"))?.[0];
    if (progress !== undefined && performance.now() - lastProgressAt > 30_000) {
      lastProgressAt = performance.now();
      log(`  ${progress.slice(0, 120)}`);
    }
  };
  child.stdout.on("data", onOutput);
  child.stderr.on("data", onOutput);
  const [code] = (await once(child, "close")) as [number | null];
  if (code !== 0) throw new Error(`${command} ${args.slice(0, 2).join(" ")} … exited with ${code}: see the build log`);
}

async function binaryVersion(binaryPath: string): Promise<string> {
  const output = await capture(binaryPath, ["--version"], { ...process.env, LD_LIBRARY_PATH: libraryPath(binaryPath) }).catch((error: unknown) => {
    throw new Error(`${binaryPath} --version failed: ${error instanceof Error ? error.message : String(error)}`);
  });
  return output.split("\n").find((line) => line.startsWith("version:")) ?? output.split("\n")[0] ?? "";
}

/** The binary's folder first, so a build with shared libraries finds them beside it. */
export function libraryPath(binaryPath: string): string {
  const existing = process.env["LD_LIBRARY_PATH"];
  return existing === undefined || existing === "" ? path.dirname(binaryPath) : `${path.dirname(binaryPath)}:${existing}`;
}

async function commandExists(command: string): Promise<boolean> {
  return capture(command, ["--version"]).then(
    () => true,
    () => false,
  );
}

async function git(args: readonly string[]): Promise<string> {
  return (await capture("git", args)).trim();
}

/** stdout and stderr of a command that must exit 0. */
async function capture(command: string, args: readonly string[], environment: NodeJS.ProcessEnv = process.env): Promise<string> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: environment });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const [code] = (await Promise.race([once(child, "close"), once(child, "error").then(([error]) => Promise.reject(error as Error))])) as [number | null];
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}: ${output.slice(-2000)}`);
  return output;
}
