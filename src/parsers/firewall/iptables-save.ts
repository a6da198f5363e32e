import type { Diagnostic } from "../../model/diagnostic.js";
import type { SourceLocation } from "../../model/source.js";
import type { BaseChainSpec, NetfilterChain, NetfilterRule, NetfilterRuleset, NetfilterTable, PacketFamily, RuleVerdict } from "../../model/firewall/ruleset.js";
import { XTABLES_BUILTIN_CHAINS, ruleIsUnderstood } from "../../model/firewall/ruleset.js";
import { diagnostic, familyFromPath, lineLocation, span, textLines } from "./common.js";
import { KNOWN_UNMODELLED_TARGETS, parseIptablesRuleArgs, splitIptablesArgs } from "./iptables-rule.js";

/**
 * `iptables-save` / `ip6tables-save` output and the files iptables-restore reads
 * (`/etc/sysconfig/iptables`, `/etc/iptables/rules.v4|v6`): `*table` … `COMMIT` blocks,
 * `:CHAIN POLICY [packets:bytes]` headers (`-` for user chains), `-A` rules with an optional
 * `[packets:bytes]` prefix, `#` comments. Hand-written files also use `-N`, `-P` and `-I`.
 */
export interface IptablesParseOptions {
  /** Which family the dump is for; guessed from the path, then the addresses, when absent. */
  readonly family?: PacketFamily;
}

export interface NetfilterParseResult {
  readonly ruleset: NetfilterRuleset;
  readonly diagnostics: Diagnostic[];
}

interface MutableChain {
  name: string;
  location: SourceLocation;
  base: BaseChainSpec | null;
  rules: NetfilterRule[];
  declared: boolean;
}

interface MutableTable {
  name: string;
  location: SourceLocation;
  chains: Map<string, MutableChain>;
  committed: boolean;
  /** Rules whose target must be checked against the table's chains once it is complete. */
  pendingTargets: { chain: MutableChain; rule: NetfilterRule; line: number; column: number }[];
}

export function guessIptablesFamily(file: string, text: string): PacketFamily {
  const fromPath = familyFromPath(file);
  if (fromPath) return fromPath;
  // An address argument with a colon is IPv6 (ip6tables-save prints ::/0 only when negated), and
  // so is an iprange of IPv6 addresses or ip6tables' REJECT types (`--reject-with icmp6-…`).
  return /\s(?:-s|-d|--source|--destination|--src-range|--dst-range)\s+!?\s*[0-9a-fA-F]*:[0-9a-fA-F:.]*(?:\/\d+)?/u.test(text) ||
    /icmpv6|ipv6-icmp|--icmpv6-type|--reject-with icmp6-/u.test(text)
    ? "ipv6"
    : "ipv4";
}

export function parseIptablesSave(file: string, text: string, options: IptablesParseOptions = {}): NetfilterParseResult {
  const diagnostics: Diagnostic[] = [];
  const family = options.family ?? guessIptablesFamily(file, text);
  const tables: MutableTable[] = [];
  let current: MutableTable | null = null;
  const lines = textLines(text);

  const ensureChain = (table: MutableTable, name: string, location: SourceLocation): MutableChain => {
    let chain = table.chains.get(name);
    if (!chain) {
      chain = { name, location, base: builtinBase(table.name, name, location), rules: [], declared: false };
      table.chains.set(name, chain);
    }
    return chain;
  };

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const leading = raw.length - raw.trimStart().length;
    const location = lineLocation(file, lineNo, raw);

    if (trimmed.startsWith("*")) {
      if (current && !current.committed) {
        diagnostics.push(diagnostic("warning", "iptables-missing-commit", `table ${current.name} has no COMMIT before the next table`, file, lineNo, 1));
      }
      const name = trimmed.slice(1).trim();
      current = tables.find((t) => t.name === name) ?? null;
      if (!current) {
        current = { name, location, chains: new Map(), committed: false, pendingTargets: [] };
        tables.push(current);
      } else {
        current.committed = false;
      }
      return;
    }
    if (trimmed === "COMMIT") {
      if (!current) diagnostics.push(diagnostic("warning", "iptables-syntax", "COMMIT outside a table", file, lineNo, leading + 1));
      else current.committed = true;
      return;
    }
    if (!current) {
      diagnostics.push(diagnostic("error", "iptables-syntax", "rule or chain before any *table line", file, lineNo, leading + 1));
      return;
    }
    const table = current;

    if (trimmed.startsWith(":")) {
      const match = /^:(\S+)\s+(\S+)(?:\s+\[(\d+):(\d+)\])?\s*$/u.exec(trimmed);
      if (!match) {
        diagnostics.push(diagnostic("error", "iptables-syntax", `cannot read chain header ${JSON.stringify(trimmed)}`, file, lineNo, leading + 1));
        return;
      }
      const name = match[1]!;
      const policy = match[2]!;
      const chain = ensureChain(table, name, location);
      chain.location = location;
      chain.declared = true;
      const policyColumn = raw.indexOf(policy, raw.indexOf(name) + name.length) + 1;
      applyPolicy(chain, policy, span(file, lineNo, policyColumn, policy.length), diagnostics, file, lineNo);
      return;
    }

    // A rule line, possibly with a [packets:bytes] counter prefix.
    let body = raw;
    let bodyColumn = 1;
    const counters = /^(\s*\[\d+:\d+\]\s*)/u.exec(raw);
    if (counters) {
      body = raw.slice(counters[1]!.length);
      bodyColumn = counters[1]!.length + 1;
    }
    const tokens = splitIptablesArgs(body, bodyColumn);
    const first = tokens[0]?.text;
    if (first === "-N" || first === "--new-chain") {
      const name = tokens[1]?.text;
      if (name) {
        const chain = ensureChain(table, name, location);
        chain.declared = true;
      }
      return;
    }
    if (first === "-P" || first === "--policy") {
      const name = tokens[1]?.text;
      const policy = tokens[2];
      if (!name || !policy) {
        diagnostics.push(diagnostic("error", "iptables-syntax", "-P needs a chain and a policy", file, lineNo, leading + 1));
        return;
      }
      applyPolicy(ensureChain(table, name, location), policy.text, span(file, lineNo, policy.column, policy.length), diagnostics, file, lineNo);
      return;
    }
    if (first !== "-A" && first !== "--append" && first !== "-I" && first !== "--insert") {
      diagnostics.push(diagnostic("warning", "iptables-unsupported-command", `line not read: ${JSON.stringify(trimmed.slice(0, 80))}`, file, lineNo, leading + 1));
      return;
    }
    const parsed = parseIptablesRuleArgs(file, lineNo, family, tokens);
    for (const problem of parsed.problems) diagnostics.push(diagnostic("warning", "iptables-syntax", problem.message, file, lineNo, problem.column));
    if (!parsed.chain) return;
    const chain = ensureChain(table, parsed.chain, location);
    if (!chain.declared && !chain.base) {
      diagnostics.push(diagnostic("warning", "iptables-undeclared-chain", `chain ${parsed.chain} is used before a :${parsed.chain} header`, file, lineNo, leading + 1));
      chain.declared = true;
    }
    const rule: NetfilterRule = {
      location,
      text: trimmed,
      steps: parsed.steps,
      verdict: parsed.verdict,
      ...(parsed.comment !== undefined ? { comment: parsed.comment } : {}),
      understood: ruleIsUnderstood(parsed.steps, parsed.verdict),
    };
    let position = chain.rules.length;
    if (parsed.command === "insert") position = Math.min(Math.max((parsed.insertAt ?? 1) - 1, 0), chain.rules.length);
    chain.rules.splice(position, 0, rule);
    if (parsed.target && parsed.verdict?.kind === "jump") {
      const targetToken = tokens.find((t) => t.text === parsed.target!.name);
      table.pendingTargets.push({ chain, rule, line: lineNo, column: targetToken?.column ?? leading + 1 });
    }
  });

  if (current !== null && !(current as MutableTable).committed) {
    const open = current as MutableTable;
    diagnostics.push(diagnostic("warning", "iptables-missing-commit", `table ${open.name} has no COMMIT: iptables-restore would not load it`, file, lines.length, 1));
  }

  const result: NetfilterTable[] = tables.map((table) => finishTable(table, family, file, diagnostics));
  return { ruleset: { kind: "netfilter", format: "iptables-save", file, families: [family], tables: result }, diagnostics };
}

function builtinBase(table: string, chain: string, location: SourceLocation): BaseChainSpec | null {
  const builtin = XTABLES_BUILTIN_CHAINS[table]?.[chain];
  if (!builtin) return null;
  return { type: table === "nat" ? "nat" : "filter", hook: builtin.hook, priority: builtin.priority, policy: "accept", policyLocation: location };
}

function applyPolicy(chain: MutableChain, policy: string, location: SourceLocation, diagnostics: Diagnostic[], file: string, line: number): void {
  if (policy === "-") {
    if (chain.base) diagnostics.push(diagnostic("warning", "iptables-syntax", `built-in chain ${chain.name} needs a policy`, file, line, location.column));
    return;
  }
  if (!chain.base) {
    diagnostics.push(diagnostic("warning", "iptables-syntax", `chain ${chain.name} is not a built-in chain of this table; policy ${policy} ignored`, file, line, location.column));
    return;
  }
  const upper = policy.toUpperCase();
  if (upper !== "ACCEPT" && upper !== "DROP") {
    diagnostics.push(diagnostic("warning", "iptables-syntax", `policy ${policy} is not ACCEPT or DROP`, file, line, location.column));
    return;
  }
  chain.base = { ...chain.base, policy: upper === "ACCEPT" ? "accept" : "drop", policyLocation: location };
}

/** Resolves `-j NAME` against the table's chains: a user chain, or a target the evaluator does not model. */
function finishTable(table: MutableTable, family: PacketFamily, file: string, diagnostics: Diagnostic[]): NetfilterTable {
  for (const pending of table.pendingTargets) {
    const index = pending.chain.rules.indexOf(pending.rule);
    const rule = pending.rule;
    if (index < 0 || rule.verdict?.kind !== "jump") continue;
    const name = rule.verdict.chain;
    const target = table.chains.get(name);
    if (target && !target.base) continue;
    let verdict: RuleVerdict;
    if (target?.base) {
      verdict = { kind: "not-understood", text: `-j ${name} (a built-in chain)` };
      diagnostics.push(diagnostic("warning", "iptables-syntax", `jump to built-in chain ${name}`, file, pending.line, pending.column));
    } else {
      verdict = { kind: "not-understood", text: `-j ${name}` };
      if (!KNOWN_UNMODELLED_TARGETS.has(name) && !/^[A-Z0-9_]+$/u.test(name)) {
        diagnostics.push(diagnostic("warning", "iptables-unknown-target", `-j ${name}: no such chain in table ${table.name}`, file, pending.line, pending.column));
      }
    }
    pending.chain.rules[index] = { ...rule, verdict, understood: false };
  }
  return {
    family: family === "ipv4" ? "ip" : "ip6",
    name: table.name,
    location: table.location,
    chains: [...table.chains.values()].map((c): NetfilterChain => ({ name: c.name, location: c.location, base: c.base, rules: c.rules })),
    sets: [],
  };
}

/** True when `text` looks like iptables-save output (for format sniffing). */
export function looksLikeIptablesSave(text: string): boolean {
  return /^\*(filter|nat|mangle|raw|security)\s*$/mu.test(text) && /^(:\S+ \S+|-A \S+|COMMIT)/mu.test(text);
}
