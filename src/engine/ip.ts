/**
 * IP addresses and CIDR blocks, IPv4 and IPv6, without resolution: enough for rules that judge
 * whether a written address is loopback, private, link-local or public, and whether it falls in
 * the operator's trusted networks. Values are bigints so one code path serves both families.
 */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

export interface Cidr {
  readonly family: 4 | 6;
  /** The network address (host bits cleared). */
  readonly network: bigint;
  readonly prefixLength: number;
  /** The block as written. */
  readonly text: string;
}

const BITS: Record<4 | 6, number> = { 4: 32, 6: 128 };

/** `10.0.0.1` → IPv4; anything else (leading zeros included, as Python's ipaddress) → null. */
function parseIpv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/u.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

/** `fe80::1`, `::ffff:10.0.0.1`, `2001:db8::1%eth0` (the zone is ignored) → IPv6; else null. */
function parseIpv6(text: string): bigint | null {
  const address = text.replace(/%[\w.-]+$/u, "");
  if (!/^[0-9A-Fa-f:.]+$/u.test(address) || !address.includes(":")) return null;
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (part: string): bigint[] | null => {
    if (part === "") return [];
    const groups: bigint[] = [];
    const pieces = part.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIpv4(piece);
        if (v4 === null) return null;
        groups.push(v4 >> 16n, v4 & 0xffffn);
      } else if (/^[0-9A-Fa-f]{1,4}$/u.test(piece)) {
        groups.push(BigInt(`0x${piece}`));
      } else {
        return null;
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (head === null || tail === null) return null;
  // An embedded IPv4 may only end the address.
  if (halves.length === 2 && halves[0]!.includes(".")) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<bigint>(halves.length === 2 ? missing : 0).fill(0n), ...tail];
  return groups.reduce((acc, group) => (acc << 16n) | group, 0n);
}

/** Parses a literal IPv4 or IPv6 address (brackets allowed around IPv6); null for host names. */
export function parseIp(text: string): IpAddress | null {
  const trimmed = text.trim().replace(/^\[(.*)\]$/u, "$1");
  const v4 = parseIpv4(trimmed);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = parseIpv6(trimmed);
  if (v6 !== null) return { family: 6, value: v6 };
  return null;
}

/** `10.0.0.0/8`, `fd00::/8`, or a bare address (a /32 or /128). Host bits are cleared. */
export function parseCidr(text: string): Cidr | null {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  const address = parseIp(slash < 0 ? trimmed : trimmed.slice(0, slash));
  if (!address) return null;
  const bits = BITS[address.family];
  let prefixLength = bits;
  if (slash >= 0) {
    const prefixText = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/u.test(prefixText)) return null;
    prefixLength = Number(prefixText);
    if (prefixLength > bits) return null;
  }
  return { family: address.family, network: address.value & mask(address.family, prefixLength), prefixLength, text: trimmed };
}

function mask(family: 4 | 6, prefixLength: number): bigint {
  const bits = BigInt(BITS[family]);
  const all = (1n << bits) - 1n;
  return all ^ ((1n << (bits - BigInt(prefixLength))) - 1n);
}

/** `::ffff:a.b.c.d` → the IPv4 address it maps; any other address unchanged. */
export function unmapIpv4(address: IpAddress): IpAddress {
  if (address.family === 6 && address.value >> 32n === 0xffffn) return { family: 4, value: address.value & 0xffffffffn };
  return address;
}

export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  for (const candidate of [address, unmapIpv4(address)]) {
    if (candidate.family === cidr.family && (candidate.value & mask(cidr.family, cidr.prefixLength)) === cidr.network) return true;
  }
  return false;
}

/** The first block of `cidrs` that holds `address`. */
export function findContainingCidr(cidrs: readonly Cidr[], address: IpAddress): Cidr | undefined {
  return cidrs.find((cidr) => cidrContains(cidr, address));
}

/** Parses a list of CIDR texts; the ones that do not parse are returned apart, as written. */
export function parseCidrList(texts: readonly string[]): { cidrs: Cidr[]; invalid: string[] } {
  const cidrs: Cidr[] = [];
  const invalid: string[] = [];
  for (const text of texts) {
    const cidr = parseCidr(text);
    if (cidr) cidrs.push(cidr);
    else invalid.push(text);
  }
  return { cidrs, invalid };
}

export interface NamedRange {
  readonly cidr: Cidr;
  /** What the range is, for messages: "private (RFC 1918)". */
  readonly label: string;
}

function named(text: string, label: string): NamedRange {
  return { cidr: parseCidr(text)!, label };
}

/**
 * Ranges whose traffic does not leave a site: loopback, private, shared (CGNAT), link-local,
 * unique-local, plus unspecified, multicast and reserved space (not a memcached server anyone
 * reaches over the internet). Sources: RFC 1918, RFC 6598, RFC 3927, RFC 4193, RFC 4291, and
 * the IANA special-purpose address registries. The documentation ranges (RFC 5737, RFC 3849)
 * are deliberately absent: they stand for public addresses in examples.
 */
export const NON_PUBLIC_RANGES: readonly NamedRange[] = [
  named("0.0.0.0/8", "the unspecified 'this network' range"),
  named("10.0.0.0/8", "private (RFC 1918)"),
  named("100.64.0.0/10", "shared address space (RFC 6598, carrier-grade NAT)"),
  named("127.0.0.0/8", "loopback"),
  named("169.254.0.0/16", "link-local"),
  named("172.16.0.0/12", "private (RFC 1918)"),
  named("192.168.0.0/16", "private (RFC 1918)"),
  named("224.0.0.0/4", "multicast"),
  named("240.0.0.0/4", "reserved"),
  named("::/128", "unspecified"),
  named("::1/128", "loopback"),
  named("fc00::/7", "unique local (RFC 4193)"),
  named("fe80::/10", "link-local"),
  named("ff00::/8", "multicast"),
];

/** The non-public range holding `address` (IPv4-mapped IPv6 is judged as its IPv4), or null. */
export function nonPublicRange(address: IpAddress): NamedRange | null {
  const judged = unmapIpv4(address);
  return NON_PUBLIC_RANGES.find((range) => cidrContains(range.cidr, judged)) ?? null;
}

export function isPublicAddress(address: IpAddress): boolean {
  return nonPublicRange(address) === null;
}
