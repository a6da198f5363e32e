import { evaluateFirewalld } from "./firewalld.js";
import { evaluateNetfilter } from "./netfilter.js";
import type { EvaluateOptions, EvaluationResult, Packet } from "./packet.js";
import type { FirewallRuleset } from "./ruleset.js";
import { evaluateSecurityGroups } from "./security-groups.js";

export type { EvaluateOptions, EvaluationResult, FirewallVerdict, Packet } from "./packet.js";

/**
 * The verdict the host's firewall gives one packet: the kernel's walk for iptables and nftables,
 * firewalld's zone logic, or Neutron's security-group allow-list. Pure: no I/O, no globals.
 */
export function evaluate(ruleset: FirewallRuleset, packet: Packet, options: EvaluateOptions = {}): EvaluationResult {
  switch (ruleset.kind) {
    case "netfilter":
      return evaluateNetfilter(ruleset, packet, options);
    case "firewalld":
      return evaluateFirewalld(ruleset, packet, options);
    case "security-groups":
      return evaluateSecurityGroups(ruleset, packet);
  }
}
