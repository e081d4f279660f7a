import { hostNameOf } from "./host-name-of.js";

const originPattern = /^([a-z][a-z0-9+.-]*):\/\/([^/?#@\s]+)\/?$/i;
const defaultPorts: Readonly<Record<string, string>> = { http: "80", https: "443" };

/**
 * A web origin in the form browsers send in `Origin` (`scheme://host[:port]`, lowercase, default port left out),
 * so configured origins and received ones compare as strings; `null` for anything else, `null` itself included.
 */
export function originOf(value: string): string | null {
  const match = originPattern.exec(value.trim());
  const scheme = match?.[1]?.toLowerCase();
  const authority = match?.[2];
  if (scheme === undefined || authority === undefined) return null;
  const name = hostNameOf(authority);
  // Origins always bracket IPv6 addresses; `http://::1` would otherwise read as host `:` and port `1`.
  if (name === null || (name.startsWith("[") && !authority.startsWith("["))) return null;
  const port = /^(?:\[[^\]]*\]|[^:]*):(\d+)$/.exec(authority)?.[1];
  const explicitPort = port === undefined || port === defaultPorts[scheme] ? "" : `:${Number(port)}`;
  return `${scheme}://${name}${explicitPort}`;
}
