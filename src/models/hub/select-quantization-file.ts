import { ModelSpecError } from "../model-spec-error.js";

/** The file (or first part of a split set) for a quantisation, such as `Q4_K_M`, among a repository's files. */
export interface SelectedFile {
  readonly file: string;
  /** Parts of a split model (`-00001-of-00003.gguf`); `1` for a single file. */
  readonly partCount: number;
}

const splitSuffix = /-(\d{5})-of-(\d{5})$/i;

/**
 * Picks the GGUF file of `quantization` from a repository's file list: the name (without `.gguf` and a split
 * suffix) must end in the quantisation after a `-`, `_` or `.`, case-insensitively, so `q4` picks
 * `model-q4.gguf` and not `model-q4_k_m.gguf`. Multimodal projectors (`mmproj`) are never picked. Without a
 * quantisation, a repository with exactly one model file gives that file. Throws `ModelSpecError`, listing
 * what there is, when nothing or more than one file matches.
 */
export function selectQuantizationFile(files: readonly string[], quantization: string | undefined, repositoryName: string): SelectedFile {
  const models = files.filter((file) => /\.gguf$/i.test(file) && !/mmproj/i.test(file));
  const firstParts = models.filter((file) => {
    const split = splitSuffix.exec(stem(file));
    return split === null || Number(split[1]) === 1;
  });
  const candidates =
    quantization === undefined ? firstParts : firstParts.filter((file) => endsWithQuantization(stem(file).replace(splitSuffix, ""), quantization));

  const chosen = candidates[0];
  if (chosen !== undefined && candidates.length === 1) {
    const split = splitSuffix.exec(stem(chosen));
    return { file: chosen, partCount: split === null ? 1 : Number(split[2]) };
  }
  const available = firstParts.length === 0 ? "no GGUF files" : `files: ${firstParts.slice(0, 20).join(", ")}${firstParts.length > 20 ? ", …" : ""}`;
  if (candidates.length === 0) {
    throw new ModelSpecError(
      quantization === undefined
        ? `${repositoryName} has ${available}`
        : `${repositoryName} has no GGUF file for quantisation ${quantization}; ${available}`,
    );
  }
  throw new ModelSpecError(
    quantization === undefined
      ? `${repositoryName} has several GGUF files; name one with hf:${repositoryName}:<quantisation> or hf:${repositoryName}/<file>: ${candidates.join(", ")}`
      : `${repositoryName} has several files for ${quantization}; name one with hf:${repositoryName}/<file>: ${candidates.join(", ")}`,
  );
}

function stem(file: string): string {
  return (file.split("/").at(-1) ?? file).replace(/\.gguf$/i, "");
}

function endsWithQuantization(name: string, quantization: string): boolean {
  const lowerName = name.toLowerCase();
  const lowerQuantization = quantization.toLowerCase();
  if (!lowerName.endsWith(lowerQuantization)) return false;
  const before = lowerName.charAt(lowerName.length - lowerQuantization.length - 1);
  return before === "-" || before === "_" || before === ".";
}
