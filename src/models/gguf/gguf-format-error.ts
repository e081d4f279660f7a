/** A GGUF file is malformed, truncated, or uses something this reader does not support. */
export class GgufFormatError extends Error {
  constructor(
    message: string,
    readonly filePath: string,
  ) {
    super(`${filePath}: ${message}`);
    this.name = "GgufFormatError";
  }
}
