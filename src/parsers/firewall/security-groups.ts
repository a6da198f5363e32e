import type { Diagnostic } from "../../model/diagnostic.js";
import { parseCidr } from "../../model/firewall/addresses.js";
import type { NumberRange, PacketFamily, SecurityGroupRule, SecurityGroupRuleset } from "../../model/firewall/ruleset.js";
import { protocolNumber } from "../../model/firewall/ruleset.js";
import { diagnostic } from "./common.js";
import type { JsonNode } from "./json-positions.js";
import { JsonSyntaxError, member, parseJsonWithPositions, scalarText } from "./json-positions.js";

/**
 * OpenStack security-group rules as JSON:
 *
 * - `openstack security group rule list -f json`: an array of rows with the listing's column
 *   names — python-openstackclient network/v2/security_group_rule.py: `ID`, `IP Protocol`,
 *   `Ethertype`, `IP Range`, `Port Range` (`min:max`, empty for all ports), `Direction`,
 *   `Remote Security Group`, `Remote Address Group`, `Security Group` (older clients print
 *   `Direction`/`Ethertype` only with `--long`);
 * - `openstack security group rule show -f json`: one object with the resource's fields
 *   (`direction`, `ether_type` or `ethertype`, `protocol`, `port_range_min`, `port_range_max`,
 *   `remote_ip_prefix`, `remote_group_id`, `remote_address_group_id`, `security_group_id`);
 * - the same objects in an array, under `security_group_rules` (Neutron API) or `rules`
 *   (`openstack security group show -f json`).
 */
export interface SecurityGroupParseResult {
  readonly ruleset: SecurityGroupRuleset;
  readonly diagnostics: Diagnostic[];
}

export function parseSecurityGroupRulesJson(file: string, text: string): SecurityGroupParseResult {
  const diagnostics: Diagnostic[] = [];
  const empty: SecurityGroupRuleset = { kind: "security-groups", format: "openstack-security-group-rules", file, rules: [] };
  let root: JsonNode;
  try {
    root = parseJsonWithPositions(file, text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) diagnostics.push(diagnostic("error", "openstack-sg-json-syntax", error.message, file, error.line, error.column));
    else diagnostics.push(diagnostic("error", "internal-error", String(error), file));
    return { ruleset: empty, diagnostics };
  }
  let rows: readonly JsonNode[];
  if (root.kind === "array") rows = root.items;
  else if (member(root, "security_group_rules")?.kind === "array") rows = (member(root, "security_group_rules") as Extract<JsonNode, { kind: "array" }>).items;
  else if (member(root, "rules")?.kind === "array") rows = (member(root, "rules") as Extract<JsonNode, { kind: "array" }>).items;
  else if (root.kind === "object") rows = [root];
  else {
    diagnostics.push(diagnostic("error", "openstack-sg-json-syntax", "expected an array of rules or one rule object", file, root.location.line, root.location.column));
    return { ruleset: empty, diagnostics };
  }
  const rules: SecurityGroupRule[] = [];
  for (const row of rows) {
    if (row.kind !== "object") {
      diagnostics.push(diagnostic("warning", "openstack-sg-json-syntax", "a rule is not an object", file, row.location.line, row.location.column));
      continue;
    }
    const rule = readRule(row);
    if (rule.problem !== undefined) diagnostics.push(diagnostic("warning", "openstack-sg-rule", rule.problem, file, row.location.line, row.location.column));
    rules.push(rule);
  }
  return { ruleset: { ...empty, rules }, diagnostics };
}

function field(row: JsonNode, ...names: string[]): { present: boolean; text: string | null } {
  for (const name of names) {
    const value = member(row, name);
    if (value !== undefined) return { present: true, text: scalarText(value) };
  }
  return { present: false, text: null };
}

function readRule(row: JsonNode): SecurityGroupRule {
  const problems: string[] = [];
  const id = field(row, "ID", "id").text ?? undefined;

  const directionText = field(row, "Direction", "direction").text?.toLowerCase();
  const direction = directionText === "ingress" || directionText === "egress" ? directionText : null;
  if (directionText !== undefined && direction === null) problems.push(`direction ${directionText} is not ingress or egress`);

  const remote = field(row, "IP Range", "Remote IP Prefix", "remote_ip_prefix");
  let remoteIpPrefix = null;
  if (remote.text !== null && remote.text !== "") {
    remoteIpPrefix = parseCidr(remote.text);
    if (!remoteIpPrefix) problems.push(`remote IP prefix ${remote.text} is not an address`);
  }

  const ethertypeText = field(row, "Ethertype", "ether_type", "ethertype").text;
  let ethertype: PacketFamily | null = ethertypeText === "IPv4" ? "ipv4" : ethertypeText === "IPv6" ? "ipv6" : null;
  if (ethertype === null && remoteIpPrefix) ethertype = remoteIpPrefix.family;

  const protocolText = field(row, "IP Protocol", "protocol").text;
  let protocol: SecurityGroupRule["protocol"];
  if (protocolText === null || protocolText === "" || protocolText.toLowerCase() === "any") protocol = "any";
  else {
    protocol = protocolNumber(protocolText);
    if (protocol === null) problems.push(`protocol ${protocolText} is not known`);
  }

  let ports: NumberRange | null = null;
  const range = field(row, "Port Range");
  if (range.present) {
    const text = range.text ?? "";
    const m = /^(\d+):(\d+)$/u.exec(text);
    if (m) ports = { first: Number(m[1]), last: Number(m[2]) };
    else if (text !== "" && !text.startsWith("type=")) problems.push(`port range ${text} is not min:max`);
  } else {
    const min = field(row, "port_range_min").text;
    const max = field(row, "port_range_max").text;
    if (min !== null || max !== null) {
      const first = Number(min ?? max);
      const last = Number(max ?? min);
      if (Number.isInteger(first) && Number.isInteger(last) && first <= last) ports = { first, last };
      else problems.push(`port range ${min}:${max} is not readable`);
    }
  }

  const remoteGroup = field(row, "Remote Security Group", "remote_group_id").text;
  const remoteAddressGroup = field(row, "Remote Address Group", "remote_address_group_id").text;
  const securityGroup = field(row, "Security Group", "security_group_id").text ?? undefined;
  return {
    location: row.location,
    ...(id !== undefined ? { id } : {}),
    direction,
    ethertype,
    protocol,
    ports,
    remoteIpPrefix,
    remoteGroup: remoteGroup === "" ? null : remoteGroup,
    remoteAddressGroup: remoteAddressGroup === "" ? null : remoteAddressGroup,
    ...(securityGroup !== undefined ? { securityGroup } : {}),
    ...(problems.length > 0 ? { problem: problems.join("; ") } : {}),
  };
}

/** True when `text` looks like security-group rule JSON (for format sniffing). */
export function looksLikeSecurityGroupRules(text: string): boolean {
  return /"(IP Protocol|Port Range|remote_ip_prefix|port_range_min|security_group_rules)"/u.test(text.slice(0, 4096));
}
