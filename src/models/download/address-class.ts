import { BlockList, isIP } from "node:net";

/** What kind of network an IP address belongs to. Only `public` addresses are on the open internet. */
export type AddressClass = "loopback" | "private" | "link-local" | "unspecified" | "reserved" | "public";

function blockList(subnets: readonly (readonly [string, number, "ipv4" | "ipv6"])[]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of subnets) list.addSubnet(network, prefix, family);
  return list;
}

const ranges: readonly (readonly [AddressClass, BlockList])[] = [
  ["loopback", blockList([["127.0.0.0", 8, "ipv4"], ["::1", 128, "ipv6"]])],
  // 0.0.0.0 and :: reach this machine when connected to.
  ["unspecified", blockList([["0.0.0.0", 8, "ipv4"], ["::", 128, "ipv6"]])],
  ["private", blockList([["10.0.0.0", 8, "ipv4"], ["172.16.0.0", 12, "ipv4"], ["192.168.0.0", 16, "ipv4"], ["100.64.0.0", 10, "ipv4"], ["fc00::", 7, "ipv6"]])],
  ["link-local", blockList([["169.254.0.0", 16, "ipv4"], ["fe80::", 10, "ipv6"]])],
  ["reserved", blockList([["224.0.0.0", 3, "ipv4"], ["ff00::", 8, "ipv6"]])],
];

/** Classifies an IPv4 or IPv6 address (an IPv4-mapped IPv6 address counts as its IPv4 address). */
export function classifyAddress(address: string): AddressClass {
  const plain = unmapIpv4(address.replace(/^\[|\]$/g, ""));
  const family = isIP(plain);
  if (family === 0) throw new TypeError(`not an IP address: ${address}`);
  for (const [addressClass, list] of ranges) {
    if (list.check(plain, family === 4 ? "ipv4" : "ipv6")) return addressClass;
  }
  return "public";
}

// ::ffff:10.0.0.1 and ::ffff:a00:1 both reach 10.0.0.1.
function unmapIpv4(address: string): string {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted?.[1] !== undefined) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex?.[1] === undefined || hex[2] === undefined) return address;
  const high = parseInt(hex[1], 16);
  const low = parseInt(hex[2], 16);
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}
