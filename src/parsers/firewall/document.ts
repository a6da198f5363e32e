import type { FirewallKind } from "../../discover/classify.js";
import type { Diagnostic } from "../../model/diagnostic.js";
import type { FirewalldService, FirewallRuleset } from "../../model/firewall/ruleset.js";
import type { SourceLocation } from "../../model/source.js";
import { diagnostic } from "./common.js";
import { parseFirewalldConf, parseFirewalldServiceXml } from "./firewalld.js";
import { detectFirewallFormat, parseFirewall, type FirewallFormat } from "./index.js";

/** One parsed firewall file, as the model builder receives it. */
export type FirewallDocument =
  | { readonly kind: "ruleset"; readonly format: FirewallFormat; readonly ruleset: FirewallRuleset }
  | { readonly kind: "firewalld-service"; readonly service: FirewalldService | null }
  | { readonly kind: "firewalld-conf"; readonly defaultZone: { readonly name: string; readonly location: SourceLocation } | null };

export interface ParsedFirewallFile {
  readonly file: string;
  readonly hostId: string;
  readonly document: FirewallDocument;
}

/** The netfilter formats a path may suggest and the content may correct (a listing saved as `iptables-save.txt`). */
const NETFILTER_KINDS: ReadonlySet<string> = new Set(["iptables-save", "iptables-list", "nft", "nft-json"]);

/**
 * Parses a firewall file of a classified kind. Never throws: a parse problem is a diagnostic.
 * For the netfilter kinds the content decides between the four netfilter formats; a security-group
 * file whose content is not a rule list is skipped with a note.
 */
export function parseFirewallFile(kind: FirewallKind, file: string, text: string): { document: FirewallDocument | null; diagnostics: Diagnostic[] } {
  if (kind === "firewalld-service-xml") {
    const parsed = parseFirewalldServiceXml(file, text);
    return { document: { kind: "firewalld-service", service: parsed.service }, diagnostics: parsed.diagnostics };
  }
  if (kind === "firewalld-conf") return { document: { kind: "firewalld-conf", defaultZone: parseFirewalldConf(file, text).defaultZone }, diagnostics: [] };
  let format: FirewallFormat = kind;
  const detected = detectFirewallFormat(file, text);
  if (NETFILTER_KINDS.has(kind) && detected !== null && NETFILTER_KINDS.has(detected)) format = detected;
  if (kind === "openstack-security-group-rules" && detected !== "openstack-security-group-rules") {
    return { document: null, diagnostics: [diagnostic("note", "not-a-firewall-dump", "the name suggests OpenStack security-group rules but the content is not a rule list (openstack security group rule list -f json); skipped", file)] };
  }
  const parsed = parseFirewall(format, file, text);
  return { document: { kind: "ruleset", format, ruleset: parsed.ruleset }, diagnostics: parsed.diagnostics };
}
