import net from 'node:net';

/**
 * Which addresses a flow author's HTTP request may connect to: global unicast only. Everything
 * special-purpose in the IANA registries (loopback, private, shared/CGNAT, link-local, multicast,
 * documentation, benchmarking, reserved) is refused. IPv6 forms that carry an IPv4 address
 * (mapped, compatible, NAT64, 6to4) are judged by that IPv4 address, because a translator or
 * relay on the path would deliver the packet there; forms whose target we cannot judge (Teredo,
 * local-use NAT64) are refused.
 */

type Prefix = readonly [bytes: readonly number[], bits: number];

/** Non-global IPv4 ranges (RFC 6890 and successors). */
const IPV4_REFUSED: Prefix[] = [
  [[0, 0, 0, 0], 8], // "this network"
  [[10, 0, 0, 0], 8], // private
  [[100, 64, 0, 0], 10], // shared address space (CGNAT)
  [[127, 0, 0, 0], 8], // loopback
  [[169, 254, 0, 0], 16], // link-local, cloud metadata
  [[172, 16, 0, 0], 12], // private
  [[192, 0, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2, 0], 24], // documentation TEST-NET-1
  [[192, 88, 99, 0], 24], // 6to4 relay anycast (deprecated)
  [[192, 168, 0, 0], 16], // private
  [[198, 18, 0, 0], 15], // benchmarking
  [[198, 51, 100, 0], 24], // documentation TEST-NET-2
  [[203, 0, 113, 0], 24], // documentation TEST-NET-3
  [[224, 0, 0, 0], 4], // multicast
  [[240, 0, 0, 0], 4], // reserved, and the broadcast address
];

/** Non-global ranges inside 2000::/3, the only global unicast IPv6 block. */
const IPV6_GLOBAL: Prefix = [[0x20], 3];
const IPV6_REFUSED_IN_GLOBAL: Prefix[] = [
  [[0x20, 0x01, 0x00, 0x00], 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID…
  [[0x20, 0x01, 0x0d, 0xb8], 32], // documentation
  [[0x3f, 0xff], 20], // documentation (RFC 9637)
];
const IPV6_MAPPED: Prefix = [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96];
const IPV6_COMPATIBLE: Prefix = [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 96];
const IPV6_NAT64: Prefix = [[0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96];
const IPV6_6TO4: Prefix = [[0x20, 0x02], 16];

function matches(bytes: readonly number[], [prefix, bits]: Prefix): boolean {
  for (let i = 0; i < bits; i += 8) {
    const take = Math.min(8, bits - i);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i / 8] ?? 0) & mask) !== ((prefix[i / 8] ?? 0) & mask)) return false;
  }
  return true;
}

function parseIpv4(address: string): number[] {
  return address.split('.').map(Number);
}

/** The 16 bytes of a valid IPv6 address (zone id dropped; a trailing dotted quad allowed). */
export function parseIpv6(address: string): number[] {
  let text = address.replace(/%.*$/, '');
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (quad) {
    const [a, b, c, d] = parseIpv4(quad) as [number, number, number, number];
    text = `${text.slice(0, -quad.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

function isGlobalIpv4(bytes: readonly number[]): boolean {
  return !IPV4_REFUSED.some((prefix) => matches(bytes, prefix));
}

function isGlobalIpv6(bytes: readonly number[]): boolean {
  // IPv4 carried in IPv6: whoever translates or relays it delivers to the IPv4 address.
  if (matches(bytes, IPV6_MAPPED) || matches(bytes, IPV6_NAT64)) return isGlobalIpv4(bytes.slice(12));
  // v4-compatible (deprecated); `::` and `::1` fall in here and are refused as 0.0.0.0/8.
  if (matches(bytes, IPV6_COMPATIBLE)) return isGlobalIpv4(bytes.slice(12));
  if (matches(bytes, IPV6_6TO4)) return isGlobalIpv4(bytes.slice(2, 6));
  // Outside 2000::/3 nothing is global unicast: ULA, link- and site-local, multicast, local-use NAT64…
  if (!matches(bytes, IPV6_GLOBAL)) return false;
  return !IPV6_REFUSED_IN_GLOBAL.some((prefix) => matches(bytes, prefix));
}

/** True when `address` (an IP literal) is a global unicast address a flow may reach. */
export function isGlobalUnicast(address: string): boolean {
  const family = net.isIP(address.replace(/%.*$/, ''));
  if (family === 4) return isGlobalIpv4(parseIpv4(address));
  if (family === 6) return isGlobalIpv6(parseIpv6(address));
  return false;
}

/** One spelling per address, so that an allowlist entry matches however the address is written. */
export function canonicalAddress(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = net.isIP(bare.replace(/%.*$/, ''));
  if (family === 4) return parseIpv4(bare).join('.');
  if (family === 6)
    return parseIpv6(bare)
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('');
  return undefined;
}
