/**
 * A model file that must not reach the native loader: not a GGUF, damaged, truncated, or making claims
 * (counts, lengths, offsets, types) that could make llama.cpp read out of bounds or allocate without limit.
 */
export class UnsafeModelFileError extends Error {
  constructor(
    readonly filePath: string,
    /** What is wrong, without the path. */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`refusing to load ${filePath}: ${reason}`, options);
    this.name = "UnsafeModelFileError";
  }
}
