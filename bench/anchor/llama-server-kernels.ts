/**
 * The CPU kernels the bench's llama-server runs: node-llama-cpp's prebuilt ones, the very files Pensieve runs, put
 * beside a llama-server built with its CPU backend loaded at run time. llama.cpp's matrix kernels live in that
 * backend (`libggml-cpu`); against a natively built one the anchor measured its kernels as much as the servers (on
 * issue #12's Sapphire Rapids machine it decoded at a third of the prebuilt `sapphirerapids` variant's speed, and on
 * the earlier AMD machine it prefilled 16–47 % slower).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { copyFile, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * `prebuilt`: node-llama-cpp's CPU libraries for this platform, one per CPU generation (`libggml-cpu-haswell.so`,
 * `-zen4`, …; ggml loads the best one for the CPU) or a single `libggml-cpu.so`. `native`: none found, so
 * llama-server is built with its own kernels, compiled for this CPU.
 */
export type LlamaServerKernels =
  | { readonly kind: "prebuilt"; readonly folder: string; readonly libraries: readonly string[] }
  | { readonly kind: "native"; readonly reason: string };

/** Whose kernels a bench run's llama-server ran; `given`: a binary passed with `--llama-server`, built elsewhere. */
export type AnchorKernels = LlamaServerKernels["kind"] | "given";

/** The marker written last into llama-server's folder once the prebuilt libraries are in place. */
export const kernelsMarkerName = "prebuilt-kernels.json";

const isCpuLibrary = (name: string): boolean => /^libggml-cpu(-.+)?\.so$/.test(name);

/** The prebuilt CPU libraries of `platform` (`linux-x64`), beside node-llama-cpp or inside it, as npm put them. */
export function findPrebuiltKernels(modulesFolder: string, platform: string): LlamaServerKernels {
  const candidates = [modulesFolder, path.join(modulesFolder, "node-llama-cpp", "node_modules")].map((modules) =>
    path.join(modules, "@node-llama-cpp", platform, "bins", platform),
  );
  const folder = candidates.find((candidate) => existsSync(candidate));
  if (folder === undefined) return { kind: "native", reason: `no prebuilt llama.cpp package for ${platform} (looked in ${candidates.join(", ")})` };
  const libraries = readdirSync(folder).filter(isCpuLibrary).sort();
  return libraries.length === 0 ? { kind: "native", reason: `${folder} holds no libggml-cpu library` } : { kind: "prebuilt", folder, libraries };
}

interface KernelsMarker {
  readonly from: string;
  /** Library name → SHA-256 of its content, so a reinstalled node-llama-cpp's new files are noticed. */
  readonly libraries: Readonly<Record<string, string>>;
}

/**
 * Puts the prebuilt CPU libraries into llama-server's folder in place of its own, then writes the marker. Any other
 * `libggml-cpu*.so` there goes, the build's own first: ggml falls back to it when no variant loads, and a variant
 * that fails to load does so silently in a release build, so the anchor would quietly run the build's kernels.
 * Each file is copied under a temporary name and renamed into place: copying over a library truncates a file that a
 * running llama-server may have mapped.
 */
export async function installPrebuiltKernels(binFolder: string, kernels: Extract<LlamaServerKernels, { kind: "prebuilt" }>): Promise<void> {
  await rm(path.join(binFolder, kernelsMarkerName), { force: true });
  for (const name of readdirSync(binFolder).filter((name) => isCpuLibrary(name) && !kernels.libraries.includes(name))) await rm(path.join(binFolder, name));
  for (const name of kernels.libraries) {
    const target = path.join(binFolder, name);
    await copyFile(path.join(kernels.folder, name), `${target}.partial`);
    await rename(`${target}.partial`, target);
  }
  const marker: KernelsMarker = { from: kernels.folder, libraries: await hashes(kernels) };
  await writeFile(path.join(binFolder, kernelsMarkerName), `${JSON.stringify(marker, undefined, 2)}\n`);
}

/** Whether llama-server's folder holds exactly these prebuilt libraries, as its marker records them. */
export async function prebuiltKernelsInstalled(binFolder: string, kernels: Extract<LlamaServerKernels, { kind: "prebuilt" }>): Promise<boolean> {
  const markerPath = path.join(binFolder, kernelsMarkerName);
  if (!existsSync(markerPath)) return false;
  const marker = JSON.parse(await readFile(markerPath, "utf8")) as Partial<KernelsMarker>;
  const installed = marker.libraries ?? {};
  const current = await hashes(kernels);
  return Object.keys(installed).length === Object.keys(current).length && Object.entries(current).every(([name, hash]) => installed[name] === hash);
}

async function hashes(kernels: Extract<LlamaServerKernels, { kind: "prebuilt" }>): Promise<Record<string, string>> {
  const entries = await Promise.all(
    kernels.libraries.map(async (name) => [name, createHash("sha256").update(await readFile(path.join(kernels.folder, name))).digest("hex")] as const),
  );
  return Object.fromEntries(entries);
}
