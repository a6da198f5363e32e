import { wholeFile } from "../source.js";
import type { IpAddress } from "./addresses.js";
import { parseIpAddress, rangeContains } from "./addresses.js";
import type { EvaluationResult, Packet } from "./packet.js";
import { protocolNumberOf } from "./packet.js";
import type { SecurityGroupRule, SecurityGroupRuleset } from "./ruleset.js";
import { PORT_PROTOCOLS } from "./ruleset.js";

/**
 * Neutron security groups are stateful allow-lists: a packet of a new connection passes in a
 * direction when any rule of that direction matches it (ethertype, protocol, port range, remote
 * prefix or remote group), and is dropped otherwise — ingress is denied by default, and egress
 * too when no egress rule exists (Neutron's default groups carry allow-all egress rules).
 * Replies of an allowed connection pass, so only the new packet matters.
 */
export function evaluateSecurityGroups(ruleset: SecurityGroupRuleset, packet: Packet): EvaluationResult {
  const notes: string[] = [];
  const direction = packet.hook === "input" ? "ingress" : "egress";
  const path: string[] = [`security groups (${direction})`];
  const state = packet.state ?? "new";
  if (state === "established" || state === "related") {
    path.push("reply of an allowed connection");
    return { verdict: "accept", path, notes };
  }
  const remote = parseRemote(packet, direction);
  let firstUnknown: { reason: string; rule: SecurityGroupRule } | null = null;
  for (const rule of ruleset.rules) {
    const applies = ruleApplies(rule, packet, direction, remote);
    if (applies === false) continue;
    if (applies !== true) {
      firstUnknown ??= { reason: applies, rule };
      continue;
    }
    path.push(`ALLOW at line ${rule.location.line}`);
    return { verdict: "accept", path, decidingRule: rule.location, notes };
  }
  if (firstUnknown) {
    path.push(`unknown at line ${firstUnknown.rule.location.line}`);
    return { verdict: "unknown", path, unknownReason: firstUnknown.reason, unknownLocation: firstUnknown.rule.location, notes };
  }
  path.push(`default deny (${direction})`);
  return { verdict: "drop", path, decidingPolicy: { chain: `security groups ${direction}`, location: wholeFile(ruleset.file) }, notes };
}

/** The far end of the connection: the source for ingress, the destination for egress. */
function parseRemote(packet: Packet, direction: "ingress" | "egress"): IpAddress | null | undefined {
  const text = direction === "ingress" ? packet.saddr : packet.daddr;
  return text === undefined ? undefined : parseIpAddress(text);
}

/** true, false, or the reason it cannot be decided. */
function ruleApplies(rule: SecurityGroupRule, packet: Packet, direction: "ingress" | "egress", remote: IpAddress | null | undefined): boolean | string {
  if (rule.direction !== null && rule.direction !== direction) return false;
  if (rule.ethertype !== null && rule.ethertype !== packet.family) return false;
  const protocol = protocolNumberOf(packet);
  if (rule.protocol !== "any" && rule.protocol !== null && rule.protocol !== protocol) return false;
  if (rule.ports && PORT_PROTOCOLS.includes(protocol) && rule.protocol !== "any") {
    if (packet.dport < rule.ports.first || packet.dport > rule.ports.last) return false;
  }
  if (rule.remoteIpPrefix) {
    if (remote === undefined) return "the packet's remote address is not known";
    if (remote === null || !rangeContains(rule.remoteIpPrefix, remote)) return false;
  }
  // What could not be read comes last, so that a rule ruled out by a known field stays out.
  if (rule.problem !== undefined) return rule.problem;
  if (rule.direction === null) return "the listing does not give the rule's direction (list with --long)";
  if (rule.ethertype === null) return "the listing does not give the rule's ethertype";
  if (rule.protocol === null) return "the rule's protocol cannot be read";
  if (rule.remoteGroup !== null) return `membership of the remote security group ${rule.remoteGroup} is not in the dump`;
  if (rule.remoteAddressGroup !== null) return `the addresses of address group ${rule.remoteAddressGroup} are not in the dump`;
  return true;
}
