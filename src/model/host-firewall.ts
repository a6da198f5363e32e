import { cidrContains, parseCidr, parseIp } from "../engine/ip.js";
import type { ParsedFirewallFile } from "../parsers/firewall/document.js";
import { mergeFirewalld } from "../parsers/firewall/firewalld.js";
import type { ParsedTopologyFile } from "../parsers/topology-document.js";
import type { CacheRoute, FirewallPath, MemcachedInstance, Host, HostFirewall, HostPathVerdict, HostRuleset, InterfaceAddress, RulesetVerdict } from "./deployment.js";
import { evaluate } from "./firewall/evaluate.js";
import type { Packet } from "./firewall/packet.js";
import { setDeciderFields } from "./firewall/packet.js";
import type { FirewalldRuleset, FirewalldService, FirewallRuleset, PacketFamily } from "./firewall/ruleset.js";
import type { SourceLocation } from "./source.js";

/**
 * The firewall of each host, as the kernel sees it, and the verdict for each cache route.
 *
 * Which dumps are separate rulesets and which are views of the same one:
 * - iptables-save output and `iptables -nvL` listings of the same family show the same xtables
 *   rules; the save output is exact, so listings are evaluated only when no save output of that
 *   family exists (each listing file is one table).
 * - `nft list ruleset` text and `nft -j list ruleset` JSON are the same ruleset; the text wins.
 * - nft and iptables dumps are both evaluated: with iptables-legacy both sets of hooks run, with
 *   iptables-nft the nft dump shows the xtables tables too and the verdicts agree. A packet passes
 *   only when every ruleset accepts it.
 * - firewalld: `firewall-cmd --list-all-zones` (the runtime state) wins over zone XML files,
 *   which are merged (/usr/lib/firewalld before /etc/firewalld) with service XML and
 *   firewalld.conf's DefaultZone.
 */
export function buildHostFirewalls(hosts: readonly Host[], firewallFiles: readonly ParsedFirewallFile[], topologyFiles: readonly ParsedTopologyFile[]): HostFirewall[] {
  const hostIds = new Set<string>([...firewallFiles.map((f) => f.hostId), ...topologyFiles.filter((f) => f.document.kind === "ip-addr").map((f) => f.hostId)]);
  const out: HostFirewall[] = [];
  for (const hostId of [...hostIds].sort()) {
    if (!hosts.some((h) => h.id === hostId)) continue;
    const files = firewallFiles.filter((f) => f.hostId === hostId).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    const interfaces: InterfaceAddress[] = [];
    for (const f of topologyFiles) {
      if (f.hostId !== hostId || f.document.kind !== "ip-addr") continue;
      for (const a of f.document.addresses) interfaces.push({ interface: a.interface, address: a.address, prefixLength: a.prefixLength, location: a.location });
    }
    out.push({ hostId, rulesets: hostRulesets(files), interfaces });
  }
  return out;
}

function hostRulesets(files: readonly ParsedFirewallFile[]): HostRuleset[] {
  const rulesets: HostRuleset[] = [];
  const of = (format: string) => files.flatMap((f) => (f.document.kind === "ruleset" && f.document.format === format ? [{ file: f.file, ruleset: f.document.ruleset }] : []));
  const saves = of("iptables-save");
  const listings = of("iptables-list");
  for (const s of saves) rulesets.push(hostRuleset(s.file, "iptables-save", s.ruleset, []));
  const savedFamilies = new Set(saves.flatMap((s) => familiesOf(s.ruleset)));
  for (const l of listings) {
    const family = familiesOf(l.ruleset)[0];
    const save = saves.find((s) => family !== undefined && familiesOf(s.ruleset).includes(family));
    if (save && savedFamilies.has(family!)) rulesets.find((r) => r.file === save.file)!.alsoSeenIn.push(l.file);
    else rulesets.push(hostRuleset(l.file, "iptables-list", l.ruleset, []));
  }
  const nftText = of("nft");
  const nftJson = of("nft-json");
  for (const n of nftText) rulesets.push(hostRuleset(n.file, "nft", n.ruleset, nftText.length === 1 ? nftJson.map((j) => j.file) : []));
  if (nftText.length === 0) for (const n of nftJson) rulesets.push(hostRuleset(n.file, "nft-json", n.ruleset, []));

  const listAll = of("firewalld-list-all-zones");
  const zoneFiles = of("firewalld-zone-xml");
  const services = files.flatMap((f) => (f.document.kind === "firewalld-service" && f.document.service ? [f.document.service] : []));
  const conf = files.find((f) => f.document.kind === "firewalld-conf");
  const defaultZone = conf?.document.kind === "firewalld-conf" ? conf.document.defaultZone : null;
  if (listAll.length > 0) {
    for (const l of listAll) rulesets.push(hostRuleset(l.file, "firewalld-list-all-zones", withFirewalld(l.ruleset as FirewalldRuleset, services, null), zoneFiles.map((z) => z.file)));
  } else if (zoneFiles.length > 0) {
    // /usr/lib/firewalld holds the defaults, /etc/firewalld the operator's copies: the latter win.
    const ordered = [...zoneFiles].sort((a, b) => Number(/(^|\/)etc\/firewalld\//u.test(a.file)) - Number(/(^|\/)etc\/firewalld\//u.test(b.file)) || (a.file < b.file ? -1 : 1));
    const merged = mergeFirewalld(ordered[0]!.file, ordered.map((z) => z.ruleset as FirewalldRuleset), { services, defaultZone });
    rulesets.push(hostRuleset(ordered[0]!.file, "firewalld-zone-xml", merged, ordered.slice(1).map((z) => z.file)));
  }
  for (const s of of("openstack-security-group-rules")) rulesets.push(hostRuleset(s.file, "openstack-security-group-rules", s.ruleset, []));
  return rulesets;
}

function withFirewalld(ruleset: FirewalldRuleset, services: readonly FirewalldService[], defaultZone: FirewalldRuleset["defaultZone"]): FirewalldRuleset {
  if (services.length === 0 && defaultZone === null) return ruleset;
  return mergeFirewalld(ruleset.file, [ruleset], { services, defaultZone });
}

function familiesOf(ruleset: FirewallRuleset): PacketFamily[] {
  return ruleset.kind === "netfilter" ? [...ruleset.families] : ["ipv4", "ipv6"];
}

function hostRuleset(file: string, format: string, ruleset: FirewallRuleset, alsoSeenIn: string[]): HostRuleset {
  const ruleCount =
    ruleset.kind === "netfilter"
      ? ruleset.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0)
      : ruleset.kind === "firewalld"
        ? ruleset.zones.reduce((n, z) => n + z.services.length + z.ports.length + z.richRules.length + z.sources.length, 0)
        : ruleset.rules.length;
  const entry = { file, format, families: familiesOf(ruleset), ruleCount, alsoSeenIn };
  Object.defineProperty(entry, "ruleset", { value: ruleset, enumerable: false });
  return entry as unknown as HostRuleset;
}

/** The packet of a new TCP connection, as seen on one side. */
export interface ConnectionPacket {
  readonly saddr: string | null;
  /** null: not known (a wildcard listener on a host whose addresses are not in the inputs). */
  readonly daddr: string | null;
  readonly dport: number;
  readonly protocol?: "tcp" | "udp";
  /** The family when neither address says it. */
  readonly family?: PacketFamily;
}

/**
 * The host's verdict on a packet it receives (`input`) or sends (`output`): every ruleset of the
 * packet's family must accept it. The interface is the one whose subnet holds the peer (the
 * source for input, the destination for output) when the host's addresses with prefixes are
 * known; a packet between two addresses of the same host travels over lo.
 */
export function hostVerdict(firewall: HostFirewall | undefined, hostId: string, hook: "input" | "output", connection: ConnectionPacket, sameHost: boolean): HostPathVerdict {
  const known = parseIp(connection.daddr ?? connection.saddr ?? "");
  const family: PacketFamily = known ? (known.family === 6 ? "ipv6" : "ipv4") : (connection.family ?? "ipv4");
  const peer = hook === "input" ? connection.saddr : connection.daddr;
  const iface = sameHost ? "lo" : peer === null ? null : interfaceFor(firewall?.interfaces ?? [], peer);
  const packet: Packet = {
    family,
    ...(connection.saddr !== null ? { saddr: connection.saddr } : {}),
    ...(connection.daddr !== null ? { daddr: connection.daddr } : {}),
    protocol: connection.protocol ?? "tcp",
    dport: connection.dport,
    hook,
    state: "new",
    viaLoopback: sameHost,
    ...(iface !== null ? (hook === "input" ? { iif: iface } : { oif: iface }) : {}),
  };
  const applicable = (firewall?.rulesets ?? []).filter((r) => r.families.includes(family));
  const rulesets: RulesetVerdict[] = applicable.map((r) => {
    const result = evaluate(r.ruleset, packet);
    return {
      file: r.file,
      format: r.format,
      verdict: result.verdict,
      path: result.path,
      ...setDeciderFields(result),
      notes: result.notes,
    };
  });
  if (rulesets.length === 0) return { hostId, hook, verdict: "none", decidedBy: null, rulesets, interface: iface };
  const blocking = rulesets.findIndex((r) => r.verdict === "drop" || r.verdict === "reject");
  if (blocking >= 0) return { hostId, hook, verdict: rulesets[blocking]!.verdict, decidedBy: blocking, rulesets, interface: iface };
  const unknown = rulesets.findIndex((r) => r.verdict === "unknown");
  if (unknown >= 0) return { hostId, hook, verdict: "unknown", decidedBy: unknown, rulesets, interface: iface };
  return { hostId, hook, verdict: "accept", decidedBy: null, rulesets, interface: iface };
}

/** The interface whose address prefix holds `peer`; null when no prefix decides it (or two do). */
export function interfaceFor(interfaces: readonly InterfaceAddress[], peer: string): string | null {
  const address = parseIp(peer);
  if (!address) return null;
  const names = new Set<string>();
  let best = -1;
  for (const i of interfaces) {
    if (i.prefixLength === null || i.interface === "lo") continue;
    const cidr = parseCidr(`${i.address}/${i.prefixLength}`);
    if (!cidr || !cidrContains(cidr, address)) continue;
    if (cidr.prefixLength > best) {
      best = cidr.prefixLength;
      names.clear();
    }
    if (cidr.prefixLength === best) names.add(i.interface);
  }
  return names.size === 1 ? [...names][0]! : null;
}

/**
 * Which source addresses a client host uses to reach `server`: the address on the interface
 * whose subnet holds the server (the longest prefix) when prefixes are known, else every address
 * of the host of the server's family. Empty when the host has none.
 */
export function sourceAddressesFor(host: Host | undefined, firewall: HostFirewall | undefined, server: string): string[] {
  const target = parseIp(server);
  if (!host || !target) return [];
  const sameFamily = host.addresses.filter((a) => parseIp(a)?.family === target.family);
  // The most specific connected route wins (as the kernel's longest-prefix match would).
  const onLink = (firewall?.interfaces ?? []).filter((i) => {
    if (i.prefixLength === null || i.interface === "lo") return false;
    const cidr = parseCidr(`${i.address}/${i.prefixLength}`);
    return cidr !== null && cidrContains(cidr, target);
  });
  const longest = Math.max(-1, ...onLink.map((i) => i.prefixLength!));
  const linked = [...new Set(onLink.filter((i) => i.prefixLength === longest).map((i) => i.address))].filter((a) => sameFamily.includes(a));
  return (linked.length > 0 ? linked : sameFamily).sort();
}

/**
 * For every cache route to a literal or resolved address: the server host's input verdict for
 * each source address the client host may use (or "any source outside the host" when none is
 * known), and the client host's output verdict. Routes to a host outside the inputs get the
 * client's output path only when the client host has a firewall; otherwise no entry.
 */
export function buildFirewallPaths(hosts: readonly Host[], firewalls: readonly HostFirewall[], routes: readonly CacheRoute[], instances: readonly MemcachedInstance[] = []): FirewallPath[] {
  const paths: FirewallPath[] = [];
  const firewallOf = (hostId: string | null) => (hostId === null ? undefined : firewalls.find((f) => f.hostId === hostId));
  const hasRules = (hostId: string | null) => (firewallOf(hostId)?.rulesets.length ?? 0) > 0;
  for (const route of routes) {
    const serverAddress = route.address ?? (route.server.host !== null && parseIp(route.server.host) ? route.server.host : null);
    if (serverAddress === null || route.server.family === "unix") continue;
    if (!hasRules(route.hostId) && !hasRules(route.clientHostId)) continue;
    const sameHost = route.hostId !== null && route.hostId === route.clientHostId;
    // A port Docker publishes from a bridged network is DNATed in prerouting and filtered in
    // FORWARD (DOCKER-USER), not on the input path: that walk would not be the kernel's.
    const reached = instances.filter((i) => route.status === "listening" && route.instanceIds.includes(i.id));
    const published = !sameHost && reached.length > 0 && reached.every((i) => i.container !== undefined && i.container.networkMode !== "host");
    const clientHost = hosts.find((h) => h.id === route.clientHostId);
    const sources: (string | null)[] = sameHost ? [serverAddress] : sourceAddressesFor(clientHost, firewallOf(route.clientHostId), serverAddress);
    if (sources.length === 0) sources.push(null);
    for (const source of sources) {
      const connection: ConnectionPacket = { saddr: source, daddr: serverAddress, dport: route.port };
      paths.push({
        clientId: route.clientId,
        clientHostId: route.clientHostId,
        clientAddress: source,
        serverHostId: route.hostId,
        serverAddress,
        port: route.port,
        server: route.server,
        input: route.hostId === null || published ? null : hostVerdict(firewallOf(route.hostId), route.hostId, "input", connection, sameHost),
        ...(published && hasRules(route.hostId) ? { inputNotEvaluated: "a container port published from a bridged network: Docker forwards it with DNAT through the FORWARD chain (DOCKER-USER), which stacklint does not evaluate" } : {}),
        output: hostVerdict(firewallOf(route.clientHostId), route.clientHostId, "output", connection, sameHost),
      });
    }
  }
  return paths;
}

/** The location that decided a verdict: the rule, else the policy, else the undecidable expression. */
export function decidingLocation(verdict: RulesetVerdict): SourceLocation | null {
  return verdict.decidingRule ?? verdict.decidingPolicy?.location ?? verdict.unknownLocation ?? null;
}

/** How a host's firewall treats new connections to a port from sources outside the trusted networks. */
export type Exposure =
  | { readonly kind: "no-firewall" }
  | { readonly kind: "blocked"; readonly verdict: HostPathVerdict }
  /** `source` null: every source is accepted. */
  | { readonly kind: "accepted"; readonly source: string | null; readonly verdict: HostPathVerdict }
  | { readonly kind: "unknown"; readonly source: string | null; readonly verdict: HostPathVerdict };

/**
 * Whether some untrusted source reaches `daddr:port` through the host's input path. First with
 * the source unknown: a verdict that holds for any source decides at once. When a rule depends on
 * the source, probe the boundaries of every address range the rulesets name (the first and last
 * address of each, and the addresses just outside) plus a documentation address standing for the
 * internet (203.0.113.1, 2001:db8::1), keeping those `untrusted` says are untrusted.
 */
export function exposureOf(firewall: HostFirewall | undefined, hostId: string, daddr: string | null, port: number, family: PacketFamily, untrusted: (address: string) => boolean): Exposure {
  const any = hostVerdict(firewall, hostId, "input", { saddr: null, daddr, dport: port, family }, false);
  if (any.verdict === "none") return { kind: "no-firewall" };
  if (any.verdict === "accept") return { kind: "accepted", source: null, verdict: any };
  if (any.verdict !== "unknown") return { kind: "blocked", verdict: any };
  const probes = probeSources(firewall!, family).filter(untrusted);
  let firstUnknown: Exposure | null = null;
  let lastBlocked: HostPathVerdict | null = null;
  for (const source of probes) {
    const verdict = hostVerdict(firewall, hostId, "input", { saddr: source, daddr, dport: port, family }, false);
    if (verdict.verdict === "accept") return { kind: "accepted", source, verdict };
    if (verdict.verdict === "unknown") firstUnknown ??= { kind: "unknown", source, verdict };
    else lastBlocked = verdict;
  }
  if (firstUnknown) return firstUnknown;
  return lastBlocked ? { kind: "blocked", verdict: lastBlocked } : { kind: "unknown", source: null, verdict: any };
}

const MAX_PROBES = 512;

function probeSources(firewall: HostFirewall, family: PacketFamily): string[] {
  const bits = family === "ipv4" ? 32n : 128n;
  const max = (1n << bits) - 1n;
  const values = new Set<bigint>([family === "ipv4" ? 0xcb007101n : 0x20010db8000000000000000000000001n]);
  const seen = new Set<object>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== "object" || seen.has(node)) return;
    seen.add(node);
    const range = node as { family?: unknown; first?: unknown; last?: unknown };
    if (range.family === family && typeof range.first === "bigint" && typeof range.last === "bigint") {
      for (const v of [range.first, range.last, range.first - 1n, range.last + 1n]) if (v >= 0n && v <= max) values.add(v);
      return;
    }
    for (const value of Object.values(node)) visit(value);
  };
  for (const r of firewall.rulesets) visit(r.ruleset);
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, MAX_PROBES).map((v) => formatAddress(family, v));
}

function formatAddress(family: PacketFamily, value: bigint): string {
  if (family === "ipv4") return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return groups.join(":");
}
