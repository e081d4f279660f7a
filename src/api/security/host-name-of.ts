import { isIPv6 } from "node:net";

const namePattern = /^[a-z0-9_.-]+$/;
const portPattern = /^\d{1,5}$/;

/**
 * The host name in a `Host` header or an `--allowed-host` value, lowercased, without its port, IPv6 addresses
 * in brackets (`[::1]`); `null` when it is empty or not a plain host name (user info, paths, odd characters).
 */
export function hostNameOf(value: string): string | null {
  const trimmed = value.trim().toLowerCase();
  if (isIPv6(trimmed)) return `[${trimmed}]`;
  let name = trimmed;
  let port: string | undefined;
  if (trimmed.startsWith("[")) {
    const end = trimmed.indexOf("]");
    if (end < 0) return null;
    name = trimmed.slice(0, end + 1);
    const rest = trimmed.slice(end + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return null;
      port = rest.slice(1);
    }
    if (!isIPv6(name.slice(1, -1))) return null;
  } else {
    const colon = trimmed.indexOf(":");
    if (colon >= 0) {
      name = trimmed.slice(0, colon);
      port = trimmed.slice(colon + 1);
    }
    if (!namePattern.test(name)) return null;
  }
  if (port !== undefined && (!portPattern.test(port) || Number(port) > 65535)) return null;
  return name;
}
