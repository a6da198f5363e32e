import type { Diagnostic } from "../../model/diagnostic.js";
import type { SourceLocation } from "../../model/source.js";
import { isAnyAddress, parseAddressRangeOrCidr, parseCidr } from "../../model/firewall/addresses.js";
import type {
  BaseChainSpec,
  Match,
  MatchField,
  MatchValue,
  NetfilterChain,
  NetfilterRule,
  PacketFamily,
  RuleStep,
  RuleVerdict,
} from "../../model/firewall/ruleset.js";
import { PORT_PROTOCOLS, XTABLES_BUILTIN_CHAINS, protocolNumber, ruleIsUnderstood } from "../../model/firewall/ruleset.js";
import { diagnostic, familyFromPath, lineLocation, parsePortRange, parseUint32, span, textLines } from "./common.js";
import type { NetfilterParseResult } from "./iptables-save.js";
import { KNOWN_UNMODELLED_TARGETS, plainTargetVerdict } from "./iptables-rule.js";

/**
 * `iptables -nvL` / `-vnxL` (and ip6tables) listings, as sosreport stores them
 * (`sos_commands/firewall_tables/iptables_-t_filter_-nvL`, `iptables_-vnxL`). The layout is
 * iptables' own print_header / print_rule (xshared.c): `Chain NAME (policy P N packets, M bytes)`
 * or `Chain NAME (N references)`, a column header, then per rule: counters, target (blank when
 * the rule has none), `[!]prot`, opt (`--`, `-f`, `!f`; blank for ip6tables), `[!]in`, `[!]out`
 * (`*` = any), `[!]source`, `[!]destination`, then each match's own print text (`tcp dpt:11211`,
 * `multiport dports 11211,11212`, `ctstate RELATED,ESTABLISHED`, `/* comment *\/`) and the
 * target's (`reject-with icmp-host-prohibited`), with `[goto]` for -g.
 *
 * The listing is lossy (a match whose text is not recognised becomes a not-understood step), so
 * iptables-save output is preferred when both exist.
 */
export interface IptablesListOptions {
  /** The table listed (`-t nat`); taken from the file name, else `filter`. */
  readonly table?: string;
  readonly family?: PacketFamily;
}

export function parseIptablesList(file: string, text: string, options: IptablesListOptions = {}): NetfilterParseResult {
  const diagnostics: Diagnostic[] = [];
  const tableName = options.table ?? /-t[_ ]([a-z]+)/u.exec(file)?.[1] ?? "filter";
  const family = options.family ?? familyFromPath(file) ?? (/\s::\/0\s|\s[0-9a-f]*:[0-9a-f:]*\/\d+\s/u.test(text) ? "ipv6" : "ipv4");
  const chains: { name: string; location: SourceLocation; base: BaseChainSpec | null; rules: NetfilterRule[] }[] = [];
  let current: (typeof chains)[number] | null = null;
  let layout: Layout | null = null;
  let tableLocation: SourceLocation | null = null;

  textLines(text).forEach((raw, index) => {
    const lineNo = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "") return;
    const location = lineLocation(file, lineNo, raw);
    const header = /^Chain (\S+) \((?:policy (\S+)(?: [^)]*)?|(\d+) references|ERROR[^)]*)\)/u.exec(trimmed);
    if (header) {
      const name = header[1]!;
      const builtin = XTABLES_BUILTIN_CHAINS[tableName]?.[name];
      let base: BaseChainSpec | null = null;
      if (builtin) {
        const policyText = header[2] ?? "ACCEPT";
        const policyColumn = raw.indexOf(`policy ${policyText}`) + 8;
        if (policyText !== "ACCEPT" && policyText !== "DROP") {
          diagnostics.push(diagnostic("warning", "iptables-list-syntax", `policy ${policyText} is not ACCEPT or DROP`, file, lineNo, policyColumn));
        }
        base = {
          type: tableName === "nat" ? "nat" : "filter",
          hook: builtin.hook,
          priority: builtin.priority,
          policy: policyText === "DROP" ? "drop" : "accept",
          policyLocation: header[2] ? span(file, lineNo, policyColumn, policyText.length) : location,
        };
      } else if (header[2]) {
        diagnostics.push(diagnostic("warning", "iptables-list-syntax", `chain ${name} has a policy but is not a built-in chain of table ${tableName}`, file, lineNo, 1));
      }
      current = { name, location, base, rules: [] };
      chains.push(current);
      tableLocation ??= location;
      layout = null;
      return;
    }
    if (!current) {
      diagnostics.push(diagnostic("warning", "iptables-list-syntax", `line before any "Chain" header: ${JSON.stringify(trimmed.slice(0, 60))}`, file, lineNo, 1));
      return;
    }
    if (/^(num\s+)?(pkts\s+bytes\s+)?target\s+prot\s+opt/u.test(trimmed)) {
      layout = { numbers: /^num\s/u.test(trimmed), counters: /\bpkts\s+bytes\b/u.test(trimmed), interfaces: /\bin\s+out\b/u.test(trimmed) };
      if (!layout.interfaces) {
        diagnostics.push(diagnostic("warning", "iptables-list-no-interfaces", "listing without -v: interface matches are not shown, so every rule is marked not understood", file, lineNo, 1));
      }
      return;
    }
    if (!layout) {
      diagnostics.push(diagnostic("warning", "iptables-list-syntax", "rule line before the column header", file, lineNo, 1));
      return;
    }
    const rule = parseRow(file, lineNo, raw, layout, family, diagnostics);
    if (rule) current.rules.push(rule);
  });

  const names = new Set(chains.map((c) => c.name));
  const finished: NetfilterChain[] = chains.map((chain) => ({
    ...chain,
    rules: chain.rules.map((rule) => {
      const verdict = rule.verdict;
      if ((verdict?.kind === "jump" || verdict?.kind === "goto") && !names.has(verdict.chain)) {
        const replaced: RuleVerdict = { kind: "not-understood", text: verdict.chain };
        return { ...rule, verdict: replaced, understood: false };
      }
      return rule;
    }),
  }));
  return {
    ruleset: {
      kind: "netfilter",
      format: "iptables-list",
      file,
      families: [family],
      tables: [{ family: family === "ipv4" ? "ip" : "ip6", name: tableName, location: tableLocation ?? span(file, 1, 1, 1), chains: finished, sets: [] }],
    },
    diagnostics,
  };
}

interface Layout {
  readonly numbers: boolean;
  readonly counters: boolean;
  readonly interfaces: boolean;
}

interface Token {
  readonly text: string;
  readonly column: number;
}

function tokenize(raw: string): Token[] {
  const tokens: Token[] = [];
  const re = /\S+/gu;
  for (let m = re.exec(raw); m; m = re.exec(raw)) tokens.push({ text: m[0], column: m.index + 1 });
  return tokens;
}

const ADDRESS = /^!?(?:anywhere|[0-9.]+(?:\/[0-9.]+)?|[0-9a-fA-F]*:[0-9a-fA-F:.]*(?:\/\d+)?)$/u;
const OPT = /^(?:--|-f|!f)$/u;

const NON_TERMINAL = new Set(["LOG", "NFLOG", "ULOG", "TRACE", "AUDIT", "CLASSIFY", "SET", "TEE", "DSCP", "TOS", "TCPMSS", "CHECKSUM", "SECMARK", "CONNSECMARK", "CONNMARK", "MARK", "CT", "NOTRACK", "TTL", "HL", "HMARK", "IDLETIMER", "LED", "RATEEST", "ECN"]);

/**
 * The text a target prints after the matches (iptables extensions' print functions). Each
 * pattern starts where a white-space run starts (`(?<!\s)`): a bare leading `\s*` was retried
 * from every position of a long run of tabs (50,000 took 3 s).
 */
const TARGET_TEXT: Readonly<Record<string, RegExp>> = {
  REJECT: /(?<!\s)\s*reject-with \S+\s*$/u,
  LOG: /(?<!\s)\s*LOG flags \d+ level \d+(?: prefix ".*")?\s*$/u,
  MARK: /(?<!\s)\s*MARK (?:set|xset|or|and|xor) \S+\s*$/u,
  CONNMARK: /(?<!\s)\s*CONNMARK [\s\S]*$/u,
  DNAT: /(?<!\s)\s*to:\S+[\s\S]*$/u,
  SNAT: /(?<!\s)\s*to:\S+[\s\S]*$/u,
  MASQUERADE: /(?<!\s)\s*masq ports: [\s\S]*$/u,
  REDIRECT: /(?<!\s)\s*redir ports [\s\S]*$/u,
  NFLOG: /(?<!\s)\s*nflog-[\s\S]*$/u,
  CT: /(?<!\s)\s*CT [\s\S]*$/u,
  NFQUEUE: /(?<!\s)\s*NFQUEUE [\s\S]*$/u,
  TCPMSS: /(?<!\s)\s*TCPMSS [\s\S]*$/u,
};

function parseRow(file: string, line: number, raw: string, layout: Layout, family: PacketFamily, diagnostics: Diagnostic[]): NetfilterRule | null {
  const tokens = tokenize(raw);
  let start = (layout.numbers ? 1 : 0) + (layout.counters ? 2 : 0);
  const minimum = layout.interfaces ? 2 : 0;
  let addressIndex = -1;
  for (let j = start + 1 + minimum; j + 1 < tokens.length; j++) {
    if (ADDRESS.test(tokens[j]!.text) && ADDRESS.test(tokens[j + 1]!.text)) {
      addressIndex = j;
      break;
    }
  }
  if (addressIndex < 0) {
    diagnostics.push(diagnostic("warning", "iptables-list-syntax", "cannot find the source and destination columns", file, line, 1));
    return null;
  }
  const head = tokens.slice(start, addressIndex - minimum);
  let target: Token | null = null;
  let protocol: Token;
  let opt: Token | null = null;
  if (head.length === 3) [target, protocol, opt] = head as [Token, Token, Token];
  else if (head.length === 2) {
    if (OPT.test(head[1]!.text)) [protocol, opt] = head as [Token, Token];
    else [target, protocol] = head as [Token, Token];
  } else if (head.length === 1) protocol = head[0]!;
  else {
    diagnostics.push(diagnostic("warning", "iptables-list-syntax", "cannot read the target, prot and opt columns", file, line, tokens[start]?.column ?? 1));
    return null;
  }
  const steps: RuleStep[] = [];
  const loc = (t: Token): SourceLocation => span(file, line, t.column, t.text.length);
  const add = (field: MatchField, value: MatchValue, negate: boolean, token: Token, extra: Partial<Match> = {}) =>
    steps.push({ kind: "match", match: { field, value, negate, text: token.text, location: loc(token), ...extra } });
  start = 0;

  // prot
  let protocolNumberValue: number | null = null;
  {
    const negate = protocol.text.startsWith("!");
    const name = negate ? protocol.text.slice(1) : protocol.text;
    if (name !== "all" && name !== "0") {
      const n = protocolNumber(name);
      if (n === null) steps.push({ kind: "not-understood", text: protocol.text, location: loc(protocol) });
      else {
        add("l4proto", { kind: "numbers", ranges: [{ first: n, last: n }] }, negate, protocol);
        if (!negate) protocolNumberValue = n;
      }
    }
  }
  if (opt && opt.text !== "--") add("l4proto", { kind: "numbers", ranges: opt.text === "!f" ? [{ first: 0, last: 255 }] : [] }, false, opt);
  if (layout.interfaces) {
    const [inToken, outToken] = [tokens[addressIndex - 2]!, tokens[addressIndex - 1]!];
    for (const [token, field] of [[inToken, "iif"], [outToken, "oif"]] as const) {
      const negate = token.text.startsWith("!");
      const name = negate ? token.text.slice(1) : token.text;
      if (name === "*" || name === "any") continue;
      add(field, { kind: "interfaces", names: [name.endsWith("+") ? { name: name.slice(0, -1), wildcard: true } : { name, wildcard: false }] }, negate, token);
    }
  } else {
    steps.push({ kind: "not-understood", text: "(interfaces not listed without -v)", location: lineLocation(file, line, raw) });
  }
  for (const [token, field] of [[tokens[addressIndex]!, "saddr"], [tokens[addressIndex + 1]!, "daddr"]] as const) {
    const negate = token.text.startsWith("!");
    const text = negate ? token.text.slice(1) : token.text;
    if (text === "anywhere") continue;
    const range = parseCidr(text);
    if (!range || range.family !== family) {
      steps.push({ kind: "not-understood", text: token.text, location: loc(token) });
      continue;
    }
    if (isAnyAddress(range) && !negate) continue;
    add(field, { kind: "addresses", ranges: [range] }, negate, token);
  }

  // Trailing match and target text.
  const restToken = tokens[addressIndex + 2];
  let rest = restToken ? raw.slice(restToken.column - 1).trimEnd() : "";
  const restColumn = restToken?.column ?? raw.length + 1;
  let isGoto = false;
  const gotoMatch = /(?<!\s)\s*\[goto\]\s*$/u.exec(rest);
  if (gotoMatch) {
    isGoto = true;
    rest = rest.slice(0, gotoMatch.index);
  }
  let targetText = "";
  const targetName = target?.text ?? null;
  if (targetName) {
    const suffix = TARGET_TEXT[targetName];
    const found = suffix?.exec(rest);
    if (found) {
      targetText = found[0].trim();
      rest = rest.slice(0, found.index);
    }
  }
  parseMatchText(rest, restColumn, file, line, steps, protocolNumberValue, family);

  let verdict: RuleVerdict | null = null;
  if (targetName) {
    if (isGoto) verdict = { kind: "goto", chain: targetName };
    else verdict = mapListTarget(targetName, targetText, steps, file, line, target!);
  }
  return { location: lineLocation(file, line, raw), text: raw.trim(), steps, verdict, understood: ruleIsUnderstood(steps, verdict) };
}

function mapListTarget(name: string, targetText: string, steps: RuleStep[], file: string, line: number, token: Token): RuleVerdict | null {
  const plain = plainTargetVerdict(name);
  if (plain) return plain;
  switch (name) {
    case "REJECT": {
      const withType = /reject-with (\S+)/u.exec(targetText)?.[1];
      return withType ? { kind: "reject", with: withType } : { kind: "reject" };
    }
    case "MARK": {
      const set = /MARK set (0x[0-9a-f]+)$/iu.exec(targetText);
      steps.push({ kind: "set-mark", value: set ? parseUint32(set[1]!) : null, text: `MARK ${targetText}`, location: span(file, line, token.column, token.text.length) });
      return null;
    }
    case "NOTRACK":
      steps.push({ kind: "notrack", text: name, location: span(file, line, token.column, token.text.length) });
      return null;
    case "CT":
      if (/notrack/u.test(targetText)) steps.push({ kind: "notrack", text: targetText, location: span(file, line, token.column, token.text.length) });
      return null;
    default:
      if (NON_TERMINAL.has(name)) return null;
      if (KNOWN_UNMODELLED_TARGETS.has(name)) return { kind: "not-understood", text: `${name} ${targetText}`.trim() };
      return { kind: "jump", chain: name };
  }
}

const STATES = new Set(["new", "established", "related", "invalid", "untracked", "snat", "dnat"]);

/**
 * The trailing text, segment by segment. Each recognised print form becomes a match; the first
 * unrecognised segment (and everything after it) becomes one not-understood step.
 */
function parseMatchText(rest: string, column: number, file: string, line: number, steps: RuleStep[], protocol: number | null, family: PacketFamily): void {
  let offset = 0;
  const at = (length: number): SourceLocation => span(file, line, column + offset, length);
  const push = (field: MatchField, value: MatchValue, negate: boolean, text: string, extra: Partial<Match> = {}) =>
    steps.push({ kind: "match", match: { field, value, negate, text: text.trim(), location: at(text.trimEnd().length), ...extra } });
  const portRequires = protocol !== null && PORT_PROTOCOLS.includes(protocol) ? [protocol] : null;

  while (offset < rest.length) {
    const spaces = /^\s*/u.exec(rest.slice(offset))![0].length;
    offset += spaces;
    const tail = rest.slice(offset);
    if (tail === "") break;
    let m: RegExpExecArray | null;

    if ((m = /^\/\* (.*?) \*\/(?=\s|$)/u.exec(tail))) {
      offset += m[0].length; // comment match: always true
      continue;
    }
    if ((m = /^(tcp|udp|sctp|dccp|udplite)(?=\s|$)/u.exec(tail))) {
      // The protocol match's own text: port and flag items follow until the next segment.
      offset += m[0].length;
      continue;
    }
    if ((m = /^(spt|dpt)(s?):(!?)(\d+)(?::(\d+))?(?=\s|$)/u.exec(tail))) {
      const range = m[2] === "s" ? { first: Number(m[4]), last: Number(m[5]) } : { first: Number(m[4]), last: Number(m[4]) };
      if (!portRequires || range.last > 65535) steps.push({ kind: "not-understood", text: m[0], location: at(m[0].length) });
      else push(m[1] === "dpt" ? "dport" : "sport", { kind: "numbers", ranges: [range] }, m[3] === "!", m[0], { requiresProtocols: portRequires });
      offset += m[0].length;
      continue;
    }
    if ((m = /^flags:(!?)(0x[0-9A-Fa-f]+)\/(0x[0-9A-Fa-f]+)(?=\s|$)/u.exec(tail))) {
      const mask = parseInt(m[2]!.slice(2), 16);
      const value = parseInt(m[3]!.slice(2), 16);
      push("tcp-flags", { kind: "bits", mask, value: value & mask }, m[1] === "!", m[0], { requiresProtocols: [6] });
      offset += m[0].length;
      continue;
    }
    if ((m = /^multiport (dports|sports) +(!?)([\d,:]+)(?=\s|$)/u.exec(tail))) {
      const ranges = m[3]!.split(",").map((p) => parsePortRange(p, ":"));
      if (!portRequires || ranges.some((r) => r === null)) steps.push({ kind: "not-understood", text: m[0], location: at(m[0].length) });
      else push(m[1] === "dports" ? "dport" : "sport", { kind: "numbers", ranges: ranges as { first: number; last: number }[] }, m[2] === "!", m[0], { requiresProtocols: portRequires });
      offset += m[0].length;
      continue;
    }
    if ((m = /^(! )?(state|ctstate) (!?)([A-Z,]+)(?=\s|$)/u.exec(tail))) {
      const states = m[4]!.toLowerCase().split(",");
      if (states.some((s) => !STATES.has(s))) steps.push({ kind: "not-understood", text: m[0], location: at(m[0].length) });
      else push("ct-state", { kind: "ct-states", states }, m[1] !== undefined || m[3] === "!", m[0]);
      offset += m[0].length;
      continue;
    }
    if ((m = /^(! )?match-set (\S+) (src|dst)\S*(?=\s|$)/u.exec(tail))) {
      push(m[3] === "dst" ? "daddr" : "saddr", { kind: "ipset", name: m[2]! }, m[1] !== undefined, m[0]);
      offset += m[0].length;
      continue;
    }
    if ((m = /^mark match (!?)(0x[0-9a-f]+)(?:\/(0x[0-9a-f]+))?(?=\s|$)/iu.exec(tail))) {
      const mask = m[3] === undefined ? 0xffffffff : parseUint32(m[3])!;
      const value = parseUint32(m[2]!)!;
      push("mark", { kind: "bits", mask, value: (value & mask) >>> 0 }, m[1] === "!", m[0]);
      offset += m[0].length;
      continue;
    }
    if ((m = /^(source|destination) IP range (!?\s?)(\S+)(?=\s|$)/u.exec(tail))) {
      const range = parseAddressRangeOrCidr(m[3]!);
      if (!range || range.family !== family) steps.push({ kind: "not-understood", text: m[0], location: at(m[0].length) });
      else push(m[1] === "source" ? "saddr" : "daddr", { kind: "addresses", ranges: [range] }, m[2]!.trim() === "!", m[0]);
      offset += m[0].length;
      continue;
    }
    if ((m = /^(?:icmp(?:type)?|ipv6-icmp(?:type)?|icmpv6)(?: type)? !?\d+(?: code \d+)?(?=\s|$)/u.exec(tail)) || (m = /^icmp(?:v6)? !?[a-z-]+(?=\s|$)/u.exec(tail))) {
      // Only ICMP matches; the type itself is not modelled.
      const proto = family === "ipv4" ? 1 : 58;
      push("l4proto", { kind: "numbers", ranges: [{ first: proto, last: proto }] }, false, m[0]);
      offset += m[0].length;
      continue;
    }
    steps.push({ kind: "not-understood", text: tail.trim(), location: at(tail.trimEnd().length) });
    break;
  }
}
