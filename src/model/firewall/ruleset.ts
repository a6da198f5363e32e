import type { SourceLocation } from "../source.js";
import type { AddressRange, IpFamily } from "./addresses.js";

/**
 * The normalized firewall model. Every dump format maps onto one of three shapes:
 *
 * - `netfilter`: tables of chains of rules, evaluated the way the kernel walks them. iptables-save,
 *   `iptables -nvL` listings, `nft list ruleset` text and `nft -j` JSON all land here: an iptables
 *   table's built-in chains are base chains with the hook and priority xtables registers them at
 *   (iptables etc/xtables.conf: raw -300, mangle -150, dstnat -100, filter 0, security 50, srcnat 100),
 *   so one evaluator serves both.
 * - `firewalld`: zones (services, ports, sources, interfaces, rich rules, target).
 * - `security-groups`: OpenStack Neutron security-group rules, a stateful allow-list.
 *
 * Anything a parser could not map stays in the model as text (`not-understood` steps and
 * verdicts) so that the evaluator can say "unknown because of X at line N" instead of guessing.
 */
export type FirewallRuleset = NetfilterRuleset | FirewalldRuleset | SecurityGroupRuleset;

export type PacketFamily = IpFamily;

// ---------------------------------------------------------------------------------------------
// netfilter (iptables and nftables)

export type NetfilterHook = "prerouting" | "input" | "forward" | "output" | "postrouting" | "ingress" | "egress";
export type NetfilterFamily = "ip" | "ip6" | "inet" | "arp" | "bridge" | "netdev";
export type NetfilterFormat = "iptables-save" | "iptables-list" | "nft" | "nft-json";

export interface NetfilterRuleset {
  readonly kind: "netfilter";
  readonly format: NetfilterFormat;
  readonly file: string;
  /**
   * The packet families this dump decides. An iptables dump covers one family (ip6tables is a
   * separate ruleset); an nft ruleset covers both (a family without tables is not filtered).
   */
  readonly families: readonly PacketFamily[];
  readonly tables: readonly NetfilterTable[];
}

export interface NetfilterTable {
  readonly family: NetfilterFamily;
  readonly name: string;
  readonly location: SourceLocation;
  readonly chains: readonly NetfilterChain[];
  readonly sets: readonly NamedSet[];
}

export interface NetfilterChain {
  readonly name: string;
  readonly location: SourceLocation;
  /** Set for base chains (nft `type … hook … priority …`, iptables built-in chains). */
  readonly base: BaseChainSpec | null;
  readonly rules: readonly NetfilterRule[];
}

export interface BaseChainSpec {
  /** `filter`, `nat`, `route` (nft chain type; the iptables table name's type). */
  readonly type: string;
  readonly hook: NetfilterHook;
  readonly priority: number;
  readonly policy: "accept" | "drop";
  /** The policy's own text (`policy drop;`, `:INPUT DROP [0:0]`), or the chain header when implicit. */
  readonly policyLocation: SourceLocation;
  /** netdev ingress chains are bound to a device. */
  readonly device?: string;
}

export interface NamedSet {
  readonly name: string;
  readonly location: SourceLocation;
  /** The set's key type as written (`ipv4_addr`, `inet_service`, …). */
  readonly keyType: string;
  /** Elements, or null when the dump cannot tell (dynamic sets, elements not listed, unparsed). */
  readonly elements: SetElements | null;
  /** For verdict maps (`map … : verdict`): the verdict of each element, in element order. */
  readonly verdicts?: readonly SimpleVerdict[];
  /** Why `elements` is null. */
  readonly unknownReason?: string;
}

export type SetElements =
  | { readonly kind: "addresses"; readonly ranges: readonly AddressRange[] }
  | { readonly kind: "numbers"; readonly ranges: readonly NumberRange[] }
  | { readonly kind: "interfaces"; readonly names: readonly InterfacePattern[] }
  | { readonly kind: "ct-states"; readonly states: readonly string[] };

export interface NumberRange {
  readonly first: number;
  readonly last: number;
}

/** An interface name; `wildcard` for iptables `eth+` / nft `"eth*"` (prefix match). */
export interface InterfacePattern {
  readonly name: string;
  readonly wildcard: boolean;
}

/** What a match compares against. */
export type MatchValue =
  | SetElements
  /** A named nft set of the same table (`@trusted`). */
  | { readonly kind: "set-ref"; readonly name: string }
  /** An ipset (`-m set --match-set NAME src`): its contents are never in the dump. */
  | { readonly kind: "ipset"; readonly name: string }
  /** `(field & mask) == value` (marks, TCP flags). `legacyFlags`: nft `tcp flags a,b` without a mask. */
  | { readonly kind: "bits"; readonly mask: number; readonly value: number; readonly legacyFlags?: boolean };

export type MatchField =
  | "saddr"
  | "daddr"
  /** The layer-4 protocol number (iptables `-p`, nft `meta l4proto`, `ip protocol`, `ip6 nexthdr`). */
  | "l4proto"
  | "sport"
  | "dport"
  | "iif"
  | "oif"
  | "ct-state"
  /** The packet family (nft `meta nfproto`). */
  | "nfproto"
  | "tcp-flags"
  | "mark";

export interface Match {
  readonly field: MatchField;
  readonly negate: boolean;
  readonly value: MatchValue;
  /**
   * Protocols the packet must carry for the match to apply at all (`tcp dport` needs TCP, `th
   * dport` TCP/UDP/…): when the packet's protocol is not in the list the rule does not match, even
   * with `!=` — nft adds this as an implicit `meta l4proto` dependency, iptables needs `-p tcp`.
   */
  readonly requiresProtocols?: readonly number[];
  /** `ip saddr` in an inet table only applies to IPv4 packets (implicit `meta nfproto ipv4`). */
  readonly requiresFamily?: PacketFamily;
  /** As written, for messages. */
  readonly text: string;
  readonly location: SourceLocation;
}

export type RuleStep =
  | { readonly kind: "match"; readonly match: Match }
  /** `meta mark set 0x1`, `-j MARK --set-mark 1`; `value` null when computed from the packet. */
  | { readonly kind: "set-mark"; readonly value: number | null; readonly text: string; readonly location: SourceLocation }
  /** `notrack`, `-j CT --notrack`: the packet becomes untracked (`ct state untracked` from then on). */
  | { readonly kind: "notrack"; readonly text: string; readonly location: SourceLocation }
  /** An expression or statement the parser could not map: reaching it makes the verdict unknown. */
  | { readonly kind: "not-understood"; readonly text: string; readonly location: SourceLocation };

export type SimpleVerdict =
  /** `label`: a target that accepts under another name (SNAT, MASQUERADE return NF_ACCEPT). */
  | { readonly kind: "accept"; readonly label?: string }
  | { readonly kind: "drop" }
  | { readonly kind: "reject"; readonly with?: string }
  | { readonly kind: "return" }
  | { readonly kind: "continue" }
  | { readonly kind: "jump"; readonly chain: string }
  | { readonly kind: "goto"; readonly chain: string };

export type RuleVerdict =
  | SimpleVerdict
  /** nft `ct state vmap { established : accept, … }`: the key's value picks the verdict. */
  | {
      readonly kind: "vmap";
      readonly key: Omit<Match, "negate" | "value">;
      readonly entries: readonly { readonly value: MatchValue; readonly verdict: SimpleVerdict }[];
    }
  /** A named verdict map (`vmap @name`). */
  | { readonly kind: "vmap-ref"; readonly key: Omit<Match, "negate" | "value">; readonly name: string }
  /** A terminal action the evaluator does not model (QUEUE, DNAT, an unknown target, …). */
  | { readonly kind: "not-understood"; readonly text: string };

export interface NetfilterRule {
  /** The whole rule (one line for iptables and nft text, the rule object for JSON). */
  readonly location: SourceLocation;
  readonly text: string;
  /** Matches and statements in evaluation order. */
  readonly steps: readonly RuleStep[];
  /** null: the rule has no verdict (LOG, counter, no `-j`): evaluation continues. */
  readonly verdict: RuleVerdict | null;
  readonly comment?: string;
  /** False when a step or the verdict is `not-understood`. */
  readonly understood: boolean;
}

// ---------------------------------------------------------------------------------------------
// firewalld

export type FirewalldFormat = "firewalld-zone-xml" | "firewalld-list-all-zones";

export interface FirewalldRuleset {
  readonly kind: "firewalld";
  readonly format: FirewalldFormat;
  readonly file: string;
  readonly zones: readonly FirewalldZone[];
  /** Known from `firewall-cmd --list-all-zones` (`public (default, active)`) or firewalld.conf. */
  readonly defaultZone: { readonly name: string; readonly location: SourceLocation } | null;
  /** Service definitions found in the inputs (`/etc/firewalld/services/*.xml`); they override built-ins. */
  readonly services: readonly FirewalldService[];
}

export interface Located<T> {
  readonly value: T;
  readonly location: SourceLocation;
}

export interface FirewalldPort {
  readonly ports: NumberRange;
  readonly protocol: string;
  readonly location: SourceLocation;
}

export interface FirewalldZone {
  readonly name: string;
  readonly location: SourceLocation;
  /** `default` (reject, ICMP allowed), `ACCEPT`, `DROP`, `%%REJECT%%`. */
  readonly target: string;
  readonly targetLocation: SourceLocation;
  readonly interfaces: readonly Located<string>[];
  readonly sources: readonly FirewalldSource[];
  readonly services: readonly Located<string>[];
  readonly ports: readonly FirewalldPort[];
  readonly protocols: readonly Located<string>[];
  readonly sourcePorts: readonly FirewalldPort[];
  /** `<forward-port>`: DNAT before filtering; a packet to one of these ports is not modelled. */
  readonly forwardPorts: readonly FirewalldPort[];
  readonly richRules: readonly RichRule[];
}

export interface FirewalldSource {
  readonly address?: AddressRange;
  /** ipset or MAC sources: the packet's membership cannot be decided from a dump. */
  readonly other?: string;
  readonly text: string;
  readonly location: SourceLocation;
}

export interface FirewalldService {
  readonly name: string;
  readonly ports: readonly { readonly ports: NumberRange; readonly protocol: string }[];
  readonly protocols: readonly string[];
  readonly destinations: readonly AddressRange[];
  readonly includes: readonly string[];
  /** Where the definition came from: a file in the inputs, or the built-in table. */
  readonly origin: SourceLocation | "built-in";
}

export type RichRuleElement =
  | { readonly kind: "service"; readonly name: string }
  | { readonly kind: "port"; readonly ports: NumberRange; readonly protocol: string }
  | { readonly kind: "protocol"; readonly protocol: string }
  | { readonly kind: "source-port"; readonly ports: NumberRange; readonly protocol: string }
  /** DNAT of matching packets: their fate is decided elsewhere (not modelled). */
  | { readonly kind: "forward-port"; readonly ports: NumberRange; readonly protocol: string }
  /** ICMP-only elements (icmp-block, icmp-type): never a TCP/UDP packet. */
  | { readonly kind: "icmp"; readonly name: string }
  | { readonly kind: "other"; readonly name: string };

export interface RichRuleAddress {
  readonly address?: AddressRange;
  readonly other?: string;
  readonly invert: boolean;
  readonly text: string;
}

export interface RichRule {
  readonly location: SourceLocation;
  readonly text: string;
  readonly family?: PacketFamily;
  readonly priority: number;
  readonly source?: RichRuleAddress;
  readonly destination?: RichRuleAddress;
  readonly element?: RichRuleElement;
  /** `accept`, `reject`, `drop`, `mark`, or none (log/audit only). */
  readonly action?: "accept" | "reject" | "drop" | "mark";
  /** Why the rule could not be read, when it could not. */
  readonly notUnderstood?: string;
}

// ---------------------------------------------------------------------------------------------
// OpenStack security groups

export interface SecurityGroupRuleset {
  readonly kind: "security-groups";
  readonly format: "openstack-security-group-rules";
  readonly file: string;
  readonly rules: readonly SecurityGroupRule[];
}

export interface SecurityGroupRule {
  readonly location: SourceLocation;
  readonly id?: string;
  /** null when the listing does not say (old clients print Direction only with --long). */
  readonly direction: "ingress" | "egress" | null;
  /** null when the listing does not say. */
  readonly ethertype: PacketFamily | null;
  /** Protocol number; "any" for a null protocol; null when unreadable. */
  readonly protocol: number | "any" | null;
  /** null: every port. */
  readonly ports: NumberRange | null;
  /** null: any address (unless a remote group restricts it). */
  readonly remoteIpPrefix: AddressRange | null;
  readonly remoteGroup: string | null;
  readonly remoteAddressGroup: string | null;
  readonly securityGroup?: string;
  /** Why a field could not be read, when one could not. */
  readonly problem?: string;
}

// ---------------------------------------------------------------------------------------------
// helpers shared by the parsers

/** xtables' built-in chains: hook and priority per (table, chain) (iptables etc/xtables.conf). */
export const XTABLES_BUILTIN_CHAINS: Readonly<Record<string, Readonly<Record<string, { hook: NetfilterHook; priority: number }>>>> = {
  raw: { PREROUTING: { hook: "prerouting", priority: -300 }, OUTPUT: { hook: "output", priority: -300 } },
  mangle: {
    PREROUTING: { hook: "prerouting", priority: -150 },
    INPUT: { hook: "input", priority: -150 },
    FORWARD: { hook: "forward", priority: -150 },
    OUTPUT: { hook: "output", priority: -150 },
    POSTROUTING: { hook: "postrouting", priority: -150 },
  },
  nat: {
    PREROUTING: { hook: "prerouting", priority: -100 },
    INPUT: { hook: "input", priority: 100 },
    OUTPUT: { hook: "output", priority: -100 },
    POSTROUTING: { hook: "postrouting", priority: 100 },
  },
  filter: {
    INPUT: { hook: "input", priority: 0 },
    FORWARD: { hook: "forward", priority: 0 },
    OUTPUT: { hook: "output", priority: 0 },
  },
  security: {
    INPUT: { hook: "input", priority: 50 },
    FORWARD: { hook: "forward", priority: 50 },
    OUTPUT: { hook: "output", priority: 50 },
  },
};

/** Protocol numbers by name (the names iptables and nft print; /etc/protocols). */
export const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1,
  igmp: 2,
  ipencap: 4,
  tcp: 6,
  egp: 8,
  udp: 17,
  ipv6: 41,
  "ipv6-route": 43,
  "ipv6-frag": 44,
  rsvp: 46,
  gre: 47,
  esp: 50,
  ah: 51,
  "ipv6-icmp": 58,
  icmpv6: 58,
  "ipv6-nonxt": 59,
  "ipv6-opts": 60,
  ospf: 89,
  vrrp: 112,
  l2tp: 115,
  sctp: 132,
  udplite: 136,
  dccp: 33,
  mh: 135,
  comp: 108,
};

/** Protocols with ports, for `th dport` and Neutron port ranges. */
export const PORT_PROTOCOLS: readonly number[] = [6, 17, 33, 132, 136];

export function protocolNumber(text: string): number | null {
  const lower = text.toLowerCase();
  if (/^\d{1,3}$/u.test(lower)) {
    const n = Number(lower);
    return n <= 255 ? n : null;
  }
  return PROTOCOL_NUMBERS[lower] ?? null;
}

export function ruleIsUnderstood(steps: readonly RuleStep[], verdict: RuleVerdict | null): boolean {
  return steps.every((s) => s.kind !== "not-understood") && verdict?.kind !== "not-understood";
}
