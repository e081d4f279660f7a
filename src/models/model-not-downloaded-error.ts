/** A preset, hub or URL spec whose file is not in the model cache yet. */
export class ModelNotDownloadedError extends Error {
  constructor(
    /** The spec as the user wrote it. */
    readonly spec: string,
  ) {
    super(`${spec} is not downloaded yet: run \`pensieve pull ${spec}\``);
    this.name = "ModelNotDownloadedError";
  }
}
