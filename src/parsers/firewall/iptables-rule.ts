import type { SourceLocation } from "../../model/source.js";
import type { AddressRange } from "../../model/firewall/addresses.js";
import { isAnyAddress, parseAddressRangeOrCidr, parseCidr } from "../../model/firewall/addresses.js";
import type { InterfacePattern, Match, MatchField, MatchValue, NumberRange, PacketFamily, RuleStep, RuleVerdict } from "../../model/firewall/ruleset.js";
import { PORT_PROTOCOLS, protocolNumber } from "../../model/firewall/ruleset.js";
import { joinLocations, parsePortRange, parseUint32, span } from "./common.js";

/**
 * iptables rule arguments (`-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT`) mapped onto the
 * netfilter model. Arguments are split the way iptables-restore does it (xshared.c
 * `add_param_to_argv`: whitespace separates, double quotes group, a backslash escapes inside
 * quotes) and processed getopt-style: options may come in any order, `!` negates the next one,
 * `-m NAME` loads a match whose options follow, `-j`/`-g` set the target.
 */
export interface ArgToken {
  readonly text: string;
  readonly quoted: boolean;
  /** 1-based column of the token's first character (its opening quote when quoted). */
  readonly column: number;
  /** Length in the source, quotes included. */
  readonly length: number;
}

export function splitIptablesArgs(line: string, startColumn = 1): ArgToken[] {
  const tokens: ArgToken[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    const start = i;
    let text = "";
    let quoted = false;
    let open = false;
    while (i < line.length) {
      const ch = line[i]!;
      if (open) {
        if (ch === "\\" && i + 1 < line.length) {
          text += line[i + 1];
          i += 2;
          continue;
        }
        if (ch === '"') {
          open = false;
          i++;
          continue;
        }
        text += ch;
        i++;
        continue;
      }
      if (ch === '"') {
        open = true;
        quoted = true;
        i++;
        continue;
      }
      if (ch === " " || ch === "\t") break;
      text += ch;
      i++;
    }
    tokens.push({ text, quoted, column: startColumn + start, length: i - start });
  }
  return tokens;
}

export interface ParsedIptablesRule {
  readonly command: "append" | "insert" | "other";
  readonly chain: string | null;
  readonly insertAt: number | null;
  readonly steps: RuleStep[];
  readonly verdict: RuleVerdict | null;
  /** The -j/-g target name as written, for resolving user chains after the whole table is read. */
  readonly target: { readonly name: string; readonly goto: boolean } | null;
  readonly comment?: string;
  readonly problems: { readonly message: string; readonly column: number }[];
}

/** Targets that return XT_CONTINUE: the packet goes on to the next rule. */
const NON_TERMINAL_TARGETS = new Set([
  "LOG",
  "NFLOG",
  "ULOG",
  "TRACE",
  "AUDIT",
  "CLASSIFY",
  "SET",
  "TEE",
  "DSCP",
  "TOS",
  "TCPMSS",
  "TCPOPTSTRIP",
  "CHECKSUM",
  "SECMARK",
  "CONNSECMARK",
  "IDLETIMER",
  "LED",
  "TTL",
  "HL",
  "HMARK",
  "RATEEST",
  "CONNMARK",
  "MARK",
  "CT",
  "NOTRACK",
  "ECN",
]);

const TCP_FLAG_BITS: Readonly<Record<string, number>> = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ALL: 0x3f, NONE: 0 };

const STATES = new Set(["new", "established", "related", "invalid", "untracked", "snat", "dnat"]);

interface Builder {
  readonly file: string;
  readonly line: number;
  readonly family: PacketFamily;
  readonly steps: RuleStep[];
  readonly problems: { message: string; column: number }[];
  protocol: number | null;
}

function locationOf(b: Builder, first: ArgToken, last: ArgToken = first): SourceLocation {
  return joinLocations(span(b.file, b.line, first.column, first.length), span(b.file, b.line, last.column, last.length));
}

function textOf(tokens: readonly ArgToken[]): string {
  return tokens.map((t) => (t.quoted ? JSON.stringify(t.text) : t.text)).join(" ");
}

function addMatch(b: Builder, field: MatchField, value: MatchValue, negate: boolean, tokens: readonly ArgToken[], extra: Partial<Pick<Match, "requiresProtocols" | "requiresFamily">> = {}): void {
  const first = tokens[0]!;
  const last = tokens[tokens.length - 1]!;
  b.steps.push({ kind: "match", match: { field, value, negate, text: textOf(tokens), location: locationOf(b, first, last), ...extra } });
}

function notUnderstood(b: Builder, tokens: readonly ArgToken[]): void {
  const first = tokens[0]!;
  b.steps.push({ kind: "not-understood", text: textOf(tokens), location: locationOf(b, first, tokens[tokens.length - 1]!) });
}

function parseAddresses(text: string, family: PacketFamily): AddressRange[] | null {
  const ranges: AddressRange[] = [];
  for (const part of text.split(",")) {
    const range = parseCidr(part);
    if (!range || range.family !== family) return null;
    ranges.push(range);
  }
  return ranges;
}

function parseInterface(text: string): InterfacePattern {
  return text.endsWith("+") ? { name: text.slice(0, -1), wildcard: true } : { name: text, wildcard: false };
}

function parseTcpFlagList(text: string): number | null {
  if (/^0x[0-9a-f]+$/iu.test(text)) return parseInt(text.slice(2), 16);
  let bits = 0;
  for (const name of text.split(",")) {
    const bit = TCP_FLAG_BITS[name.toUpperCase()];
    if (bit === undefined) return null;
    bits |= bit;
  }
  return bits;
}

/** The ports of a multiport list: `22,80,1000:2000`. */
function parseMultiport(text: string): NumberRange[] | null {
  const ranges: NumberRange[] = [];
  for (const part of text.split(",")) {
    const range = parsePortRange(part, ":");
    if (!range) return null;
    ranges.push(range);
  }
  return ranges;
}

function isValueToken(token: ArgToken | undefined): boolean {
  return token !== undefined && (token.quoted || (!token.text.startsWith("-") && token.text !== "!"));
}

/**
 * Maps the arguments of one rule. `tokens` starts at the command (`-A`). Everything not
 * understood becomes a `not-understood` step (or verdict) with its own span.
 */
export function parseIptablesRuleArgs(file: string, line: number, family: PacketFamily, tokens: readonly ArgToken[]): ParsedIptablesRule {
  const b: Builder = { file, line, family, steps: [], problems: [], protocol: null };
  let command: ParsedIptablesRule["command"] = "other";
  let chain: string | null = null;
  let insertAt: number | null = null;
  let target: { name: string; goto: boolean; tokens: ArgToken[] } | null = null;
  const targetOptions: ArgToken[][] = [];
  let comment: string | undefined;
  let negate = false;
  let negateToken: ArgToken | null = null;
  const modules = new Set<string>();

  let i = 0;
  const next = (): ArgToken | undefined => tokens[i++];
  const takeValue = (option: ArgToken): ArgToken | null => {
    const value = tokens[i];
    if (value === undefined) {
      b.problems.push({ message: `${option.text} needs a value`, column: option.column });
      return null;
    }
    i++;
    return value;
  };

  while (i < tokens.length) {
    const token = next()!;
    const option = token.text;
    if (option === "!" && !token.quoted) {
      negate = true;
      negateToken = token;
      continue;
    }
    const negated = negate;
    const startToken = negateToken ?? token;
    negate = false;
    negateToken = null;
    const group = (value: ArgToken | null): ArgToken[] => (value ? [startToken, token, value].filter((t, idx, all) => all.indexOf(t) === idx) : [startToken, token]);

    switch (option) {
      case "-A":
      case "--append":
      case "-I":
      case "--insert": {
        command = option === "-A" || option === "--append" ? "append" : "insert";
        chain = takeValue(token)?.text ?? null;
        if (command === "insert" && tokens[i] && /^\d+$/u.test(tokens[i]!.text)) insertAt = Number(next()!.text);
        break;
      }
      case "-s":
      case "--source":
      case "--src":
      case "-d":
      case "--destination":
      case "--dst": {
        const value = takeValue(token);
        if (!value) break;
        const field = option === "-s" || option === "--source" || option === "--src" ? "saddr" : "daddr";
        const ranges = parseAddresses(value.text, family);
        if (!ranges) {
          notUnderstood(b, group(value));
          break;
        }
        if (!negated && ranges.some(isAnyAddress)) break; // -s 0.0.0.0/0 matches everything
        addMatch(b, field, { kind: "addresses", ranges }, negated, group(value));
        break;
      }
      case "-p":
      case "--protocol": {
        const value = takeValue(token);
        if (!value) break;
        const name = value.text.toLowerCase();
        if (name === "all" || name === "0") {
          if (negated) addMatch(b, "l4proto", { kind: "numbers", ranges: [] }, false, group(value)); // `! -p all` never matches
          break;
        }
        const n = protocolNumber(name);
        if (n === null) {
          notUnderstood(b, group(value));
          break;
        }
        if (!negated) b.protocol = n;
        addMatch(b, "l4proto", { kind: "numbers", ranges: [{ first: n, last: n }] }, negated, group(value));
        break;
      }
      case "-i":
      case "--in-interface":
      case "-o":
      case "--out-interface": {
        const value = takeValue(token);
        if (!value) break;
        const field = option === "-i" || option === "--in-interface" ? "iif" : "oif";
        addMatch(b, field, { kind: "interfaces", names: [parseInterface(value.text)] }, negated, group(value));
        break;
      }
      case "-f":
      case "--fragment":
        // Only non-first fragments match `-f`; a connection's first packet is never one.
        addMatch(b, "l4proto", { kind: "numbers", ranges: negated ? [{ first: 0, last: 255 }] : [] }, false, group(null));
        break;
      case "-m":
      case "--match": {
        const value = takeValue(token);
        if (value) modules.add(value.text);
        break;
      }
      case "-j":
      case "--jump":
      case "-g":
      case "--goto": {
        const value = takeValue(token);
        if (value) target = { name: value.text, goto: option === "-g" || option === "--goto", tokens: [token, value] };
        break;
      }
      case "-c":
      case "--set-counters":
        i += tokens[i]?.text.includes(":") ? 1 : 2;
        break;
      case "-4":
      case "--ipv4":
      case "-6":
      case "--ipv6":
        break;
      case "--comment": {
        const value = takeValue(token);
        if (value) comment = value.text;
        break;
      }
      case "--dport":
      case "--destination-port":
      case "--sport":
      case "--source-port": {
        const value = takeValue(token);
        if (!value) break;
        const range = parsePortRange(value.text, ":");
        const requires = b.protocol !== null && PORT_PROTOCOLS.includes(b.protocol) ? [b.protocol] : null;
        if (!range || !requires) {
          notUnderstood(b, group(value));
          break;
        }
        const field = option === "--dport" || option === "--destination-port" ? "dport" : "sport";
        addMatch(b, field, { kind: "numbers", ranges: [range] }, negated, group(value), { requiresProtocols: requires });
        break;
      }
      case "--dports":
      case "--destination-ports":
      case "--sports":
      case "--source-ports": {
        const value = takeValue(token);
        if (!value) break;
        const ranges = parseMultiport(value.text);
        const requires = b.protocol !== null && PORT_PROTOCOLS.includes(b.protocol) ? [b.protocol] : null;
        if (!ranges || !requires) {
          notUnderstood(b, group(value));
          break;
        }
        const field = option === "--dports" || option === "--destination-ports" ? "dport" : "sport";
        addMatch(b, field, { kind: "numbers", ranges }, negated, group(value), { requiresProtocols: requires });
        break;
      }
      case "--syn":
        addMatch(b, "tcp-flags", { kind: "bits", mask: 0x17, value: 0x02 }, negated, group(null), { requiresProtocols: [6] });
        break;
      case "--tcp-flags": {
        const mask = takeValue(token);
        const compare = mask ? takeValue(mask) : null;
        if (!mask || !compare) break;
        const maskBits = parseTcpFlagList(mask.text);
        const compareBits = parseTcpFlagList(compare.text);
        const all = startToken === token ? [token, mask, compare] : [startToken, token, mask, compare];
        if (maskBits === null || compareBits === null) notUnderstood(b, all);
        else addMatch(b, "tcp-flags", { kind: "bits", mask: maskBits, value: compareBits & maskBits }, negated, all, { requiresProtocols: [6] });
        break;
      }
      case "--state":
      case "--ctstate": {
        const value = takeValue(token);
        if (!value) break;
        const states = value.text.toLowerCase().split(",");
        if (states.some((s) => !STATES.has(s))) notUnderstood(b, group(value));
        else addMatch(b, "ct-state", { kind: "ct-states", states }, negated, group(value));
        break;
      }
      case "--match-set": {
        const name = takeValue(token);
        const flags = name ? takeValue(name) : null;
        if (!name || !flags) break;
        const field = flags.text.startsWith("dst") ? "daddr" : "saddr";
        addMatch(b, field, { kind: "ipset", name: name.text }, negated, startToken === token ? [token, name, flags] : [startToken, token, name, flags]);
        break;
      }
      case "--mark": {
        const value = takeValue(token);
        if (!value) break;
        const [v, m] = value.text.split("/");
        const markValue = parseUint32(v ?? "");
        const mask = m === undefined ? 0xffffffff : parseUint32(m);
        if (markValue === null || mask === null) notUnderstood(b, group(value));
        else addMatch(b, "mark", { kind: "bits", mask, value: (markValue & mask) >>> 0 }, negated, group(value));
        break;
      }
      case "--src-range":
      case "--dst-range": {
        const value = takeValue(token);
        if (!value) break;
        const range = parseAddressRangeOrCidr(value.text);
        if (!range || range.family !== family) notUnderstood(b, group(value));
        else addMatch(b, option === "--src-range" ? "saddr" : "daddr", { kind: "addresses", ranges: [range] }, negated, group(value));
        break;
      }
      case "--icmp-type":
      case "--icmpv6-type": {
        const value = takeValue(token);
        const proto = option === "--icmp-type" ? 1 : 58;
        // The type is not modelled; the match applies only to ICMP, which decides TCP/UDP packets.
        addMatch(b, "l4proto", { kind: "numbers", ranges: [{ first: proto, last: proto }] }, false, group(value));
        break;
      }
      default: {
        if (!option.startsWith("-") || token.quoted) {
          b.problems.push({ message: `unexpected argument ${JSON.stringify(option)}`, column: token.column });
          break;
        }
        // Unknown option: take its values (tokens up to the next option) and keep the text.
        const values: ArgToken[] = [];
        while (isValueToken(tokens[i])) values.push(next()!);
        const all = startToken === token ? [token, ...values] : [startToken, token, ...values];
        if (target !== null) targetOptions.push(all);
        else notUnderstood(b, all);
      }
    }
  }

  let verdict: RuleVerdict | null = null;
  if (target) {
    verdict = mapTarget(b, target, targetOptions);
  }
  return {
    command,
    chain,
    insertAt,
    steps: b.steps,
    verdict,
    target: target ? { name: target.name, goto: target.goto } : null,
    ...(comment !== undefined ? { comment } : {}),
    problems: b.problems,
  };
}

function optionValue(options: readonly ArgToken[][], ...names: string[]): string | undefined {
  for (const group of options) {
    const index = group.findIndex((t) => names.includes(t.text));
    if (index >= 0) return group[index + 1]?.text;
  }
  return undefined;
}

function hasOption(options: readonly ArgToken[][], name: string): boolean {
  return options.some((g) => g.some((t) => t.text === name));
}

function mapTarget(b: Builder, target: { name: string; goto: boolean; tokens: ArgToken[] }, options: ArgToken[][]): RuleVerdict | null {
  const name = target.name;
  const text = [target.tokens, ...options].flat().map((t) => (t.quoted ? JSON.stringify(t.text) : t.text)).join(" ");
  if (target.goto) return { kind: "goto", chain: name };
  const plain = plainTargetVerdict(name);
  if (plain) return plain;
  switch (name) {
    case "REJECT": {
      const rejectWith = optionValue(options, "--reject-with");
      return rejectWith === undefined ? { kind: "reject" } : { kind: "reject", with: rejectWith };
    }
    case "MARK": {
      const set = optionValue(options, "--set-mark", "--set-xmark");
      let value: number | null = null;
      if (set !== undefined) {
        const [v, m] = set.split("/");
        const parsed = parseUint32(v ?? "");
        if (parsed !== null && (m === undefined || parseUint32(m) === 0xffffffff)) value = parsed;
      }
      b.steps.push({ kind: "set-mark", value, text, location: locationOf(b, target.tokens[0]!, [...target.tokens, ...options.flat()].at(-1)!) });
      return null;
    }
    case "CONNMARK":
      if (hasOption(options, "--restore-mark")) {
        b.steps.push({ kind: "set-mark", value: null, text, location: locationOf(b, target.tokens[0]!, [...target.tokens, ...options.flat()].at(-1)!) });
      }
      return null;
    case "NOTRACK":
      b.steps.push({ kind: "notrack", text, location: locationOf(b, target.tokens[0]!, target.tokens[1]!) });
      return null;
    case "CT":
      if (hasOption(options, "--notrack")) b.steps.push({ kind: "notrack", text, location: locationOf(b, target.tokens[0]!, [...target.tokens, ...options.flat()].at(-1)!) });
      return null;
    default:
      if (NON_TERMINAL_TARGETS.has(name)) return null;
      // A user chain (resolved against the table later) or a target the evaluator does not model.
      return { kind: "jump", chain: name };
  }
}

/**
 * The targets whose verdict is their name alone, whichever way xtables prints the rule
 * (iptables-save arguments or an `iptables -L` row).
 */
export function plainTargetVerdict(name: string): RuleVerdict | null {
  switch (name) {
    case "ACCEPT":
      return { kind: "accept" };
    case "DROP":
      return { kind: "drop" };
    case "RETURN":
      return { kind: "return" };
    case "SNAT":
    case "MASQUERADE":
      return { kind: "accept", label: name };
    default:
      return null;
  }
}

/** Targets that are never chain names; a `jump` to one of these is not understood. */
export const KNOWN_UNMODELLED_TARGETS = new Set(["QUEUE", "NFQUEUE", "DNAT", "REDIRECT", "NETMAP", "TPROXY", "SYNPROXY", "MIRROR", "TARPIT", "DELUDE", "CHAOS"]);
