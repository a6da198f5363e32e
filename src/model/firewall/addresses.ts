/**
 * IP addresses as the firewall evaluator compares them: IPv4 and IPv6 as unsigned integers
 * (bigint), prefixes and ranges as inclusive [first, last] intervals. No DNS, no zone ids:
 * what a dump prints numerically is what the kernel compared.
 */
export type IpFamily = "ipv4" | "ipv6";

export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** An inclusive interval of addresses of one family (a host, a prefix or an `a-b` range). */
export interface AddressRange {
  readonly family: IpFamily;
  readonly first: bigint;
  readonly last: bigint;
  /** As written, for messages. */
  readonly text: string;
}

const V4_BITS = 32n;
const V6_BITS = 128n;

export function bitsOf(family: IpFamily): bigint {
  return family === "ipv4" ? V4_BITS : V6_BITS;
}

/** Strict dotted quad: four decimal parts 0–255 (what iptables and nft print). */
export function parseIpv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/u.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

/** RFC 4291 text forms, including `::` compression and a trailing dotted quad. */
export function parseIpv6(text: string): bigint | null {
  if (text.length === 0 || text.length > 45 || !/^[0-9A-Fa-f:.]+$/u.test(text)) return null;
  let head = text;
  let tailV4: bigint | null = null;
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    if (tailV4 === null) return null;
    head = text.slice(0, lastColon + 1) + "0:0";
  }
  const doubleColon = head.indexOf("::");
  if (doubleColon !== head.lastIndexOf("::")) return null;
  let groups: string[];
  if (doubleColon >= 0) {
    const left = head.slice(0, doubleColon);
    const right = head.slice(doubleColon + 2);
    const leftGroups = left === "" ? [] : left.split(":");
    const rightGroups = right === "" ? [] : right.split(":");
    const missing = 8 - leftGroups.length - rightGroups.length;
    if (missing < 1) return null;
    groups = [...leftGroups, ...Array<string>(missing).fill("0"), ...rightGroups];
  } else {
    groups = head.split(":");
  }
  if (groups.length !== 8) return null;
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9A-Fa-f]{1,4}$/u.test(group)) return null;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  if (tailV4 !== null) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

export function parseIpAddress(text: string): IpAddress | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { family: "ipv4", value: v4 };
  const v6 = parseIpv6(text);
  if (v6 !== null) return { family: "ipv6", value: v6 };
  return null;
}

function prefixRange(family: IpFamily, value: bigint, length: bigint, text: string): AddressRange | null {
  const bits = bitsOf(family);
  if (length < 0n || length > bits) return null;
  const hostBits = bits - length;
  const hostMask = (1n << hostBits) - 1n;
  const first = value & ~hostMask & ((1n << bits) - 1n);
  return { family, first, last: first | hostMask, text };
}

/** A contiguous netmask (`255.255.255.0`) as a prefix length, or null when not contiguous. */
function maskLength(family: IpFamily, mask: bigint): bigint | null {
  const bits = bitsOf(family);
  let length = 0n;
  let seenZero = false;
  for (let bit = bits - 1n; bit >= 0n; bit--) {
    const set = ((mask >> bit) & 1n) === 1n;
    if (set && seenZero) return null;
    if (set) length++;
    else seenZero = true;
  }
  return length;
}

/**
 * `10.0.0.0/8`, `10.0.0.0/255.0.0.0` (iptables), `fe80::/10`, or a single address. Host bits
 * under the prefix are cleared, as the kernel masks them.
 */
export function parseCidr(text: string): AddressRange | null {
  const slash = text.indexOf("/");
  const addressText = slash >= 0 ? text.slice(0, slash) : text;
  const address = parseIpAddress(addressText);
  if (address === null) return null;
  if (slash < 0) return { family: address.family, first: address.value, last: address.value, text };
  const suffix = text.slice(slash + 1);
  if (/^\d{1,3}$/u.test(suffix)) return prefixRange(address.family, address.value, BigInt(suffix), text);
  const mask = parseIpAddress(suffix);
  if (mask === null || mask.family !== address.family) return null;
  const length = maskLength(address.family, mask.value);
  if (length === null) return null;
  return prefixRange(address.family, address.value, length, text);
}

/** `10.0.0.1-10.0.0.9` (nft ranges, iptables iprange) or anything `parseCidr` reads. */
export function parseAddressRangeOrCidr(text: string): AddressRange | null {
  const dash = text.indexOf("-");
  if (dash > 0) {
    const first = parseIpAddress(text.slice(0, dash));
    const last = parseIpAddress(text.slice(dash + 1));
    if (first === null || last === null || first.family !== last.family || first.value > last.value) return null;
    return { family: first.family, first: first.value, last: last.value, text };
  }
  return parseCidr(text);
}

export function rangeContains(range: AddressRange, address: IpAddress): boolean {
  return range.family === address.family && address.value >= range.first && address.value <= range.last;
}

/** The whole address space of a family (`0.0.0.0/0`, `::/0`). */
export function anyAddress(family: IpFamily): AddressRange {
  return { family, first: 0n, last: (1n << bitsOf(family)) - 1n, text: family === "ipv4" ? "0.0.0.0/0" : "::/0" };
}

export function isAnyAddress(range: AddressRange): boolean {
  return range.first === 0n && range.last === (1n << bitsOf(range.family)) - 1n;
}
