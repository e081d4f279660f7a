/**
 * Who may talk to the server, and how long a client may take to send a request. Every field is optional: the
 * defaults are safe for a server on a laptop (loopback names only, no browser origins, short timeouts).
 */
export interface SecurityOptions {
  /** The key clients must send in `x-api-key` or `Authorization: Bearer`. Defaults to none: any key, or none, is accepted. */
  readonly apiKey?: string;
  /** The address the server listens on, also accepted in the `Host` header unless it is a wildcard. Defaults to `127.0.0.1`. */
  readonly bindHost?: string;
  /** More names accepted in the `Host` header, besides localhost, 127.0.0.1, [::1] and `bindHost`. Defaults to none. */
  readonly allowedHosts?: readonly string[];
  /** Browser origins (`https://app.example`) allowed to call the API (CORS). Defaults to none. */
  readonly corsOrigins?: readonly string[];
  /** How long a client may take to send the request line and headers. Defaults to 10 000 ms. */
  readonly headersTimeoutMs?: number;
  /** How long a client may take to send the whole request, body included; replies are not limited. Defaults to 60 000 ms. */
  readonly requestTimeoutMs?: number;
  /**
   * How many requests one keep-alive connection may carry: the last reply says `Connection: close` and the
   * connection closes after it, so the client opens a new one. `0` for no limit. Defaults to 1000.
   */
  readonly maxRequestsPerSocket?: number;
}

export const defaultHeadersTimeoutMs = 10_000;
export const defaultRequestTimeoutMs = 60_000;
/** nginx's `keepalive_requests` default: a reconnect per 1000 requests costs a client nothing it would notice. */
export const defaultMaxRequestsPerSocket = 1000;
