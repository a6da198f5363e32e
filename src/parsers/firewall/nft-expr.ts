import type { SourceLocation } from "../../model/source.js";
import type { AddressRange } from "../../model/firewall/addresses.js";
import { parseAddressRangeOrCidr } from "../../model/firewall/addresses.js";
import type { InterfacePattern, MatchField, MatchValue, NetfilterFamily, NumberRange, PacketFamily, RuleStep, SetElements, SimpleVerdict } from "../../model/firewall/ruleset.js";
import { PORT_PROTOCOLS, protocolNumber } from "../../model/firewall/ruleset.js";
import { parsePortRange, parseUint32 } from "./common.js";

/**
 * nftables expression semantics shared by the `nft list ruleset` text parser and the `nft -j`
 * JSON parser: which packet field a left-hand expression reads, which implicit dependency nft adds
 * (`tcp dport` → `meta l4proto tcp`, `ip saddr` in an inet table → `meta nfproto ipv4`), and how
 * right-hand values (single values, `{ sets }`, `a-b` ranges, prefixes, flag lists) read.
 */
export type NftKey =
  | { readonly kind: "payload"; readonly protocol: string; readonly field: string }
  | { readonly kind: "meta"; readonly key: string }
  | { readonly kind: "ct"; readonly key: string };

/** One right-hand value as written: a word or string, or (JSON) a range/prefix. */
export type NftAtom =
  | { readonly kind: "word"; readonly text: string; readonly quoted?: boolean }
  | { readonly kind: "range"; readonly from: string; readonly to: string }
  | { readonly kind: "prefix"; readonly address: string; readonly length: number }
  /**
   * `syn|ack`, `syn,ack` or a JSON flag array used as one value. `or`: written with `|` (JSON
   * `{"|": […]}`), the one value that is the OR of the flags, not a list of alternatives.
   */
  | { readonly kind: "flags"; readonly names: readonly string[]; readonly or?: boolean };

export type NftRight =
  | { readonly kind: "atoms"; readonly atoms: readonly NftAtom[]; readonly set: boolean }
  | { readonly kind: "set-ref"; readonly name: string };

export type NftOp = "==" | "!=" | "<" | ">" | "<=" | ">=" | "in" | "implicit";

type ValueType = "address4" | "address6" | "port" | "proto" | "iface" | "ctstate" | "mark" | "tcpflags" | "nfproto";

interface FieldSpec {
  readonly field: MatchField;
  readonly type: ValueType;
  readonly requiresProtocols?: readonly number[];
  readonly requiresFamily?: PacketFamily;
}

/** Well-known service names nft accepts for ports (IANA service names as in /etc/services). */
export const SERVICE_PORTS: Readonly<Record<string, number>> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  http: 80,
  pop3: 110,
  ntp: 123,
  imap: 143,
  imap2: 143,
  snmp: 161,
  https: 443,
  submission: 587,
  imaps: 993,
  pop3s: 995,
  mysql: 3306,
  postgresql: 5432,
  memcache: 11211,
};

const TCP_FLAGS: Readonly<Record<string, number>> = { fin: 0x01, syn: 0x02, rst: 0x04, psh: 0x08, ack: 0x10, urg: 0x20, ecn: 0x40, cwr: 0x80 };
const CT_STATES = new Set(["new", "established", "related", "invalid", "untracked"]);

/** What a left-hand expression reads, or why it is not modelled. */
export function fieldOf(key: NftKey, tableFamily: NetfilterFamily): FieldSpec | { readonly protocolOnly: number } | { readonly unknown: string } {
  const inet = tableFamily === "inet" || tableFamily === "bridge" || tableFamily === "netdev";
  if (key.kind === "payload") {
    const { protocol, field } = key;
    if (protocol === "ip" || protocol === "ip6") {
      const family: PacketFamily = protocol === "ip" ? "ipv4" : "ipv6";
      const requires = inet || (tableFamily === "ip" && family === "ipv6") || (tableFamily === "ip6" && family === "ipv4") ? { requiresFamily: family } : {};
      if (field === "saddr" || field === "daddr") return { field, type: family === "ipv4" ? "address4" : "address6", ...requires };
      if ((protocol === "ip" && field === "protocol") || (protocol === "ip6" && field === "nexthdr")) return { field: "l4proto", type: "proto", ...requires };
      return { unknown: `${protocol} ${field}` };
    }
    if (protocol === "th" && (field === "dport" || field === "sport")) return { field, type: "port", requiresProtocols: PORT_PROTOCOLS };
    const number = protocolNumber(protocol);
    if (number !== null && PORT_PROTOCOLS.includes(number) && (field === "dport" || field === "sport")) return { field, type: "port", requiresProtocols: [number] };
    if (protocol === "tcp" && field === "flags") return { field: "tcp-flags", type: "tcpflags", requiresProtocols: [6] };
    if (protocol === "icmp" || protocol === "icmpv6") return { protocolOnly: protocol === "icmp" ? 1 : 58 };
    if (number !== null) return { protocolOnly: number };
    return { unknown: `${protocol} ${field}` };
  }
  if (key.kind === "meta") {
    switch (key.key) {
      case "l4proto":
        return { field: "l4proto", type: "proto" };
      case "nfproto":
        return { field: "nfproto", type: "nfproto" };
      case "iif":
      case "iifname":
        return { field: "iif", type: "iface" };
      case "oif":
      case "oifname":
        return { field: "oif", type: "iface" };
      case "mark":
        return { field: "mark", type: "mark" };
      default:
        return { unknown: `meta ${key.key}` };
    }
  }
  if (key.key === "state") return { field: "ct-state", type: "ctstate" };
  return { unknown: `ct ${key.key}` };
}

function atomText(atom: NftAtom): string {
  switch (atom.kind) {
    case "word":
      return atom.text;
    case "range":
      return `${atom.from}-${atom.to}`;
    case "prefix":
      return `${atom.address}/${atom.length}`;
    case "flags":
      return atom.names.join("|");
  }
}

function parseNumberAtom(atom: NftAtom, type: ValueType): NumberRange | null {
  const one = (text: string): number | null => {
    if (type === "port") return /^\d+$/u.test(text) ? parsePortRange(text, "-")?.first ?? null : (SERVICE_PORTS[text] ?? null);
    if (type === "proto") return protocolNumber(text);
    if (type === "nfproto") return text === "ipv4" ? 2 : text === "ipv6" ? 10 : null;
    return parseUint32(text);
  };
  if (atom.kind === "range") {
    const first = one(atom.from);
    const last = one(atom.to);
    return first === null || last === null || first > last ? null : { first, last };
  }
  if (atom.kind !== "word") return null;
  const text = atom.text;
  const whole = one(text);
  if (whole !== null) return { first: whole, last: whole };
  const dash = text.indexOf("-", 1);
  if (dash > 0 && !atom.quoted) {
    const first = one(text.slice(0, dash));
    const last = one(text.slice(dash + 1));
    return first === null || last === null || first > last ? null : { first, last };
  }
  const n = one(text);
  return n === null ? null : { first: n, last: n };
}

function parseAddressAtom(atom: NftAtom, family: PacketFamily): AddressRange | null {
  const text = atom.kind === "prefix" ? `${atom.address}/${atom.length}` : atom.kind === "range" ? `${atom.from}-${atom.to}` : atom.kind === "word" ? atom.text : null;
  if (text === null) return null;
  const range = parseAddressRangeOrCidr(text);
  return range && range.family === family ? range : null;
}

function parseInterfaceAtom(atom: NftAtom): InterfacePattern | null {
  if (atom.kind !== "word") return null;
  const text = atom.text;
  // nft matches `"eth*"` as a prefix (a trailing unescaped asterisk); `\*` is a literal star.
  if (text.endsWith("\\*")) return { name: text.slice(0, -2) + "*", wildcard: false };
  if (text.endsWith("*")) return { name: text.slice(0, -1), wildcard: true };
  return { name: text, wildcard: false };
}

function flagBits(atom: NftAtom): number | null {
  const names = atom.kind === "flags" ? atom.names : atom.kind === "word" ? atom.text.split(/[|,]/u) : null;
  if (names === null) return null;
  let bits = 0;
  for (const name of names) {
    const bit = TCP_FLAGS[name] ?? (/^0x[0-9a-f]+$/iu.test(name) ? parseInt(name.slice(2), 16) : undefined);
    if (bit === undefined) return null;
    bits |= bit;
  }
  return bits;
}

/** Each atom through `parse`; null as soon as one is not understood. */
function parseEveryAtom<T>(atoms: readonly NftAtom[], parse: (atom: NftAtom) => T | null): T[] | null {
  const parsed: T[] = [];
  for (const atom of atoms) {
    const value = parse(atom);
    if (!value) return null;
    parsed.push(value);
  }
  return parsed;
}

/** Typed set elements from atoms, for set definitions and anonymous sets. */
export function elementsOf(type: ValueType, atoms: readonly NftAtom[]): SetElements | null {
  switch (type) {
    case "address4":
    case "address6": {
      const family = type === "address4" ? "ipv4" : "ipv6";
      const ranges = parseEveryAtom(atoms, (atom) => parseAddressAtom(atom, family));
      return ranges ? { kind: "addresses", ranges } : null;
    }
    case "port":
    case "proto":
    case "mark":
    case "nfproto": {
      const ranges = parseEveryAtom(atoms, (atom) => parseNumberAtom(atom, type));
      return ranges ? { kind: "numbers", ranges } : null;
    }
    case "iface": {
      const names = parseEveryAtom(atoms, parseInterfaceAtom);
      return names ? { kind: "interfaces", names } : null;
    }
    case "ctstate": {
      const states: string[] = [];
      for (const atom of atoms) {
        const names = atom.kind === "flags" ? atom.names : atom.kind === "word" ? atom.text.split(",") : [];
        for (const name of names) {
          if (!CT_STATES.has(name)) return null;
          states.push(name);
        }
        if (names.length === 0) return null;
      }
      return { kind: "ct-states", states };
    }
    case "tcpflags":
      return null;
  }
}

/** Value type of a named set's key type (`type ipv4_addr`) or its `typeof` expression. */
export function setValueType(keyType: string): ValueType | null {
  switch (keyType) {
    case "ipv4_addr":
      return "address4";
    case "ipv6_addr":
      return "address6";
    case "inet_service":
      return "port";
    case "inet_proto":
      return "proto";
    case "ifname":
    case "iface_index":
      return "iface";
    case "ct_state":
      return "ctstate";
    case "mark":
      return "mark";
    case "nf_proto":
      return "nfproto";
    default:
      return null;
  }
}

export function valueTypeOfKey(key: NftKey, tableFamily: NetfilterFamily): ValueType | null {
  const spec = fieldOf(key, tableFamily);
  return "type" in spec ? spec.type : null;
}

const MAX: Readonly<Record<string, number>> = { port: 65535, proto: 255, mark: 0xffffffff, nfproto: 255 };

/**
 * One relational expression (`key [& mask] [op] right`) as rule steps: a match, a protocol
 * dependency alone (`icmp type …` on a TCP packet), or a not-understood step.
 */
export function buildNftMatch(
  key: NftKey,
  mask: NftAtom | null,
  op: NftOp,
  right: NftRight,
  maskAfter: NftAtom | null,
  tableFamily: NetfilterFamily,
  text: string,
  location: SourceLocation,
): RuleStep[] {
  const notUnderstood = (): RuleStep[] => [{ kind: "not-understood", text, location }];
  const spec = fieldOf(key, tableFamily);
  if ("unknown" in spec) return notUnderstood();
  if ("protocolOnly" in spec) {
    // The value is not modelled; the implicit protocol dependency decides TCP/UDP packets.
    return [{ kind: "match", match: { field: "l4proto", negate: false, value: { kind: "numbers", ranges: [{ first: spec.protocolOnly, last: spec.protocolOnly }] }, text, location } }];
  }
  const extra = {
    ...(spec.requiresProtocols ? { requiresProtocols: spec.requiresProtocols } : {}),
    ...(spec.requiresFamily ? { requiresFamily: spec.requiresFamily } : {}),
  };
  const match = (value: MatchValue, negate: boolean): RuleStep[] => [{ kind: "match", match: { field: spec.field, negate, value, text, location, ...extra } }];
  const negate = op === "!=";

  if (right.kind === "set-ref") {
    if (mask) return notUnderstood();
    if (op !== "==" && op !== "!=" && op !== "implicit" && op !== "in") return notUnderstood();
    return match({ kind: "set-ref", name: right.name }, negate);
  }

  if (spec.type === "tcpflags" || (spec.type === "mark" && (mask || maskAfter))) {
    const bitsMask = mask ?? maskAfter;
    if (right.set || right.atoms.length !== 1) {
      // `ct state`-style comma lists for flags: `tcp flags syn,ack` (no mask).
      if (spec.type === "tcpflags" && !bitsMask && right.atoms.length > 1 && (op === "implicit" || op === "in")) {
        let value = 0;
        for (const atom of right.atoms) {
          const bits = flagBits(atom);
          if (bits === null) return notUnderstood();
          value |= bits;
        }
        return match({ kind: "bits", mask: value, value, legacyFlags: true }, false);
      }
      return notUnderstood();
    }
    const atom = right.atoms[0]!;
    const value = spec.type === "tcpflags" ? flagBits(atom) : atom.kind === "word" ? parseUint32(atom.text) : null;
    const maskValue = bitsMask === null ? null : spec.type === "tcpflags" ? flagBits(bitsMask) : bitsMask.kind === "word" ? parseUint32(bitsMask.text) : null;
    if (value === null || (bitsMask !== null && maskValue === null)) return notUnderstood();
    if (op === "<" || op === ">" || op === "<=" || op === ">=") return notUnderstood();
    if (maskValue !== null) return match({ kind: "bits", mask: maskValue, value: (value & maskValue) >>> 0 }, negate);
    if (op === "==" || op === "!=") return match({ kind: "bits", mask: spec.type === "tcpflags" ? 0xff : 0xffffffff, value }, negate);
    // Implicit/`in` on a bitmask: "any of the flags"; for one flag any-of and all-of agree.
    const single = (value & (value - 1)) === 0;
    return match({ kind: "bits", mask: value, value, ...(single ? {} : { legacyFlags: true }) }, false);
  }
  if (mask || maskAfter) return notUnderstood();

  if (op === "<" || op === ">" || op === "<=" || op === ">=") {
    const max = MAX[spec.type];
    if (max === undefined || right.atoms.length !== 1 || right.set) return notUnderstood();
    const bound = parseNumberAtom(right.atoms[0]!, spec.type);
    if (!bound || bound.first !== bound.last) return notUnderstood();
    const n = bound.first;
    const range = op === "<" ? { first: 0, last: n - 1 } : op === "<=" ? { first: 0, last: n } : op === ">" ? { first: n + 1, last: max } : { first: n, last: max };
    return match({ kind: "numbers", ranges: range.first > range.last ? [] : [range] }, false);
  }

  const elements = elementsOf(spec.type, right.atoms);
  if (!elements) return notUnderstood();
  if (elements.kind === "ct-states" && !right.set && elements.states.length > 1) {
    // Several states as one value: nft 1.0.6 compiles `ct state new,invalid` (no operator) to a
    // bitmask test, "any of", but `ct state != new,invalid`, `== new,invalid` and the listed form
    // `ct state invalid | new` to a comparison with the OR of the states (`cmp neq reg 1 0x9`).
    // A packet has exactly one state, so that equality never holds: `==` never matches, `!=`
    // always does. Measured against the kernel by test/system/firewall-kernel.test.ts.
    const orValue = right.atoms.some((a) => a.kind === "flags" && a.or === true);
    if (op === "==" || op === "!=" || (orValue && op === "implicit")) return match({ kind: "ct-states", states: [] }, negate);
  }
  return match(elements, negate);
}

/** A verdict keyword and its argument (`jump NAME`), or null. */
export function simpleVerdict(word: string, argument?: string): SimpleVerdict | null {
  switch (word) {
    case "accept":
      return { kind: "accept" };
    case "drop":
      return { kind: "drop" };
    case "return":
      return { kind: "return" };
    case "continue":
      return { kind: "continue" };
    case "jump":
      return argument === undefined ? null : { kind: "jump", chain: argument };
    case "goto":
      return argument === undefined ? null : { kind: "goto", chain: argument };
    case "reject":
      return { kind: "reject" };
    default:
      return null;
  }
}

/** Named priorities for ip, ip6 and inet (nft(8) "PRIORITY" table; RHEL nftables docs). */
const PRIORITY_NAMES: Readonly<Record<string, number>> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };
const BRIDGE_PRIORITY_NAMES: Readonly<Record<string, number>> = { dstnat: -300, filter: -200, out: 100, srcnat: 300 };

/** `0`, `-100`, `filter`, `filter + 10`, `mangle - 5`. */
export function parsePriority(text: string, family: NetfilterFamily): number | null {
  const compact = text.replace(/\s+/gu, "");
  if (/^-?\d+$/u.test(compact)) return Number(compact);
  const m = /^([a-z]+)(?:([+-])(\d+))?$/u.exec(compact);
  if (!m) return null;
  const names = family === "bridge" ? BRIDGE_PRIORITY_NAMES : PRIORITY_NAMES;
  const base = names[m[1]!];
  if (base === undefined) return null;
  const delta = m[3] === undefined ? 0 : Number(m[3]) * (m[2] === "-" ? -1 : 1);
  return base + delta;
}

export { atomText };
