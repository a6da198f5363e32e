import type { SourceLocation } from "../source.js";
import type { AddressRange, IpAddress } from "./addresses.js";
import { parseIpAddress, rangeContains } from "./addresses.js";
import { BUILT_IN_FIREWALLD_SERVICES } from "./firewalld-services.js";
import type { EvaluateOptions, EvaluationResult, FirewallVerdict, Packet } from "./packet.js";
import { protocolNumberOf } from "./packet.js";
import type { FirewalldRuleset, FirewalldService, FirewalldZone, NumberRange, RichRule } from "./ruleset.js";
import { protocolNumber } from "./ruleset.js";

/**
 * firewalld's input path, as its nftables backend lays it out (firewalld ≥ 0.6, without zone
 * drifting): established/related and loopback traffic accepted, invalid dropped; then one zone
 * is chosen — the zone whose `<source>` holds the packet's source, else the zone bound to the
 * input interface, else the default zone (firewalld.conf `DefaultZone`, `public` unless set);
 * inside the zone: rich rules with a negative priority, deny rich rules, allow rich rules with the
 * zone's services/ports/protocols, rich rules with a positive priority, then the zone target
 * (`default` rejects, like `%%REJECT%%`, except ICMP).
 *
 * firewalld does not filter what the host sends unless policy objects say so; those are not read.
 */

type Tri = true | false | { readonly unknown: string };

function isUnknown(t: Tri): t is { unknown: string } {
  return typeof t === "object";
}

interface Context {
  readonly packet: Packet;
  readonly saddr: IpAddress | null;
  readonly daddr: IpAddress | null;
  readonly services: ReadonlyMap<string, FirewalldService>;
}

export function evaluateFirewalld(ruleset: FirewalldRuleset, packet: Packet, options: EvaluateOptions = {}): EvaluationResult {
  const notes: string[] = [];
  const path: string[] = [];
  if (packet.hook === "output") {
    path.push("firewalld does not filter outgoing traffic");
    notes.push("firewalld policy objects (egress rules) are not read; none are assumed");
    return { verdict: "accept", path, notes };
  }
  const state = packet.state ?? "new";
  if (state === "established" || state === "related") {
    path.push("ct state established,related accept");
    return { verdict: "accept", path, notes };
  }
  if (state === "invalid") {
    path.push("ct state invalid drop");
    return { verdict: "drop", path, notes };
  }
  const loopback = packet.iif !== undefined ? packet.iif === "lo" : packet.viaLoopback;
  if (loopback === true) {
    path.push("iifname lo accept");
    return { verdict: "accept", path, notes };
  }
  if (loopback === undefined) {
    return { verdict: "unknown", path, unknownReason: "firewalld accepts everything on lo and the packet's input interface is not known", notes };
  }

  const services = new Map(BUILT_IN_FIREWALLD_SERVICES);
  for (const service of ruleset.services) services.set(service.name, service);
  const context: Context = {
    packet,
    saddr: packet.saddr === undefined ? null : parseIpAddress(packet.saddr),
    daddr: packet.daddr === undefined ? null : parseIpAddress(packet.daddr),
    services,
  };

  const selection = selectZone(ruleset, context, options, notes);
  if ("unknown" in selection) return { verdict: "unknown", path, unknownReason: selection.unknown, notes };
  const zone = selection.zone;
  path.push(`zone ${zone.name} (${selection.why})`);
  return evaluateZone(zone, context, path, notes);
}

function selectZone(
  ruleset: FirewalldRuleset,
  context: Context,
  options: EvaluateOptions,
  notes: string[],
): { zone: FirewalldZone; why: string } | { unknown: string } {
  const withSources = ruleset.zones.filter((z) => z.sources.length > 0);
  for (const zone of withSources) {
    for (const source of zone.sources) {
      if (!source.address) return { unknown: `zone ${zone.name} binds source ${source.text}, whose members are not in the dump` };
      if (context.saddr === null) return { unknown: `zone ${zone.name} binds source ${source.text} and the packet's source address is not known` };
      if (rangeContains(source.address, context.saddr)) return { zone, why: `source ${source.text}` };
    }
  }
  const withInterfaces = ruleset.zones.filter((z) => z.interfaces.length > 0);
  const iif = context.packet.iif;
  if (withInterfaces.length > 0) {
    if (iif === undefined) {
      return { unknown: `zones bind interfaces (${withInterfaces.map((z) => z.name).join(", ")}) and the packet's input interface is not known` };
    }
    const bound = withInterfaces.find((z) => z.interfaces.some((i) => i.value === iif));
    if (bound) return { zone: bound, why: `interface ${iif}` };
  }
  let defaultName: string;
  if (options.firewalldDefaultZone !== undefined) defaultName = options.firewalldDefaultZone;
  else if (ruleset.defaultZone) defaultName = ruleset.defaultZone.name;
  else {
    defaultName = "public";
    notes.push("default zone taken as public (firewalld's default; no firewalld.conf or --list-all-zones output says otherwise)");
  }
  const zone = ruleset.zones.find((z) => z.name === defaultName);
  if (!zone) return { unknown: `the default zone ${defaultName} is not in the inputs` };
  return { zone, why: "default zone" };
}

interface Candidate {
  readonly label: string;
  readonly location: SourceLocation;
  readonly verdict: "accept" | "reject" | "drop" | null;
  readonly applies: () => Tri;
}

function evaluateZone(zone: FirewalldZone, context: Context, path: string[], notes: string[]): EvaluationResult {
  const rich = [...zone.richRules];
  const byPriority = (a: RichRule, b: RichRule) => a.priority - b.priority;
  const before = rich.filter((r) => r.priority < 0).sort(byPriority);
  const after = rich.filter((r) => r.priority > 0).sort(byPriority);
  const normal = rich.filter((r) => r.priority === 0);
  const deny = normal.filter((r) => r.action === "reject" || r.action === "drop" || r.notUnderstood !== undefined);
  const allow = normal.filter((r) => r.action === "accept");

  const forwarding = (ports: NumberRange, protocol: string): Tri =>
    portApplies(ports, protocol, context.packet.dport, context.packet) === true ? { unknown: "firewalld forwards (DNATs) this port; where the packet goes then is not modelled" } : false;
  const candidates: Candidate[] = [
    // Forward ports are DNAT in prerouting, before any filtering.
    ...zone.forwardPorts.map((p) => ({
      label: `forward-port ${formatRange(p.ports)}/${p.protocol}`,
      location: p.location,
      verdict: "accept" as const,
      applies: () => forwarding(p.ports, p.protocol),
    })),
    ...rich.filter((r) => r.element?.kind === "forward-port").map((r) => ({
      label: `rich rule ${r.text}`,
      location: r.location,
      verdict: "accept" as const,
      applies: (): Tri => {
        const element = r.element as Extract<RichRule["element"], { kind: "forward-port" }>;
        const applies = richApplies({ ...r, element: { kind: "port", ports: element.ports, protocol: element.protocol } }, context);
        return applies === true ? { unknown: "a rich rule forwards (DNATs) this port; where the packet goes then is not modelled" } : applies;
      },
    })),
    ...before.map((r) => richCandidate(r, context)),
    ...deny.map((r) => richCandidate(r, context)),
    ...allow.map((r) => richCandidate(r, context)),
    ...zone.services.map((s) => ({
      label: `service ${s.value}`,
      location: s.location,
      verdict: "accept" as const,
      applies: () => serviceApplies(s.value, context, new Set()),
    })),
    ...zone.ports.map((p) => ({
      label: `port ${formatRange(p.ports)}/${p.protocol}`,
      location: p.location,
      verdict: "accept" as const,
      applies: () => portApplies(p.ports, p.protocol, context.packet.dport, context.packet),
    })),
    ...zone.protocols.map((p) => ({
      label: `protocol ${p.value}`,
      location: p.location,
      verdict: "accept" as const,
      applies: () => protocolApplies(p.value, context.packet),
    })),
    ...zone.sourcePorts.map((p) => ({
      label: `source-port ${formatRange(p.ports)}/${p.protocol}`,
      location: p.location,
      verdict: "accept" as const,
      applies: (): Tri =>
        context.packet.sport === undefined ? { unknown: "the packet's source port is not known" } : portApplies(p.ports, p.protocol, context.packet.sport, context.packet),
    })),
    ...after.map((r) => richCandidate(r, context)),
  ];

  for (const candidate of candidates) {
    if (candidate.verdict === null) continue; // log/audit/mark only
    const applies = candidate.applies();
    if (applies === false) continue;
    if (isUnknown(applies)) {
      path.push(`unknown at line ${candidate.location.line}`);
      return { verdict: "unknown", path, unknownReason: `${candidate.label}: ${applies.unknown}`, unknownLocation: candidate.location, notes };
    }
    path.push(`${candidate.verdict.toUpperCase()}: ${candidate.label} at line ${candidate.location.line}`);
    return { verdict: candidate.verdict, path, decidingRule: candidate.location, notes };
  }

  const target = zone.target.toUpperCase();
  let verdict: FirewallVerdict;
  if (target === "ACCEPT") verdict = "accept";
  else if (target === "DROP") verdict = "drop";
  else if (target === "DEFAULT" || target === "%%REJECT%%" || target === "REJECT") verdict = "reject";
  else {
    return { verdict: "unknown", path, unknownReason: `zone ${zone.name} has target ${zone.target}, which the evaluator does not know`, unknownLocation: zone.targetLocation, notes };
  }
  path.push(`target ${zone.target}`);
  return {
    verdict,
    path,
    decidingPolicy: { chain: `zone ${zone.name}`, location: zone.targetLocation },
    notes,
  };
}

function richCandidate(rule: RichRule, context: Context): Candidate {
  return {
    label: `rich rule ${rule.text}`,
    location: rule.location,
    // An unreadable rule never applies for certain (its `applies` is at best unknown); it is
    // given a verdict only so that reaching it makes the result unknown.
    verdict: rule.notUnderstood !== undefined ? "reject" : rule.action === "mark" || rule.action === undefined ? null : rule.action,
    applies: () => richApplies(rule, context),
  };
}

function richApplies(rule: RichRule, context: Context): Tri {
  const packet = context.packet;
  if (rule.family && rule.family !== packet.family) return false;
  const conditions: (() => Tri)[] = [];
  if (rule.source) {
    const source = rule.source;
    conditions.push(() => addressApplies(source.address, source.other, source.invert, context.saddr, "source"));
  }
  if (rule.destination) {
    const destination = rule.destination;
    conditions.push(() => addressApplies(destination.address, destination.other, destination.invert, context.daddr, "destination"));
  }
  const element = rule.element;
  if (element) {
    conditions.push((): Tri => {
      switch (element.kind) {
        case "service":
          return serviceApplies(element.name, context, new Set());
        case "port":
          return portApplies(element.ports, element.protocol, packet.dport, packet);
        case "source-port":
          return packet.sport === undefined ? { unknown: "the packet's source port is not known" } : portApplies(element.ports, element.protocol, packet.sport, packet);
        case "protocol":
          return protocolApplies(element.protocol, packet);
        case "icmp":
          return false;
        case "forward-port":
          return false; // handled before the zone's filtering
        case "other":
          return { unknown: `rich rule element ${element.name} is not evaluated` };
      }
    });
  }
  if (rule.notUnderstood !== undefined) conditions.push(() => ({ unknown: `not understood: ${rule.notUnderstood}` }));
  let result: Tri = true;
  for (const condition of conditions) {
    const value = condition();
    if (value === false) return false;
    if (isUnknown(value) && result === true) result = value;
  }
  return result;
}

function addressApplies(range: AddressRange | undefined, other: string | undefined, invert: boolean, address: IpAddress | null, side: string): Tri {
  if (!range) return { unknown: `${side} ${other ?? "?"} cannot be decided from a dump` };
  if (address === null) return { unknown: `the packet's ${side} address is not known` };
  const inside = rangeContains(range, address);
  return invert ? !inside : inside;
}

function portApplies(ports: NumberRange, protocol: string, port: number, packet: Packet): Tri {
  if (protocol.toLowerCase() !== packet.protocol) return false;
  return port >= ports.first && port <= ports.last;
}

function protocolApplies(protocol: string, packet: Packet): Tri {
  const n = protocolNumber(protocol);
  if (n === null) return { unknown: `protocol ${protocol} is not known` };
  return n === protocolNumberOf(packet);
}

function serviceApplies(name: string, context: Context, seen: Set<string>): Tri {
  const service = context.services.get(name);
  if (!service) return { unknown: `the definition of service ${name} is neither in the inputs nor in the built-in table` };
  if (seen.has(name)) return false;
  seen.add(name);
  const packet = context.packet;
  if (service.destinations.length > 0) {
    const family = service.destinations.filter((d) => d.family === packet.family);
    if (service.destinations.every((d) => d.family !== packet.family)) {
      // firewalld applies a service with destinations only to the families it names.
      return false;
    }
    if (context.daddr === null) return { unknown: `service ${name} is limited to destination ${family.map((d) => d.text).join(", ")} and the packet's destination is not known` };
    if (!family.some((d) => rangeContains(d, context.daddr!))) return false;
  }
  let result: Tri = false;
  for (const port of service.ports) {
    if (portApplies(port.ports, port.protocol, packet.dport, packet) === true) return true;
  }
  for (const protocol of service.protocols) {
    const applies = protocolApplies(protocol, packet);
    if (applies === true) return true;
    if (isUnknown(applies)) result = applies;
  }
  for (const include of service.includes) {
    const applies = serviceApplies(include, context, seen);
    if (applies === true) return true;
    if (isUnknown(applies)) result = applies;
  }
  return result;
}

function formatRange(range: NumberRange): string {
  return range.first === range.last ? String(range.first) : `${range.first}-${range.last}`;
}
