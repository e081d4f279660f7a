/** Anything that stops `pensieve pull`: the subclasses say what, in a message meant for the user. */
export class ModelDownloadError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ModelDownloadError";
  }
}

/** A URL or redirect that the download policy refuses: a scheme, a plain-http host or an address. */
export class UnsafeUrlError extends ModelDownloadError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`refusing to fetch ${url}: ${reason}`);
    this.name = "UnsafeUrlError";
  }
}

/** No connection could be made, or it failed before a response arrived. */
export class DownloadConnectionError extends ModelDownloadError {
  constructor(
    readonly url: string,
    options?: ErrorOptions,
  ) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`cannot reach ${url}${cause}`, options);
    this.name = "DownloadConnectionError";
  }
}

/** The server answered with an error status. */
export class DownloadHttpError extends ModelDownloadError {
  constructor(
    readonly status: number,
    readonly url: string,
    message: string,
  ) {
    super(message);
    this.name = "DownloadHttpError";
  }
}

/** The connection failed or dropped mid-body. The partial file is kept: pulling again resumes it. */
export class DownloadInterruptedError extends ModelDownloadError {
  constructor(
    readonly url: string,
    /** Bytes of the file on disk so far. */
    readonly bytesOnDisk: number,
    options?: ErrorOptions,
  ) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`download of ${url} was interrupted after ${bytesOnDisk} bytes${cause}; pull again to resume`, options);
    this.name = "DownloadInterruptedError";
  }
}

/** The bytes are not the file that was promised: wrong size or wrong sha256. The partial file is deleted. */
export class ModelIntegrityError extends ModelDownloadError {
  constructor(
    readonly url: string,
    readonly check: "size" | "sha256",
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      check === "size"
        ? `download of ${url} is the wrong size: expected ${expected} bytes, got ${actual} (truncated or changed); the partial file was deleted`
        : `download of ${url} failed verification: sha256 ${actual}, expected ${expected}; the partial file was deleted`,
    );
    this.name = "ModelIntegrityError";
  }
}

/** The error for an HTTP error status, worded for what it usually means on the Hugging Face Hub. */
export function httpErrorFor(status: number, url: string, hasToken: boolean, serverMessage?: string): DownloadHttpError {
  const detail = serverMessage === undefined || serverMessage === "" ? "" : ` (${serverMessage})`;
  switch (status) {
    case 401:
      return new DownloadHttpError(
        status,
        url,
        hasToken
          ? `401 Unauthorized from ${url}: the Hugging Face token was refused, or the repository does not exist${detail}`
          : `401 Unauthorized from ${url}: this repository needs a Hugging Face token: set HF_TOKEN (or it does not exist)${detail}`,
      );
    case 403:
      return new DownloadHttpError(
        status,
        url,
        `403 Forbidden from ${url}: a gated repository needs you to accept its terms on huggingface.co with the account of your token${detail}`,
      );
    case 404:
      return new DownloadHttpError(status, url, `404 Not Found: ${url} does not exist${detail}`);
    default:
      return new DownloadHttpError(status, url, `HTTP ${status} from ${url}${detail}`);
  }
}
