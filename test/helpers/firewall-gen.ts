/**
 * A seeded random generator of INPUT-path firewall rulesets, in iptables-save and in nft syntax,
 * for the kernel differential test (test/system/firewall-kernel.test.ts): every ruleset loads
 * into a real kernel (jumps form a DAG, `iif` names only devices that exist in the lab) and uses
 * only what stacklint's evaluator models, so the kernel and stacklint must agree on every packet.
 *
 * The lab the rulesets are written for (see test/system/drivers/netns-lab.ts): the server's
 * interface is `vsrv0` with 10.200.1.1/24 and 10.200.2.1/24 (and their IPv6 images, see
 * `toIpv6`), clients connect from the addresses in LAB_SOURCES to the ports in GEN_PORTS (each
 * has a listener).
 */

export const LAB_SERVER_IF = "vsrv0";
export const LAB_DESTINATIONS = ["10.200.1.1", "10.200.2.1"] as const;
export const LAB_SOURCES = ["10.200.1.2", "10.200.1.77", "10.200.2.2", "10.200.2.200"] as const;
/**
 * The IPv6 image of a lab IPv4 address or prefix, with the same subnet structure: 10.200.C.D/P
 * becomes fd00:200:C::D (D in hex) with P mapped so that the same lab sources match, 10.0.0.0/8
 * becomes fd00::/16 (it contains the lab) and 192.0.2.0/24 (outside the lab) 2001:db8:2::/48.
 */
export function toIpv6(text: string): string {
  const [address, prefixText] = text.split("/");
  const octets = address!.split(".").map(Number);
  const prefix = prefixText === undefined ? null : Number(prefixText);
  if (octets[0] === 192) return `2001:db8:2::${octets[3]!.toString(16)}${prefix === null ? "" : `/${prefix + 24}`}`;
  if (octets[1] !== 200) return `fd00::${prefix === null ? "" : `/${prefix * 2}`}`;
  const host = octets[3]!.toString(16);
  const v6 = octets[3] === 0 ? `fd00:200:${octets[2]!.toString(16)}::` : `fd00:200:${octets[2]!.toString(16)}::${host}`;
  if (prefix === null) return v6;
  if (prefix === 16) return "fd00:200::/40";
  return `${v6}/${prefix <= 24 ? 24 + prefix : 96 + prefix}`;
}

export const LAB_DESTINATIONS6 = LAB_DESTINATIONS.map((a) => toIpv6(a));
export const LAB_SOURCES6 = LAB_SOURCES.map((a) => toIpv6(a));

/** Ports the generator's rules are about; the listener also serves the fixtures' ports. */
export const GEN_PORTS = [22, 80, 11211, 11212, 20005] as const;

export type GenSyntax = "iptables" | "nft";

export interface GeneratedRuleset {
  readonly syntax: GenSyntax;
  readonly seed: number;
  readonly text: string;
}

/** mulberry32: small, fast, and the same sequence on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rand {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** 1..max distinct items, in the order given. */
  some<T>(items: readonly T[], max: number): T[] {
    const n = this.int(1, Math.min(max, items.length));
    const chosen = new Set<T>();
    while (chosen.size < n) chosen.add(this.pick(items));
    return items.filter((i) => chosen.has(i));
  }
}

// Values that split the lab's packets in different ways.
const ADDRESSES = [
  "10.200.1.0/24",
  "10.200.2.0/24",
  "10.200.0.0/16",
  "10.200.1.2",
  "10.200.2.200",
  "10.200.1.64/26",
  "10.200.2.128/25",
  "192.0.2.0/24",
  "10.0.0.0/8",
] as const;
const ADDRESS_RANGES = ["10.200.1.2-10.200.1.80", "10.200.2.100-10.200.2.250", "10.200.1.70-10.200.2.10"] as const;
const DEST_ADDRESSES = ["10.200.1.1", "10.200.2.1", "10.200.1.0/24", "10.200.2.0/24", "10.200.0.0/16"] as const;
type Port = number | readonly [number, number];
const PORTS: readonly Port[] = [22, 80, 443, 11211, 11212, 20005, [11211, 11212], [20000, 20010], [1, 1024], [11000, 12000], [11212, 20005], [0, 1024], [11212, 65535]];
const CT_STATES = ["new", "established", "related", "invalid", "untracked"] as const;
const INTERFACES = [
  { name: LAB_SERVER_IF, wildcard: false },
  { name: "vsrv", wildcard: true },
  { name: "eth0", wildcard: false },
  { name: "lo", wildcard: false },
  { name: "v", wildcard: true },
  { name: "vsrv1", wildcard: false },
  // `-i +` / `iifname "*"`: every interface.
  { name: "", wildcard: true },
] as const;

type GenMatch =
  | { kind: "saddr" | "daddr"; negate: boolean; values: string[] }
  | { kind: "proto"; negate: boolean; protos: ("tcp" | "udp")[] }
  | { kind: "dport"; negate: boolean; ports: Port[]; viaTh: boolean }
  | { kind: "iif"; negate: boolean; name: string; wildcard: boolean; exact: boolean }
  | { kind: "ct"; negate: boolean; states: string[]; legacyState: boolean }
  | { kind: "syn"; negate: boolean; variant: number }
  | { kind: "mark"; negate: boolean; value: number; mask?: number }
  | { kind: "iifset"; negate: boolean; names: string[] };

type GenVerdict =
  | { kind: "accept" | "drop" | "return" | "log" | "none" }
  | { kind: "reject"; with: "default" | "tcp-reset" | "host-prohibited" | "admin-prohibited" | "port-unreachable" }
  | { kind: "jump" | "goto"; chain: string }
  /** nft only (iptables renders `continue` as no target). */
  | { kind: "continue" }
  /** nft verdict map on one key; `named`: a `map` of the table instead of an anonymous one. */
  | { kind: "vmap"; key: "dport" | "saddr" | "ct"; entries: [string, GenVerdict][]; named: boolean };

interface GenRule {
  matches: GenMatch[];
  verdict: GenVerdict;
  comment?: string;
  counter: boolean;
  /** `meta mark set` (nft) / `-j MARK --set-mark` (iptables mangle) before the verdict. */
  setMark?: number;
}

interface GenChain {
  name: string;
  rules: GenRule[];
}

function genMatches(r: Rand, syntax: GenSyntax): GenMatch[] {
  const matches: GenMatch[] = [];
  const n = r.int(0, 3);
  const kinds = new Set<string>();
  for (let i = 0; i < n; i++) {
    const kind = r.pick(["saddr", "saddr", "daddr", "proto", "dport", "dport", "dport", "iif", "ct", "syn", "mark", "iifset"] as const);
    if (kinds.has(kind)) continue;
    kinds.add(kind);
    switch (kind) {
      case "saddr":
      case "daddr": {
        const pool = kind === "saddr" ? [...ADDRESSES, ...ADDRESS_RANGES] : [...DEST_ADDRESSES];
        // iptables: one address or prefix per rule (`-s a,b` is expanded into several rules by iptables).
        const values = syntax === "nft" && r.chance(0.35) ? r.some(pool, 3) : [r.pick(pool)];
        matches.push({ kind, negate: r.chance(0.3), values });
        break;
      }
      case "proto":
        matches.push({ kind, negate: r.chance(0.25), protos: syntax === "nft" && r.chance(0.3) ? ["tcp", "udp"] : [r.chance(0.8) ? "tcp" : "udp"] });
        break;
      case "dport": {
        const ports = r.chance(0.4) ? r.some(PORTS, 4) : [r.pick(PORTS)];
        matches.push({ kind, negate: r.chance(0.25), ports, viaTh: syntax === "nft" && r.chance(0.25) });
        break;
      }
      case "iif": {
        // nft refuses an all-wildcard name ("*"); iptables' `-i +` is fine.
        const iface = r.pick(syntax === "nft" ? INTERFACES.filter((i) => i.name !== "") : INTERFACES);
        // nft `iif` resolves the name to an index at load time: only devices of the lab.
        const exact = syntax === "nft" && !iface.wildcard && (iface.name === LAB_SERVER_IF || iface.name === "lo") && r.chance(0.4);
        matches.push({ kind, negate: r.chance(0.3), name: iface.name, wildcard: iface.wildcard, exact });
        break;
      }
      case "ct":
        matches.push({ kind, negate: r.chance(0.2), states: r.some(CT_STATES, 2), legacyState: r.chance(0.4) });
        break;
      case "syn":
        matches.push({ kind, negate: r.chance(0.2), variant: r.int(0, 2) });
        break;
      case "mark":
        matches.push({ kind, negate: r.chance(0.3), value: r.pick([0, 1, 2, 0x10]), ...(r.chance(0.3) ? { mask: 0xff } : {}) });
        break;
      case "iifset":
        if (syntax === "nft") matches.push({ kind, negate: r.chance(0.3), names: r.some(["lo", LAB_SERVER_IF, "eth0", "vsrv*"], 2) });
        break;
    }
  }
  return matches;
}

function simpleVerdict(r: Rand, laterChains: readonly string[]): GenVerdict {
  const roll = r.int(0, 9);
  if (roll < 3) return { kind: "accept" };
  if (roll < 5) return { kind: "drop" };
  // (a verdict map cannot hold reject)
  if (roll < 7) return { kind: "continue" };
  if (roll < 8 || laterChains.length === 0) return { kind: "return" };
  return { kind: r.chance(0.5) ? "jump" : "goto", chain: r.pick(laterChains) };
}

function genVerdict(r: Rand, laterChains: readonly string[], isBase: boolean, syntax: GenSyntax): GenVerdict {
  if (syntax === "nft" && r.chance(0.08)) {
    const key = r.pick(["dport", "saddr", "ct"] as const);
    const pool = key === "dport" ? PORTS.map(nftPort) : key === "saddr" ? [...ADDRESSES, ...ADDRESS_RANGES] : [...CT_STATES];
    // Overlapping keys cannot load in one map: take values that do not intersect.
    const values = r.some(key === "dport" ? ["22", "80", "11211", "11212", "20000-20010", "443"] : key === "saddr" ? ["10.200.1.0/26", "10.200.1.64/26", "10.200.2.0/25", "10.200.2.200", "192.0.2.0/24"] : pool, 3);
    return { kind: "vmap", key, entries: values.map((v) => [v, simpleVerdict(r, laterChains)]), named: r.chance(0.4) };
  }
  if (syntax === "nft" && r.chance(0.04)) return { kind: "continue" };
  // RETURN in a base chain applies the policy.
  if (isBase && r.chance(0.03)) return { kind: "return" };
  const roll = r.int(0, 99);
  if (roll < 22) return { kind: "accept" };
  if (roll < 38) return { kind: "drop" };
  if (roll < 52) return { kind: "reject", with: r.pick(["default", "tcp-reset", "host-prohibited", "admin-prohibited", "port-unreachable"] as const) };
  if (roll < 62 && !isBase) return { kind: "return" };
  if (roll < 70) return { kind: r.chance(0.5) ? "log" : "none" };
  if (laterChains.length > 0) return { kind: roll < 88 ? "jump" : "goto", chain: r.pick(laterChains) };
  return { kind: "accept" };
}

function genChains(r: Rand, syntax: GenSyntax, baseName: string, prefix: string): GenChain[] {
  const userCount = r.int(0, 3);
  const names = [baseName, ...Array.from({ length: userCount }, (_, i) => `${prefix}${i + 1}`)];
  return names.map((name, index) => {
    const later = names.slice(index + 1);
    const rules: GenRule[] = [];
    for (let k = r.int(index === 0 ? 1 : 0, 6); k > 0; k--) {
      rules.push({
        matches: genMatches(r, syntax),
        verdict: genVerdict(r, later, index === 0, syntax),
        ...(r.chance(0.2) ? { comment: r.pick(["memcached clients", "ssh from admins", 'say "hi"', "swift proxy -> cache", "x"]) } : {}),
        counter: r.chance(0.3),
        ...(syntax === "nft" && r.chance(0.08) ? { setMark: r.pick([1, 2, 0x10]) } : {}),
      });
    }
    return { name, rules };
  });
}

// ---------------------------------------------------------------------------------------------
// iptables-save

/** `--dport :1024` and `--dport 11212:` are iptables' open-ended ranges (single --dport only). */
function iptPort(p: Port, openEnded = false): string {
  if (typeof p === "number") return String(p);
  if (openEnded && p[0] === 0) return `:${p[1]}`;
  if (openEnded && p[1] === 65535) return `${p[0]}:`;
  return `${p[0]}:${p[1]}`;
}

function iptQuote(text: string): string {
  return `"${text.replace(/"/gu, '\\"')}"`;
}

function iptMatches(r: Rand, rule: GenRule): string[] {
  const parts: string[] = [];
  const proto = rule.matches.find((m) => m.kind === "proto");
  const needsTcp = rule.matches.some((m) => m.kind === "dport" || m.kind === "syn");
  // `-p 6` and `-p tcp` are the same match.
  const protoText = (name: string) => (name === "tcp" && r.chance(0.2) ? "6" : name);
  if (proto && proto.kind === "proto") {
    parts.push(`${proto.negate ? "! " : ""}-p ${protoText(proto.protos[0]!)}`);
  } else if (needsTcp) {
    parts.push("-p tcp");
  }
  const negatedProto = proto?.kind === "proto" && proto.negate;
  for (const m of rule.matches) {
    const not = "negate" in m && m.negate ? "! " : "";
    switch (m.kind) {
      case "saddr":
      case "daddr": {
        const value = m.values[0]!;
        if (value.includes("-")) parts.push(`-m iprange ${not}--${m.kind === "saddr" ? "src" : "dst"}-range ${value}`);
        else if (value.endsWith("/24") && r.chance(0.3)) parts.push(`${not}-${m.kind === "saddr" ? "s" : "d"} ${value.slice(0, -3)}/255.255.255.0`);
        else parts.push(`${not}-${m.kind === "saddr" ? "s" : "d"} ${value}`);
        break;
      }
      case "proto":
        break;
      case "dport": {
        // `! -p tcp --dport` cannot load (the tcp match needs -p tcp): such rules use multiport with -p udp.
        if (negatedProto) break;
        const protoName = proto?.kind === "proto" ? proto.protos[0] : "tcp";
        if (m.ports.length > 1 || r.chance(0.3)) parts.push(`-m multiport ${not}--dports ${m.ports.map((p) => iptPort(p)).join(",")}`);
        else parts.push(`-m ${protoName} ${not}--dport ${iptPort(m.ports[0]!, r.chance(0.7))}`);
        break;
      }
      case "iif":
        parts.push(`${not}-i ${m.name}${m.wildcard ? "+" : ""}`);
        break;
      case "ct": {
        const states = m.states.map((s) => s.toUpperCase()).join(",");
        // the old state match has no UNTRACKED in older kernels' sense but xt_state accepts it.
        parts.push(m.legacyState ? `-m state ${not}--state ${states}` : `-m conntrack ${not}--ctstate ${states}`);
        break;
      }
      case "syn":
        if (negatedProto || (proto?.kind === "proto" && proto.protos[0] !== "tcp")) break;
        parts.push(m.variant === 0 ? `${not}--syn` : m.variant === 1 ? `-m tcp ${not}--tcp-flags FIN,SYN,RST,ACK SYN` : `-m tcp ${not}--tcp-flags SYN,ACK ACK`);
        break;
      case "mark":
        parts.push(`-m mark ${not}--mark 0x${m.value.toString(16)}${m.mask === undefined ? "" : `/0x${m.mask.toString(16)}`}`);
        break;
      case "iifset":
        break;
    }
  }
  // `--syn` needs `-m tcp` loaded: iptables loads it implicitly after `-p tcp`.
  if (rule.comment !== undefined) parts.push(`-m comment --comment ${iptQuote(rule.comment)}`);
  return parts;
}

/** REJECT --reject-with tcp-reset loads only in a rule that matches `-p tcp` (ipt_REJECT checkentry). */
function iptRejectFits(rule: GenRule): GenVerdict {
  const v = rule.verdict;
  if (v.kind !== "reject" || v.with !== "tcp-reset") return v;
  const proto = rule.matches.find((m) => m.kind === "proto");
  const tcp = proto?.kind === "proto" ? !proto.negate && proto.protos[0] === "tcp" : rule.matches.some((m) => m.kind === "dport" || m.kind === "syn");
  return tcp ? v : { kind: "reject", with: "default" };
}

function iptVerdict(v: GenVerdict): string {
  switch (v.kind) {
    case "accept":
      return "-j ACCEPT";
    case "drop":
      return "-j DROP";
    case "return":
      return "-j RETURN";
    case "log":
      return '-j LOG --log-prefix "gen: "';
    case "none":
      return "";
    case "reject":
      return v.with === "default" ? "-j REJECT" : `-j REJECT --reject-with ${v.with === "tcp-reset" ? "tcp-reset" : `icmp-${v.with}`}`;
    case "jump":
      return `-j ${v.chain}`;
    case "goto":
      return `-g ${v.chain}`;
    case "continue":
    case "vmap":
      return "";
  }
}

export function generateIptables(seed: number): GeneratedRuleset {
  const r = new Rand(seed);
  const chains = genChains(r, "iptables", "INPUT", "CHAIN");
  const lines = [`# generated by stacklint's firewall-gen, seed ${seed}`];
  if (r.chance(0.15)) {
    // raw PREROUTING (priority -300, before conntrack): CT --notrack makes `--ctstate UNTRACKED`
    // match later, and a state match here sees INVALID (no conntrack entry yet).
    lines.push("*raw", ":PREROUTING ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]");
    const rule: GenRule = { matches: genMatches(r, "iptables"), verdict: { kind: "none" }, counter: false };
    lines.push(["-A PREROUTING", ...iptMatches(r, rule), "-j CT --notrack"].join(" "));
    lines.push("COMMIT");
  }
  if (r.chance(0.3)) {
    // mangle PREROUTING and INPUT run before filter INPUT (priority -150): a DROP there is final
    // too, and MARK sets the mark that `-m mark` sees later.
    lines.push("*mangle", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]");
    for (let k = r.int(1, 3); k > 0; k--) {
      const chain = r.chance(0.4) ? "PREROUTING" : "INPUT";
      const rule: GenRule = { matches: genMatches(r, "iptables"), verdict: r.chance(0.3) ? { kind: "drop" } : { kind: "accept" }, counter: false };
      const target = r.chance(0.5) ? `-j MARK --set-mark 0x${r.pick([1, 2, 0x10]).toString(16)}` : iptVerdict(rule.verdict);
      lines.push([`-A ${chain}`, ...iptMatches(r, rule), target].filter((p) => p !== "").join(" "));
    }
    lines.push("COMMIT");
  }
  lines.push("*filter", `:INPUT ${r.chance(0.5) ? "DROP" : "ACCEPT"} [0:0]`, ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]");
  for (const chain of chains.slice(1)) lines.push(`:${chain.name} - [0:0]`);
  for (const chain of chains) {
    for (const rule of chain.rules) {
      const counters = rule.counter ? `[${r.int(0, 999)}:${r.int(0, 99999)}] ` : "";
      lines.push(counters + [`-A ${chain.name}`, ...iptMatches(r, rule), iptVerdict(iptRejectFits(rule))].filter((p) => p !== "").join(" "));
    }
  }
  lines.push("COMMIT");
  if (r.chance(0.15)) {
    // The security table's INPUT runs after filter (priority 50): reached only by what filter accepted.
    lines.push("*security", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]");
    for (let k = r.int(1, 2); k > 0; k--) {
      const rule: GenRule = { matches: genMatches(r, "iptables"), verdict: r.chance(0.5) ? { kind: "drop" } : { kind: "accept" }, counter: false };
      lines.push(["-A INPUT", ...iptMatches(r, rule), iptVerdict(rule.verdict)].filter((p) => p !== "").join(" "));
    }
    lines.push("COMMIT");
  }
  lines.push("");
  return { syntax: "iptables", seed, text: lines.join("\n") };
}

// ---------------------------------------------------------------------------------------------
// nft

function nftPort(p: Port): string {
  return typeof p === "number" ? String(p) : `${p[0]}-${p[1]}`;
}

function nftValues(values: readonly string[], sets: Map<string, string>, r: Rand, setType: string): string {
  if (values.length === 1 && !r.chance(0.15)) return values[0]!;
  if (r.chance(0.3)) {
    // A named set (interval flag: prefixes and ranges) instead of an anonymous one.
    const name = `s${sets.size + 1}`;
    sets.set(name, `\tset ${name} {\n\t\ttype ${setType}\n\t\tflags interval\n\t\tauto-merge\n\t\telements = { ${values.join(", ")} }\n\t}`);
    return `@${name}`;
  }
  return `{ ${values.join(", ")} }`;
}

function nftRule(r: Rand, rule: GenRule, sets: Map<string, string>, family: "ip" | "inet"): string {
  const parts: string[] = [];
  // `tcp dport` and `tcp flags` imply `meta l4proto tcp`: any other protocol match conflicts.
  const tcpOnly = rule.matches.some((m) => m.kind === "syn" || (m.kind === "dport" && !m.viaTh)) || (rule.verdict.kind === "vmap" && rule.verdict.key === "dport");
  for (const m of rule.matches) {
    if (m.kind === "proto" && tcpOnly && (m.negate || m.protos.length !== 1 || m.protos[0] !== "tcp")) continue;
    const op = "negate" in m && m.negate ? "!= " : "";
    switch (m.kind) {
      case "saddr":
      case "daddr":
        parts.push(`ip ${m.kind} ${op}${nftValues(m.values, sets, r, "ipv4_addr")}`);
        break;
      case "proto":
        // Numbers for names now and then: `meta l4proto 6`, `ip protocol 17`.
        const protos = m.protos.map((p) => (r.chance(0.2) ? String(p === "tcp" ? 6 : 17) : p));
        if (family === "ip" && protos.length === 1 && r.chance(0.3)) parts.push(`ip protocol ${op}${protos[0]}`);
        else parts.push(`meta l4proto ${op}${protos.length === 1 ? protos[0] : `{ ${protos.join(", ")} }`}`);
        break;
      case "dport": {
        const only = m.ports.length === 1 ? m.ports[0]! : null;
        if (only !== null && typeof only !== "number" && (only[0] === 0 || only[1] === 65535) && r.chance(0.6)) {
          // Relational forms: `tcp dport >= 11212`, `tcp dport < 1025`; negated by flipping the operator.
          const low = only[0] === 0;
          const operator = low ? (m.negate ? "> " : "<= ") : m.negate ? "< " : ">= ";
          parts.push(`${m.viaTh ? "th" : "tcp"} dport ${operator}${low ? only[1] : only[0]}`);
          break;
        }
        parts.push(`${m.viaTh ? "th" : "tcp"} dport ${op}${nftValues(m.ports.map(nftPort), sets, r, "inet_service")}`);
        break;
      }
        break;
      case "iif":
        parts.push(`${m.exact ? "iif" : "iifname"} ${op}"${m.name}${m.wildcard ? "*" : ""}"`);
        break;
      case "ct":
        parts.push(`ct state ${op}${m.states.length > 1 && r.chance(0.5) ? `{ ${m.states.join(", ")} }` : m.states.join(",")}`);
        break;
      case "syn":
        parts.push(
          [`tcp flags & (fin|syn|rst|ack) ${m.negate ? "!=" : "=="} syn`, `tcp flags ${op}syn / fin,syn,rst,ack`, `tcp flags ${m.negate ? "!= " : ""}ack / syn,ack`][m.variant]!,
        );
        break;
      case "mark":
        parts.push(m.mask === undefined ? `meta mark ${op}0x${m.value.toString(16)}` : `meta mark and 0x${m.mask.toString(16)} ${m.negate ? "!=" : "=="} 0x${m.value.toString(16)}`);
        break;
      case "iifset":
        parts.push(`${r.chance(0.3) ? "meta " : ""}iifname ${op}{ ${m.names.map((n) => `"${n}"`).join(", ")} }`);
        break;
    }
  }
  if (rule.counter) parts.push("counter");
  if (rule.setMark !== undefined) parts.push(`meta mark set 0x${rule.setMark.toString(16)}`);
  const v = rule.verdict;
  switch (v.kind) {
    case "accept":
    case "drop":
    case "return":
      parts.push(v.kind);
      break;
    case "log":
      parts.push('log prefix "gen: "');
      break;
    case "none":
      if (!rule.counter) parts.push("counter");
      break;
    case "reject":
      if (v.with === "default") parts.push("reject");
      else if (v.with === "tcp-reset" && rule.matches.some((m) => m.kind === "proto" && (m.negate || m.protos.includes("udp")))) parts.push("reject");
      else if (v.with === "tcp-reset") parts.push(family === "inet" && r.chance(0.5) ? "meta l4proto tcp reject with tcp reset" : "reject with tcp reset");
      else if (family === "inet") parts.push(`reject with icmpx type ${v.with === "host-prohibited" ? "host-unreachable" : v.with}`);
      else parts.push(`reject with icmp type ${v.with}`);
      break;
    case "jump":
    case "goto":
      parts.push(`${v.kind} ${v.chain}`);
      break;
    case "continue":
      parts.push("continue");
      break;
    case "vmap": {
      const keyText = { dport: "tcp dport", saddr: "ip saddr", ct: "ct state" }[v.key];
      const entries = v.entries.map(([value, verdict]) => `${value} : ${nftSimpleVerdict(verdict)}`).join(", ");
      if (v.named) {
        const name = `m${sets.size + 1}`;
        const type = { dport: "inet_service", saddr: "ipv4_addr", ct: "ct_state" }[v.key];
        sets.set(name, `\tmap ${name} {\n\t\ttype ${type} : verdict\n${v.key === "ct" ? "" : "\t\tflags interval\n"}\t\telements = { ${entries} }\n\t}`);
        parts.push(`${keyText} vmap @${name}`);
      } else {
        parts.push(`${keyText} vmap { ${entries} }`);
      }
      break;
    }
  }
  if (rule.comment !== undefined) parts.push(`comment "${rule.comment.replace(/"/gu, "'")}"`);
  return parts.join(" ");
}

/** A priority as a number or through nft's names (`raw`, `mangle`, `filter + 10`, `security`). */
function priorityText(priority: number, r: Rand): string {
  if (r.chance(0.5)) return String(priority);
  const named: Record<number, string> = { [-300]: "raw", [-150]: "mangle", [-5]: "filter - 5", 0: "filter", 10: "filter + 10", 50: "security", 100: "filter + 100" };
  return named[priority] ?? String(priority);
}

function nftSimpleVerdict(v: GenVerdict): string {
  if (v.kind === "jump" || v.kind === "goto") return `${v.kind} ${v.chain}`;
  return v.kind === "reject" ? "reject" : v.kind;
}

/** reject is valid in input, forward and output chains only: prerouting chains drop instead. */
function withoutReject(v: GenVerdict): GenVerdict {
  if (v.kind === "reject") return { kind: "drop" };
  if (v.kind === "vmap") return { ...v, entries: v.entries.map(([value, verdict]) => [value, withoutReject(verdict)]) };
  return v;
}

export function generateNft(seed: number): GeneratedRuleset {
  const r = new Rand(seed);
  const out = [`# generated by stacklint's firewall-gen, seed ${seed}`, "flush ruleset", ""];
  if (r.chance(0.15)) {
    // notrack before conntrack (priority raw, -300) makes `ct state untracked` match; at -150
    // conntrack has already run (priority -200) and notrack changes nothing. `ct state` before
    // conntrack sees invalid.
    const rule: GenRule = { matches: genMatches(r, "nft"), verdict: { kind: "none" }, counter: false };
    const rawSets = new Map<string, string>();
    const text = nftRule(r, rule, rawSets, "inet").replace(/ ?counter$/u, "");
    out.push("table inet raw {", ...rawSets.values(), "\tchain pre {", `\t\ttype filter hook prerouting priority ${r.chance(0.7) ? "raw" : "-150"}; policy accept;`, `\t\t${text}${text === "" ? "" : " "}notrack`, "\t}", "}", "");
  }
  // One to three tables, each with one base chain on input (or prerouting) at its own priority.
  const tableCount = r.int(1, 3);
  // Distinct priorities: the kernel's order among equal priorities is registration order.
  const priorities = [-300, -150, -5, 0, 10, 50, 100];
  for (let t = 0; t < tableCount; t++) {
    const family = r.chance(0.6) ? "inet" : "ip";
    const tableName = `t${t}`;
    const sets = new Map<string, string>();
    const hook = t > 0 && r.chance(0.2) ? "prerouting" : "input";
    const chains = genChains(r, "nft", "input", "c").map((c) => (hook === "input" ? c : { ...c, rules: c.rules.map((rule) => ({ ...rule, verdict: withoutReject(rule.verdict) })) }));
    const priority = priorities.splice(r.int(0, priorities.length - 1), 1)[0]!;
    const body: string[] = [];
    chains.forEach((chain, index) => {
      body.push(`\tchain ${chain.name} {`);
      if (index === 0) body.push(`\t\ttype filter hook ${hook} priority ${priorityText(priority, r)}; policy ${r.chance(0.6) ? "accept" : "drop"};`);
      for (const rule of chain.rules) {
        const effectiveFamily = family === "inet" ? "inet" : "ip";
        const text = nftRule(r, rule, sets, effectiveFamily);
        // A rule that rejects with TCP reset must be about TCP: nft adds that dependency itself.
        body.push(`\t\t${text}`);
      }
      body.push("\t}");
    });
    out.push(`table ${family} ${tableName} {`, ...sets.values(), ...body, "}", "");
  }
  return { syntax: "nft", seed, text: out.join("\n") };
}

export function generateRuleset(syntax: GenSyntax, seed: number): GeneratedRuleset {
  return syntax === "iptables" ? generateIptables(seed) : generateNft(seed);
}

const IPV4_TOKEN = /\b(\d{1,3}(?:\.\d{1,3}){3})(\/\d{1,2})?(?:-(\d{1,3}(?:\.\d{1,3}){3}))?/gu;

/**
 * The same ruleset for IPv6: addresses through `toIpv6`, IPv4-only words through their IPv6
 * counterparts (ip6tables REJECT types, nft `ip6 saddr`, `ip6 nexthdr`, `ipv6_addr`, `icmpv6`).
 * The structure (chains, jumps, ports, states, marks) stays, so the seed still names it.
 */
export function toIpv6Ruleset(generated: GeneratedRuleset): GeneratedRuleset {
  let text = generated.text.replace(/\/255\.255\.255\.0\b/gu, "/24").replace(IPV4_TOKEN, (_all, address: string, prefix: string | undefined, last: string | undefined) =>
    last !== undefined ? `${toIpv6(address)}-${toIpv6(last)}` : toIpv6(address + (prefix ?? "")),
  );
  if (generated.syntax === "iptables") {
    text = text
      .replace(/icmp-port-unreachable/gu, "icmp6-port-unreachable")
      .replace(/icmp-host-prohibited|icmp-admin-prohibited/gu, "icmp6-adm-prohibited");
  } else {
    text = text
      .replace(/\bip (saddr|daddr)\b/gu, "ip6 $1")
      .replace(/\bip protocol\b/gu, "ip6 nexthdr")
      .replace(/\bipv4_addr\b/gu, "ipv6_addr")
      .replace(/^table ip /gmu, "table ip6 ")
      .replace(/reject with icmp type (host-prohibited|admin-prohibited)/gu, "reject with icmpv6 type admin-prohibited")
      .replace(/reject with icmp type port-unreachable/gu, "reject with icmpv6 type port-unreachable");
  }
  return { ...generated, text: text.replace(/^# generated by (.*)$/mu, "# generated by $1, translated to IPv6") };
}
