import type { Diagnostic } from "../../model/diagnostic.js";
import type { FirewallRuleset } from "../../model/firewall/ruleset.js";
import { diagnostic } from "./common.js";
import { parseFirewalldListAllZones, parseFirewalldZoneXml } from "./firewalld.js";
import { looksLikeIptablesSave, parseIptablesSave } from "./iptables-save.js";
import { parseIptablesList } from "./iptables-list.js";
import { looksLikeNftJson, parseNftJson } from "./nft-json.js";
import { looksLikeNft, parseNftText } from "./nft-text.js";
import { looksLikeSecurityGroupRules, parseSecurityGroupRulesJson } from "./security-groups.js";

export { guessIptablesFamily, parseIptablesSave } from "./iptables-save.js";
export { parseIptablesList } from "./iptables-list.js";
export { parseNftText } from "./nft-text.js";
export { parseNftJson } from "./nft-json.js";
export { mergeFirewalld, parseFirewalldConf, parseFirewalldListAllZones, parseFirewalldServiceXml, parseFirewalldZoneXml, parseRichRuleText } from "./firewalld.js";
export { parseSecurityGroupRulesJson } from "./security-groups.js";

export type FirewallFormat =
  | "iptables-save"
  | "iptables-list"
  | "nft"
  | "nft-json"
  | "firewalld-zone-xml"
  | "firewalld-list-all-zones"
  | "openstack-security-group-rules";

export interface FirewallParseResult {
  readonly ruleset: FirewallRuleset;
  readonly diagnostics: Diagnostic[];
}

/** One entry point per format: what the kernel differential test and the model builder call. */
export function parseFirewall(format: FirewallFormat, file: string, text: string): FirewallParseResult {
  try {
    switch (format) {
      case "iptables-save":
        return parseIptablesSave(file, text);
      case "iptables-list":
        return parseIptablesList(file, text);
      case "nft":
        return parseNftText(file, text);
      case "nft-json":
        return parseNftJson(file, text);
      case "firewalld-zone-xml":
        return parseFirewalldZoneXml(file, text);
      case "firewalld-list-all-zones":
        return parseFirewalldListAllZones(file, text);
      case "openstack-security-group-rules":
        return parseSecurityGroupRulesJson(file, text);
    }
  } catch (error) {
    // Parsers do not throw; this is the last guard so that one bad file never stops a run.
    return {
      ruleset: { kind: "netfilter", format: "nft", file, families: [], tables: [] },
      diagnostics: [diagnostic("error", "internal-error", `firewall parser failed: ${error instanceof Error ? error.message : String(error)}`, file)],
    };
  }
}

/**
 * The firewall format of a file, from its path first (sosreport command names, /etc paths) and
 * its content second; null when it is not a firewall dump.
 */
export function detectFirewallFormat(path: string, text: string): FirewallFormat | null {
  const lower = path.toLowerCase();
  const base = lower.split("/").pop() ?? lower;
  if (/ip6?tables_.*-[a-z]*l[a-z]*$/u.test(base) || /ip6?tables_-[a-z]*l/u.test(base)) return "iptables-list";
  if (/firewall-cmd_--list-all/u.test(base)) return "firewalld-list-all-zones";
  if (/nft_-j_list_ruleset|nft_--json/u.test(base)) return "nft-json";
  if (/\/firewalld\/zones\/[^/]+\.xml$/u.test(lower)) return "firewalld-zone-xml";
  if (looksLikeNftJson(text)) return "nft-json";
  if (looksLikeIptablesSave(text)) return "iptables-save";
  if (/^Chain \S+ \((policy \S+|\d+ references)/mu.test(text) && /\bprot\s+opt\b/u.test(text)) return "iptables-list";
  if (looksLikeNft(text)) return "nft";
  if (/^\s*<\?xml[^>]*>\s*<zone[\s>]/u.test(text) || /^\s*<zone[\s>]/u.test(text)) return "firewalld-zone-xml";
  if (/^\S+( \([^)]*\))?\n  target: /u.test(text)) return "firewalld-list-all-zones";
  if (looksLikeSecurityGroupRules(text)) return "openstack-security-group-rules";
  return null;
}
