/**
 * A path in the model cache that Pensieve will not read, write or delete through: a symbolic link (or a file
 * where a folder belongs) between the cache folder and the model. The cache folder itself may be a link.
 */
export class UnsafeCachePathError extends Error {
  constructor(
    /** The offending path, as found inside the cache. */
    readonly path: string,
    reason: string,
  ) {
    super(`${path} ${reason}`);
    this.name = "UnsafeCachePathError";
  }
}
