import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { DownloadConnectionError, ModelDownloadError, UnsafeUrlError } from "./download-errors.js";
import { checkFetchTarget, type CheckedTarget, type NetworkPolicy } from "./network-policy.js";

export interface SafeRequestOptions {
  /** Defaults to `GET`. */
  readonly method?: "GET" | "HEAD";
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as `Authorization: Bearer …` to the first URL's origin only, never to another origin a redirect names. */
  readonly token?: string;
  /** Defaults to the real DNS and address classes. */
  readonly policy?: NetworkPolicy;
  readonly signal?: AbortSignal;
  /** Defaults to `5`. */
  readonly maxRedirects?: number;
  /** Return `false` to receive a redirect response instead of following it. Defaults to following every one. */
  readonly followRedirect?: (response: IncomingMessage, location: URL) => boolean;
  /** How long the connection may sit idle, before or during the body. Defaults to `60_000` ms. */
  readonly idleTimeoutMs?: number;
}

export interface SafeResponse {
  /** The URL that answered, after redirects. */
  readonly url: URL;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body: read it, or `resume()` it to discard. */
  readonly body: IncomingMessage;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * An HTTP(S) request under the download policy (see `checkFetchTarget`), following redirects by hand so that
 * every hop is checked before it is connected to, and at most `maxRedirects` of them.
 */
export async function safeRequest(url: URL, options: SafeRequestOptions = {}): Promise<SafeResponse> {
  const maxRedirects = options.maxRedirects ?? 5;
  const firstOrigin = url.origin;
  let current = url;
  let afterPublic = false;
  for (let redirects = 0; ; redirects++) {
    const target = await checkFetchTarget(current, options.policy ?? {}, afterPublic);
    afterPublic ||= target.addressClass === "public";
    const headers: Record<string, string> = { "user-agent": "pensieve", ...options.headers };
    if (options.token !== undefined && current.origin === firstOrigin) headers["authorization"] = `Bearer ${options.token}`;
    const body = await send(target, options.method ?? "GET", headers, options);
    const status = body.statusCode ?? 0;
    const location = body.headers.location;
    if (!redirectStatuses.has(status) || location === undefined) return { url: current, status, headers: body.headers, body };

    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      body.resume();
      throw new ModelDownloadError(`${current.href} redirected to an invalid location: ${JSON.stringify(location)}`);
    }
    if (options.followRedirect?.(body, next) === false) return { url: current, status, headers: body.headers, body };
    body.resume();
    if (redirects >= maxRedirects) throw new UnsafeUrlError(url.href, `more than ${maxRedirects} redirects`);
    current = next;
  }
}

function send(target: CheckedTarget, method: string, headers: Record<string, string>, options: SafeRequestOptions): Promise<IncomingMessage> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const request = (target.url.protocol === "https:" ? https : http).request(
      target.url,
      {
        method,
        headers,
        // A fresh connection each time: a pooled socket could lead to a host this request did not check.
        agent: false,
        lookup: pinnedLookup(target),
        timeout: idleTimeoutMs,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
      resolve,
    );
    request.on("error", (error) => {
      reject(error.name === "AbortError" ? error : new DownloadConnectionError(target.url.href, { cause: error }));
    });
    // Also fires while the body streams: the body then fails, and the download keeps what it has.
    request.on("timeout", () => request.destroy(new Error(`no data for ${idleTimeoutMs / 1000} s`)));
    request.end();
  });
}

// Connects only to the addresses the policy checked, whatever DNS would say now. Node asks for all of them
// when it tries IPv6 and IPv4 in turn (autoSelectFamily), so `localhost` works whichever one a server uses.
function pinnedLookup(target: CheckedTarget): LookupFunction {
  return (_hostname, options, callback) => {
    const [first] = target.addresses;
    if (options.all === true) callback(null, target.addresses.map(({ address, family }) => ({ address, family })));
    else callback(null, first.address, first.family);
  };
}
