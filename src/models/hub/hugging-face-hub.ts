import { ModelDownloadError, httpErrorFor } from "../download/download-errors.js";
import type { NetworkPolicy } from "../download/network-policy.js";
import { parsePublishedSha256 } from "../download/published-digest.js";
import { safeRequest, type SafeRequestOptions, type SafeResponse } from "../download/safe-http-request.js";

export const defaultHubUrl = "https://huggingface.co";

/** How to reach the Hugging Face Hub (or a mirror that speaks its API). */
export interface HubConnection {
  /** Defaults to `https://huggingface.co`. */
  readonly baseUrl?: string;
  /** Sent as a Bearer token to the hub's own origin only. */
  readonly token?: string;
  readonly policy?: NetworkPolicy;
  readonly signal?: AbortSignal;
}

/** What the hub says about one file before it is downloaded. */
export interface RemoteFileMetadata {
  readonly sizeBytes?: number;
  /** Lower-case hex: the hub's LFS object id, which is the file's sha256. */
  readonly sha256?: string;
}

const maxListingBytes = 16 * 1024 * 1024;

/** The download URL of a file in a model repository: `<hub>/<owner>/<repository>/resolve/<revision>/<file>`. */
export function hubFileUrl(connection: HubConnection, owner: string, repository: string, file: string, revision = "main"): URL {
  const encodedFile = file.split("/").map(encodeURIComponent).join("/");
  return new URL(`${hubBase(connection)}/${owner}/${repository}/resolve/${encodeURIComponent(revision)}/${encodedFile}`);
}

/** The paths of every file in a model repository, from `<hub>/api/models/<owner>/<repository>` (`siblings[].rfilename`). */
export async function listRepositoryFiles(connection: HubConnection, owner: string, repository: string): Promise<string[]> {
  const url = new URL(`${hubBase(connection)}/api/models/${owner}/${repository}`);
  const response = await request(connection, url, "GET");
  if (response.status !== 200) throw errorFor(connection, response);
  const body = await readText(response);
  let siblings: unknown;
  try {
    siblings = (JSON.parse(body) as { siblings?: unknown }).siblings;
  } catch {
    throw new ModelDownloadError(`${url.href} did not answer JSON`);
  }
  if (!Array.isArray(siblings)) throw new ModelDownloadError(`${url.href} lists no files (no "siblings" array)`);
  return siblings.flatMap((sibling: unknown) => {
    const name = (sibling as { rfilename?: unknown } | null)?.rfilename;
    return typeof name === "string" ? [name] : [];
  });
}

/**
 * The size and sha256 of a hub file, from a HEAD of its download URL. For LFS files (every GGUF) the hub
 * answers with a redirect to its CDN that carries `X-Linked-Size` and `X-Linked-Etag` (the sha256); the
 * redirect is read, not followed, except a same-origin one (a renamed repository). An `X-Linked-Etag` that is
 * not a sha256 throws `MalformedDigestError`; without one, a plain ETag counts only when it is a sha256 (for
 * a small non-LFS file it is a git blob hash, which is not a digest of the file) or says `sha256:`.
 */
export async function readRemoteFileMetadata(connection: HubConnection, url: URL): Promise<RemoteFileMetadata> {
  const response = await request(connection, url, "HEAD", (redirect, location) =>
    location.origin === url.origin && redirect.headers["x-linked-etag"] === undefined,
  );
  response.body.resume();
  if (response.status >= 400) throw errorFor(connection, response);
  const linkedSize = parseSize(header(response, "x-linked-size"));
  const size = linkedSize ?? (response.status === 200 ? parseSize(header(response, "content-length")) : undefined);
  const sha256 = publishedSha256(response, url);
  return { ...(size === undefined ? {} : { sizeBytes: size }), ...(sha256 === undefined ? {} : { sha256 }) };
}

function hubBase(connection: HubConnection): string {
  return (connection.baseUrl ?? defaultHubUrl).replace(/\/+$/, "");
}

function request(
  connection: HubConnection,
  url: URL,
  method: "GET" | "HEAD",
  followRedirect?: SafeRequestOptions["followRedirect"],
): Promise<SafeResponse> {
  return safeRequest(url, {
    method,
    headers: { accept: "application/json" },
    ...(connection.token === undefined ? {} : { token: connection.token }),
    ...(connection.policy === undefined ? {} : { policy: connection.policy }),
    ...(connection.signal === undefined ? {} : { signal: connection.signal }),
    ...(followRedirect === undefined ? {} : { followRedirect }),
  });
}

function errorFor(connection: HubConnection, response: SafeResponse): Error {
  response.body.resume();
  return httpErrorFor(response.status, response.url.href, connection.token !== undefined, header(response, "x-error-message"));
}

async function readText(response: SafeResponse): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response.body) {
    length += (chunk as Buffer).length;
    if (length > maxListingBytes) {
      response.body.destroy();
      throw new ModelDownloadError(`${response.url.href} answered more than ${maxListingBytes} bytes for a file list`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function header(response: SafeResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseSize(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

function publishedSha256(response: SafeResponse, url: URL): string | undefined {
  const linked = header(response, "x-linked-etag");
  if (linked !== undefined) return parsePublishedSha256(linked, url.href, "X-Linked-Etag");
  const etag = header(response, "etag");
  if (etag === undefined) return undefined;
  const claimsSha256 = /^(W\/)?"?sha256:/i.test(etag.trim()) || /^(W\/)?"?[0-9a-f]{64}"?$/i.test(etag.trim());
  return claimsSha256 ? parsePublishedSha256(etag, url.href, "ETag") : undefined;
}
