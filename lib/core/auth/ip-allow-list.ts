import { BlockList, isIP } from "node:net";

/** Turns "::ffff:203.0.113.5" into "203.0.113.5" so IPv4 rules apply to it. */
function unmapIPv4(address: string): string {
  return address.toLowerCase().startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * Builds a matcher for addresses and CIDR ranges ("203.0.113.0/24", "2001:db8::/32",
 * "198.51.100.7"). Throws at construction on an entry that is not one.
 */
export function ipAllowList(entries: readonly string[]): (address: string | undefined) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = "", prefix] = entry.trim().split("/");
    const family = isIP(unmapIPv4(address));
    if (family === 0) throw new TypeError(`allowIps: "${entry}" is not an IP address or CIDR range.`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) {
      list.addAddress(unmapIPv4(address), type);
      continue;
    }
    const bits = Number(prefix);
    if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) {
      throw new TypeError(`allowIps: "${entry}" has an invalid prefix length.`);
    }
    list.addSubnet(unmapIPv4(address), bits, type);
  }
  return (address) => {
    if (!address) return false;
    const plain = unmapIPv4(address);
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 4 ? "ipv4" : "ipv6");
  };
}
