import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { classifyAddress, type AddressClass } from "./address-class.js";
import { DownloadConnectionError, UnsafeUrlError } from "./download-errors.js";

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to its addresses. */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** Which hosts a download may reach. Both fields exist so tests can stage "public" servers on loopback. */
export interface NetworkPolicy {
  /** Defaults to `dns.lookup` with `all: true`. */
  readonly resolve?: HostResolver;
  /**
   * Classifies an address for the redirect rule (a public origin may not redirect to a non-public address).
   * Plain-http permission always uses the real classification. Defaults to `classifyAddress`.
   */
  readonly classify?: (address: string) => AddressClass;
}

/** A URL checked against the policy, with the addresses to connect to: connecting anywhere else is unchecked. */
export interface CheckedTarget {
  readonly url: URL;
  /** Every address the host resolved to, all checked, in resolver order. */
  readonly addresses: readonly [ResolvedAddress, ...ResolvedAddress[]];
  /** `public` when any of them is public: every later redirect must then stay public. */
  readonly addressClass: AddressClass;
}

const resolveWithDns: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

/**
 * Checks one request target: only `https:`, or `http:` to this machine (loopback); no credentials in the
 * URL; and, once the chain has touched a public address (`afterPublic`), no private, loopback or link-local
 * address after it, so a public server cannot steer a download into the local network. The host is
 * resolved here, and the caller connects to the returned address, so DNS cannot answer differently later.
 */
export async function checkFetchTarget(url: URL, policy: NetworkPolicy, afterPublic: boolean): Promise<CheckedTarget> {
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UnsafeUrlError(url.href, `${url.protocol}// URLs are not fetched; only https:// (and http:// to this machine)`);
  }
  if (url.username !== "" || url.password !== "") throw new UnsafeUrlError(redact(url), "URLs with credentials are not accepted");
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const plainHttpRefused = (): UnsafeUrlError =>
    new UnsafeUrlError(url.href, "plain http:// is only allowed to this machine (127.0.0.0/8, ::1, localhost); use https://");
  // Decided on the name first, so no other name is even looked up; then on what localhost resolves to.
  if (url.protocol === "http:" && !isLoopbackName(hostname)) throw plainHttpRefused();
  const addresses = await resolveHost(hostname, url, policy.resolve ?? resolveWithDns);
  if (url.protocol === "http:" && !addresses.every(({ address }) => classifyAddress(address) === "loopback")) throw plainHttpRefused();
  const classify = policy.classify ?? classifyAddress;
  const classes = addresses.map(({ address }) => classify(address));
  if (afterPublic) {
    const index = classes.findIndex((addressClass) => addressClass !== "public");
    if (index !== -1) {
      throw new UnsafeUrlError(url.href, `a redirect from a public address to a ${classes[index]} address (${addresses[index]?.address}) is refused`);
    }
  }
  const [first, ...others] = addresses;
  if (first === undefined) throw new DownloadConnectionError(url.href, { cause: new Error(`${hostname} has no address`) });
  return { url, addresses: [first, ...others], addressClass: classes.includes("public") ? "public" : classify(first.address) };
}

function isLoopbackName(hostname: string): boolean {
  if (isIP(hostname) !== 0) return classifyAddress(hostname) === "loopback";
  const lower = hostname.toLowerCase();
  return lower === "localhost" || lower.endsWith(".localhost");
}

async function resolveHost(hostname: string, url: URL, resolve: HostResolver): Promise<readonly ResolvedAddress[]> {
  const literalFamily = isIP(hostname);
  if (literalFamily !== 0) return [{ address: hostname, family: literalFamily === 6 ? 6 : 4 }];
  try {
    return await resolve(hostname);
  } catch (error) {
    throw new DownloadConnectionError(url.href, { cause: error });
  }
}

function redact(url: URL): string {
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  return copy.href;
}
