import type { SourceLocation } from "../source.js";
import type { IpAddress } from "./addresses.js";
import { parseIpAddress, rangeContains } from "./addresses.js";
import type { EvaluateOptions, EvaluationResult, Packet } from "./packet.js";
import { protocolNumberOf, setDeciderFields, tcpFlagsOf } from "./packet.js";
import type {
  InterfacePattern,
  Match,
  MatchValue,
  NetfilterChain,
  NetfilterHook,
  NetfilterRule,
  NetfilterRuleset,
  NetfilterTable,
  RuleVerdict,
  SetElements,
  SimpleVerdict,
} from "./ruleset.js";

/**
 * Walks a netfilter ruleset the way the kernel does for one packet:
 *
 * - every base chain registered on the packet's hooks runs, in priority order (prerouting then
 *   input for a packet to this host; output then postrouting for one it sends). An accept ends
 *   only the base chain it happens in; drop and reject end everything (nf_hook_slow: NF_ACCEPT
 *   continues with the next hook entry, NF_DROP stops).
 * - inside a chain: rules in order; `jump` pushes, `goto` replaces, `return` (or the end of a
 *   regular chain) pops; the end of a base chain applies its policy.
 * - each match is true, false or unknown; a rule that might match and has an effect makes the
 *   verdict unknown, naming what could not be decided.
 *
 * The walk is iterative (an explicit stack) so that very deep jump chains cannot overflow the
 * JavaScript stack; jump cycles (which the kernel refuses to load) end as unknown.
 */

const DEFAULT_MAX_STEPS = 1_000_000;

type Tri = true | false | Unknown;

interface Unknown {
  readonly unknown: string;
  readonly location: SourceLocation;
}

function isUnknown(value: Tri): value is Unknown {
  return typeof value === "object";
}

type MarkState = { readonly known: number } | { readonly unknown: string };

interface WalkContext {
  readonly packet: Packet;
  readonly ruleset: NetfilterRuleset;
  readonly saddr: IpAddress | null;
  readonly daddr: IpAddress | null;
  readonly notes: string[];
  mark: MarkState;
  markDefaulted: boolean;
  state: NonNullable<Packet["state"]>;
  /**
   * Whether conntrack has looked the packet up yet: it runs at priority -200 (NF_IP_PRI_CONNTRACK)
   * on prerouting and output, so a chain before it sees no conntrack entry (`ct state` is
   * invalid there, `notrack` takes effect); "unknown" at exactly -200, where the order among
   * equal priorities decides.
   */
  conntrackAttached: boolean | "unknown";
  /** The hook being walked: interfaces exist only on one side of the host. */
  hook: NetfilterHook;
  steps: number;
  readonly maxSteps: number;
}

interface ChainOutcome {
  readonly kind: "accept" | "drop" | "reject" | "unknown";
  readonly decidingRule?: SourceLocation;
  readonly decidingPolicy?: { chain: string; location: SourceLocation };
  readonly unknownReason?: string;
  readonly unknownLocation?: SourceLocation;
}

export function evaluateNetfilter(ruleset: NetfilterRuleset, packet: Packet, options: EvaluateOptions = {}): EvaluationResult {
  const notes: string[] = [];
  const path: string[] = [];
  if (!ruleset.families.includes(packet.family)) {
    return {
      verdict: "unknown",
      path,
      unknownReason: `this ${ruleset.format} dump covers ${ruleset.families.join(" and ")} only; the ${packet.family} path is decided by another ruleset`,
      notes,
    };
  }
  const saddr = packet.saddr === undefined ? null : parseIpAddress(packet.saddr);
  const daddr = packet.daddr === undefined ? null : parseIpAddress(packet.daddr);
  const context: WalkContext = {
    packet,
    ruleset,
    saddr,
    daddr,
    notes,
    mark: { known: packet.mark ?? 0 },
    markDefaulted: packet.mark === undefined,
    state: packet.state ?? "new",
    conntrackAttached: false,
    hook: packet.hook,
    steps: 0,
    maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS,
  };

  const hooks: NetfilterHook[] = packet.hook === "input" ? ["prerouting", "input"] : ["output", "postrouting"];
  let last: ChainOutcome | null = null;
  let anyBaseChain = false;
  for (const hook of hooks) {
    context.hook = hook;
    for (const { table, chain } of baseChainsOn(ruleset, hook, packet, notes)) {
      anyBaseChain = true;
      if (chain.base?.type === "nat" && context.state !== "new") continue; // nat chains see only a connection's first packet
      if (chain.rules.length === 0 && chain.base?.policy === "accept") continue; // no effect; keeps the path short
      context.conntrackAttached = conntrackAttachedAt(hook, chain.base!.priority);
      const outcome = walkBaseChain(table, chain, context, path);
      if (outcome.kind !== "accept") {
        return finish(outcome, path, notes);
      }
      last = outcome;
    }
  }
  if (!anyBaseChain) {
    path.push(`no base chain on the ${packet.hook} path: not filtered`);
    return { verdict: "accept", path, notes };
  }
  return finish(last ?? { kind: "accept" }, path, notes);
}

/** NF_IP_PRI_CONNTRACK: where conntrack attaches its entry to a packet (prerouting and output). */
const CONNTRACK_PRIORITY = -200;

function conntrackAttachedAt(hook: NetfilterHook, priority: number): boolean | "unknown" {
  if (hook !== "prerouting" && hook !== "output") return true;
  if (priority === CONNTRACK_PRIORITY) return "unknown";
  return priority > CONNTRACK_PRIORITY;
}

function finish(outcome: ChainOutcome, path: string[], notes: string[]): EvaluationResult {
  return {
    verdict: outcome.kind,
    path,
    ...setDeciderFields(outcome),
    notes,
  };
}

function tableApplies(table: NetfilterTable, packet: Packet): boolean {
  if (table.family === "inet") return true;
  if (table.family === "ip") return packet.family === "ipv4";
  if (table.family === "ip6") return packet.family === "ipv6";
  return false;
}

/** Base chains on a hook in priority order; equal priorities keep file order (creation order). */
function baseChainsOn(ruleset: NetfilterRuleset, hook: NetfilterHook, packet: Packet, notes: string[]): { table: NetfilterTable; chain: NetfilterChain }[] {
  const found: { table: NetfilterTable; chain: NetfilterChain; order: number }[] = [];
  let order = 0;
  for (const table of ruleset.tables) {
    for (const chain of table.chains) {
      order++;
      if (!chain.base || chain.base.hook !== hook) continue;
      if (!tableApplies(table, packet)) {
        if (table.family === "netdev" || table.family === "bridge") {
          notes.push(`${table.family} table ${table.name} is not evaluated (layer-2 / device hooks)`);
        }
        continue;
      }
      found.push({ table, chain, order });
    }
  }
  found.sort((a, b) => a.chain.base!.priority - b.chain.base!.priority || a.order - b.order);
  for (let i = 1; i < found.length; i++) {
    const previous = found[i - 1]!;
    const current = found[i]!;
    if (previous.chain.base!.priority === current.chain.base!.priority && ruleset.format !== "iptables-save" && ruleset.format !== "iptables-list") {
      notes.push(
        `base chains ${chainLabel(previous.table, previous.chain, ruleset)} and ${chainLabel(current.table, current.chain, ruleset)} share priority ${current.chain.base!.priority} on ${hook}; evaluated in the order they appear`,
      );
    }
  }
  return found;
}

function chainLabel(table: NetfilterTable, chain: NetfilterChain, ruleset: NetfilterRuleset): string {
  if (ruleset.format === "iptables-save" || ruleset.format === "iptables-list") {
    return table.name === "filter" ? chain.name : `${table.name} ${chain.name}`;
  }
  return `${table.family} ${table.name} ${chain.name}`;
}

/**
 * nf_tables refuses a ruleset whose jumps and gotos nest deeper than this from a base chain
 * (nft_chain_validate: NFT_JUMP_STACK_SIZE 16, "Too many links"). Measured on Linux 6.18 with
 * nft 1.0.6 and iptables-nft 1.8.9: 15 nested jumps load, 16 do not; gotos count the same;
 * iptables-legacy has no such limit.
 */
const NF_TABLES_MAX_NESTING = 15;

function nestingLimit(ruleset: NetfilterRuleset): number | null {
  if (ruleset.format === "nft" || ruleset.format === "nft-json") return NF_TABLES_MAX_NESTING;
  return ruleset.backend === "nf_tables" ? NF_TABLES_MAX_NESTING : null;
}

interface Frame {
  readonly chain: NetfilterChain;
  /** Jumps and gotos from the base chain to this frame, as nf_tables counts them. */
  readonly level: number;
  index: number;
  /** Chains entered by goto from this frame, to catch goto loops. */
  readonly gotoSeen: Set<string>;
}

function walkBaseChain(table: NetfilterTable, base: NetfilterChain, context: WalkContext, path: string[]): ChainOutcome {
  const baseSpec = base.base!;
  const chainsByName = new Map(table.chains.map((c) => [c.name, c] as const));
  const stack: Frame[] = [{ chain: base, level: 0, index: 0, gotoSeen: new Set([base.name]) }];
  const limit = nestingLimit(context.ruleset);
  // How many frames of each chain are on the stack: a jump to one of them is a loop.
  const active = new Map<string, number>([[base.name, 1]]);
  const baseLabel = chainLabel(table, base, context.ruleset);
  path.push(baseLabel);

  const policy = (): ChainOutcome => {
    path.push(`policy ${baseSpec.policy.toUpperCase()}`);
    return { kind: baseSpec.policy, decidingPolicy: { chain: baseLabel, location: baseSpec.policyLocation } };
  };
  const pop = (): void => {
    const frame = stack.pop()!;
    for (const name of frame.gotoSeen) decrement(active, name);
  };

  for (;;) {
    const frame = stack[stack.length - 1];
    if (frame === undefined) return policy();
    const rule = frame.chain.rules[frame.index];
    if (rule === undefined) {
      // End of a regular chain is an implicit return; the end of the base chain, its policy.
      if (stack.length === 1) return policy();
      pop();
      path.push("RETURN");
      continue;
    }
    frame.index++;
    context.steps++;
    if (context.steps > context.maxSteps) {
      return {
        kind: "unknown",
        unknownReason: `gave up after ${context.maxSteps} rule evaluations (a goto loop the kernel would refuse to load?)`,
        unknownLocation: rule.location,
      };
    }

    const outcome = evaluateRule(rule, table, context);
    if (outcome.kind === "no-match") continue;
    if (outcome.kind === "unknown") {
      path.push(`unknown at line ${rule.location.line}`);
      return { kind: "unknown", unknownReason: outcome.reason, unknownLocation: outcome.location };
    }
    const verdict = outcome.verdict;
    const line = rule.location.line;
    switch (verdict.kind) {
      case "continue":
        continue;
      case "accept":
        path.push(`${verdict.label ?? "ACCEPT"} at line ${line}`);
        return { kind: "accept", decidingRule: rule.location };
      case "drop":
        path.push(`DROP at line ${line}`);
        return { kind: "drop", decidingRule: rule.location };
      case "reject":
        path.push(`REJECT at line ${line}`);
        return { kind: "reject", decidingRule: rule.location };
      case "return":
        if (stack.length === 1) {
          path.push(`RETURN at line ${line}`);
          return policy();
        }
        pop();
        path.push("RETURN");
        continue;
      case "jump":
      case "goto": {
        const target = chainsByName.get(verdict.chain);
        if (target === undefined) {
          path.push(`${verdict.kind} ${verdict.chain} at line ${line}`);
          return {
            kind: "unknown",
            unknownReason: `${verdict.kind} to chain ${verdict.chain}, which the dump does not define`,
            unknownLocation: rule.location,
          };
        }
        if ((active.get(target.name) ?? 0) > 0) {
          path.push(`${verdict.kind} ${target.name} at line ${line}`);
          return {
            kind: "unknown",
            unknownReason: `${verdict.kind} to ${target.name} at line ${line} loops back into a chain being evaluated (the kernel refuses such rulesets)`,
            unknownLocation: rule.location,
          };
        }
        if (target.base) {
          return {
            kind: "unknown",
            unknownReason: `${verdict.kind} to base chain ${target.name} (the kernel refuses jumps to base chains)`,
            unknownLocation: rule.location,
          };
        }
        if (limit !== null && frame.level + 1 > limit) {
          path.push(`${verdict.kind} ${target.name} at line ${line}`);
          return {
            kind: "unknown",
            unknownReason: `${verdict.kind} to ${target.name} at line ${line} nests chains ${frame.level + 1} deep; nf_tables refuses rulesets nested deeper than ${limit} ("Too many links"), so the kernel cannot be running this one`,
            unknownLocation: rule.location,
          };
        }
        path.push(target.name);
        if (verdict.kind === "jump") {
          stack.push({ chain: target, level: frame.level + 1, index: 0, gotoSeen: new Set([target.name]) });
          increment(active, target.name);
        } else {
          // goto: the target replaces the current chain; its return goes to our caller.
          const replaced = stack.pop()!;
          replaced.gotoSeen.add(target.name);
          stack.push({ chain: target, level: frame.level + 1, index: 0, gotoSeen: replaced.gotoSeen });
          increment(active, target.name);
        }
        continue;
      }
    }
  }
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 0) - 1;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}

type RuleOutcome =
  | { readonly kind: "no-match" }
  | { readonly kind: "verdict"; readonly verdict: SimpleVerdict }
  | { readonly kind: "unknown"; readonly reason: string; readonly location: SourceLocation };

function evaluateRule(rule: NetfilterRule, table: NetfilterTable, context: WalkContext): RuleOutcome {
  let uncertain: Unknown | null = null;
  for (const step of rule.steps) {
    switch (step.kind) {
      case "match": {
        const result = evaluateMatch(step.match, table, context);
        if (result === false) return { kind: "no-match" };
        if (isUnknown(result)) uncertain ??= result;
        break;
      }
      case "set-mark":
        if (uncertain) context.mark = { unknown: `the mark may have been set at line ${step.location.line} (${uncertain.unknown})` };
        else context.mark = step.value === null ? { unknown: `the mark is set from the packet at line ${step.location.line} (${step.text})` } : { known: step.value };
        break;
      case "notrack":
        if (uncertain) {
          return { kind: "unknown", reason: `${step.text} at line ${step.location.line} may untrack the packet: ${uncertain.unknown}`, location: step.location };
        }
        // The kernel's notrack only marks a packet conntrack has not seen yet (nft_notrack_eval).
        if (context.conntrackAttached === "unknown") {
          return { kind: "unknown", reason: `${step.text} at line ${step.location.line} runs at conntrack's own priority (-200): whether it takes effect depends on hook order`, location: step.location };
        }
        if (context.conntrackAttached === false) context.state = "untracked";
        break;
      case "not-understood":
        uncertain ??= { unknown: `\`${step.text}\` at line ${step.location.line} is not understood`, location: step.location };
        break;
    }
  }

  const verdict = rule.verdict;
  if (verdict === null || verdict.kind === "continue") return { kind: "no-match" };
  if (uncertain) {
    return { kind: "unknown", reason: `${uncertain.unknown}, and it decides whether the rule at line ${rule.location.line} (${describeVerdict(verdict)}) applies`, location: uncertain.location };
  }
  if (verdict.kind === "not-understood") {
    return { kind: "unknown", reason: `\`${verdict.text}\` at line ${rule.location.line} is not understood`, location: rule.location };
  }
  if (verdict.kind === "vmap" || verdict.kind === "vmap-ref") return evaluateVmap(verdict, rule, table, context);
  return { kind: "verdict", verdict };
}

function describeVerdict(verdict: RuleVerdict): string {
  switch (verdict.kind) {
    case "jump":
    case "goto":
      return `${verdict.kind} ${verdict.chain}`;
    case "vmap":
    case "vmap-ref":
      return "the verdict map";
    case "not-understood":
      return verdict.text;
    case "accept":
      return verdict.label ?? "accept";
    default:
      return verdict.kind;
  }
}

function evaluateVmap(
  verdict: Extract<RuleVerdict, { kind: "vmap" | "vmap-ref" }>,
  rule: NetfilterRule,
  table: NetfilterTable,
  context: WalkContext,
): RuleOutcome {
  let entries: readonly { value: MatchValue; verdict: SimpleVerdict }[];
  if (verdict.kind === "vmap") {
    entries = verdict.entries;
  } else {
    const map = table.sets.find((s) => s.name === verdict.name);
    if (!map || !map.elements || !map.verdicts) {
      return { kind: "unknown", reason: `verdict map @${verdict.name}: ${map?.unknownReason ?? "not in the dump"}`, location: rule.location };
    }
    entries = splitElements(map.elements).map((value, i) => ({ value, verdict: map.verdicts![i] ?? { kind: "continue" } }));
  }
  for (const entry of entries) {
    const result = evaluateMatch({ ...verdict.key, negate: false, value: entry.value }, table, context);
    if (result === false) continue;
    if (isUnknown(result)) return { kind: "unknown", reason: result.unknown, location: result.location };
    return { kind: "verdict", verdict: entry.verdict };
  }
  return { kind: "no-match" };
}

/** One MatchValue per element, so that each can carry its own verdict. */
function splitElements(elements: SetElements): MatchValue[] {
  switch (elements.kind) {
    case "addresses":
      return elements.ranges.map((r) => ({ kind: "addresses", ranges: [r] }));
    case "numbers":
      return elements.ranges.map((r) => ({ kind: "numbers", ranges: [r] }));
    case "interfaces":
      return elements.names.map((n) => ({ kind: "interfaces", names: [n] }));
    case "ct-states":
      return elements.states.map((s) => ({ kind: "ct-states", states: [s] }));
  }
}

function unknown(reason: string, match: Match): Unknown {
  return { unknown: `${reason} (\`${match.text}\` at line ${match.location.line})`, location: match.location };
}

function evaluateMatch(match: Match, table: NetfilterTable, context: WalkContext): Tri {
  const packet = context.packet;
  if (match.requiresFamily && match.requiresFamily !== packet.family) return false;
  if (match.requiresProtocols && !match.requiresProtocols.includes(protocolNumberOf(packet))) return false;
  const raw = evaluateField(match, table, context);
  if (raw === "break") return false;
  if (typeof raw === "object") return raw;
  return match.negate ? !raw : raw;
}

/** true/false before negation, "break" when the expression cannot even be evaluated (nft NFT_BREAK). */
function evaluateField(match: Match, table: NetfilterTable, context: WalkContext): boolean | "break" | Unknown {
  const packet = context.packet;
  const value = resolveValue(match, table);
  if (isUnknownValue(value)) return value;
  switch (match.field) {
    case "saddr":
    case "daddr": {
      const address = match.field === "saddr" ? context.saddr : context.daddr;
      const given = match.field === "saddr" ? packet.saddr : packet.daddr;
      if (address === null) {
        return unknown(given === undefined ? `the packet's ${match.field === "saddr" ? "source" : "destination"} address is not known` : `cannot read address ${given}`, match);
      }
      if (value.kind !== "addresses") return unknown("unsupported value for an address match", match);
      return value.ranges.some((r) => rangeContains(r, address));
    }
    case "l4proto":
      if (value.kind !== "numbers") return unknown("unsupported value for a protocol match", match);
      return inNumbers(value.ranges, protocolNumberOf(packet));
    case "dport":
      if (value.kind !== "numbers") return unknown("unsupported value for a port match", match);
      return inNumbers(value.ranges, packet.dport);
    case "sport":
      if (value.kind !== "numbers") return unknown("unsupported value for a port match", match);
      if (packet.sport === undefined) return unknown("the packet's source port is not known", match);
      return inNumbers(value.ranges, packet.sport);
    case "nfproto":
      if (value.kind !== "numbers") return unknown("unsupported value for a family match", match);
      return inNumbers(value.ranges, packet.family === "ipv4" ? 2 : 10);
    case "ct-state":
      if (value.kind !== "ct-states") return unknown("unsupported value for a conntrack state match", match);
      if (context.state !== "untracked" && context.conntrackAttached !== true) {
        // Before conntrack (raw priority) the packet has no entry: the kernel reports "invalid".
        if (context.conntrackAttached === "unknown") return unknown("conntrack runs at the same priority (-200): the state seen here depends on hook order", match);
        return value.states.includes("invalid");
      }
      return value.states.includes(context.state);
    case "iif":
    case "oif":
      return evaluateInterface(match, value, context);
    case "tcp-flags": {
      const flags = tcpFlagsOf(packet);
      if (flags === null) return unknown(`the TCP flags of a ${context.state} packet are not known`, match);
      return evaluateBits(match, value, flags);
    }
    case "mark": {
      const mark = context.mark;
      if ("unknown" in mark) return unknown(mark.unknown, match);
      if (context.markDefaulted && !context.notes.some((n) => n.startsWith("packet mark"))) {
        context.notes.push("packet mark taken as 0: packets start unmarked and the evaluator follows every mark the ruleset sets on the path");
      }
      if (value.kind === "numbers") return inNumbers(value.ranges, mark.known);
      return evaluateBits(match, value, mark.known);
    }
  }
}

function evaluateBits(match: Match, value: MatchValue, field: number): boolean | Unknown {
  if (value.kind === "numbers") return inNumbers(value.ranges, field);
  if (value.kind !== "bits") return unknown("unsupported value for a bitmask match", match);
  if (value.legacyFlags) {
    // `tcp flags a,b` without a mask: "any of" in older nft, "all of" in newer; decide only when both agree.
    const any = (field & value.value) !== 0;
    const all = (field & value.value) === value.value;
    if (any !== all) return unknown("nft versions differ on `tcp flags` with several flags and no mask", match);
    return any;
  }
  return (field & value.mask) === value.value;
}

function inNumbers(ranges: readonly { first: number; last: number }[], n: number): boolean {
  return ranges.some((r) => n >= r.first && n <= r.last);
}

function isUnknownValue(value: MatchValue | Unknown): value is Unknown {
  return "unknown" in value;
}

function resolveValue(match: Match, table: NetfilterTable): MatchValue | Unknown {
  const value = match.value;
  if (value.kind === "ipset") return unknown(`the members of ipset ${value.name} are not in the dump`, match);
  if (value.kind === "set-ref") {
    const set = table.sets.find((s) => s.name === value.name);
    if (!set) return unknown(`set @${value.name} is not defined in table ${table.name}`, match);
    if (!set.elements) return unknown(`the elements of set @${value.name} are not known: ${set.unknownReason ?? "not listed"}`, match);
    return set.elements;
  }
  return value;
}

function interfaceMatches(patterns: readonly InterfacePattern[], name: string): boolean {
  return patterns.some((p) => (p.wildcard ? name.startsWith(p.name) : name === p.name));
}

function evaluateInterface(match: Match, value: MatchValue, context: WalkContext): boolean | "break" | Unknown {
  if (value.kind !== "interfaces") return unknown("unsupported value for an interface match", match);
  const packet = context.packet;
  const inputSide = context.hook === "prerouting" || context.hook === "input";
  const wantsInput = match.field === "iif";
  const iptables = context.ruleset.format === "iptables-save" || context.ruleset.format === "iptables-list";
  if (wantsInput !== inputSide) {
    // No such device on this side of the host: iptables compares against an empty name,
    // nft's meta expression breaks (the rule does not match, even with !=).
    return iptables ? interfaceMatches(value.names, "") : "break";
  }
  const name = wantsInput ? packet.iif : packet.oif;
  if (name !== undefined) return interfaceMatches(value.names, name);
  if (packet.viaLoopback === true) return interfaceMatches(value.names, "lo");
  if (packet.viaLoopback === false && value.names.every((p) => !p.wildcard && p.name === "lo")) return false;
  return unknown(`the packet's ${wantsInput ? "input" : "output"} interface is not known`, match);
}
