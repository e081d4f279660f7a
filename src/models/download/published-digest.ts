import { ModelDownloadError } from "./download-errors.js";

/** A digest was published for a file, but it is not a sha256: the file cannot be verified, so it is not downloaded. */
export class MalformedDigestError extends ModelDownloadError {
  constructor(
    readonly url: string,
    /** Where the digest came from, for the message: a header name, or "preset". */
    readonly source: string,
    readonly digest: string,
  ) {
    super(
      `refusing to download ${url}: its published sha256 (${source}) is ${JSON.stringify(digest.slice(0, 100))}, ` +
        `not 64 hex digits (optionally after "sha256:"), so the file could not be verified`,
    );
    this.name = "MalformedDigestError";
  }
}

/**
 * The lower-case hex of a published sha256: 64 hex digits, optionally after `sha256:`, as an ETag may quote
 * it (`"…"`, weak `W/"…"`). Anything else throws `MalformedDigestError`: a digest that was published but
 * cannot be read must not turn into a download verified by its size alone.
 */
export function parsePublishedSha256(text: string, url: string, source: string): string {
  const value = text.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1").replace(/^sha256:/i, "");
  if (!/^[0-9a-f]{64}$/i.test(value)) throw new MalformedDigestError(url, source, text);
  return value.toLowerCase();
}
