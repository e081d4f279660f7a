import { isIPv4 } from "node:net";
import { hostNameOf } from "./host-name-of.js";

/**
 * Whether an address to listen on is reachable from this machine only: `localhost`, 127.0.0.0/8, `::1` (and
 * 127.x written as an IPv4-mapped IPv6 address). Any other name may resolve to a network address.
 */
export function isLoopbackHost(host: string): boolean {
  const name = hostNameOf(host);
  if (name === null) return false;
  if (name === "localhost" || name === "[::1]" || name === "[0:0:0:0:0:0:0:1]") return true;
  const ipv4 = name.startsWith("[::ffff:") ? name.slice("[::ffff:".length, -1) : name;
  return isIPv4(ipv4) && ipv4.startsWith("127.");
}
