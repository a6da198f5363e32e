import type { Diagnostic } from "../../model/diagnostic.js";
import type { BaseChainSpec, NamedSet, NetfilterChain, NetfilterFamily, NetfilterHook, NetfilterRule, NetfilterTable, RuleStep, RuleVerdict, SimpleVerdict } from "../../model/firewall/ruleset.js";
import { ruleIsUnderstood } from "../../model/firewall/ruleset.js";
import { diagnostic } from "./common.js";
import type { NetfilterParseResult } from "./iptables-save.js";
import type { JsonNode } from "./json-positions.js";
import { JsonSyntaxError, member, parseJsonWithPositions, plain, scalarText, stringMember } from "./json-positions.js";
import type { NftAtom, NftKey, NftOp, NftRight } from "./nft-expr.js";
import { buildNftMatch, elementsOf, parsePriority, setValueType, simpleVerdict, valueTypeOfKey } from "./nft-expr.js";

/**
 * `nft -j list ruleset` (libnftables-json(5)): `{"nftables": [{"metainfo": …}, {"table": …},
 * {"chain": …}, {"rule": …}, {"set": …}, {"map": …}]}`; rules hold an `expr` array of statements
 * (`match`, `counter`, verdicts, `mangle`, `vmap`, …). Command wrappers (`{"add": {"rule": …}}`)
 * as accepted by `nft -j -f` are read too.
 */
const FAMILIES = new Set<NetfilterFamily>(["ip", "ip6", "inet", "arp", "bridge", "netdev"]);
const HOOKS = new Set<NetfilterHook>(["prerouting", "input", "forward", "output", "postrouting", "ingress", "egress"]);

interface MutableTable {
  family: NetfilterFamily;
  name: string;
  location: NetfilterTable["location"];
  chains: Map<string, { name: string; location: NetfilterChain["location"]; base: BaseChainSpec | null; rules: NetfilterRule[] }>;
  sets: Map<string, NamedSet>;
}

export function parseNftJson(file: string, text: string): NetfilterParseResult {
  const diagnostics: Diagnostic[] = [];
  const tables: MutableTable[] = [];
  let root: JsonNode;
  try {
    root = parseJsonWithPositions(file, text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      diagnostics.push(diagnostic("error", "nft-json-syntax", error.message, file, error.line, error.column));
    } else {
      diagnostics.push(diagnostic("error", "internal-error", String(error), file));
    }
    return { ruleset: { kind: "netfilter", format: "nft-json", file, families: ["ipv4", "ipv6"], tables: [] }, diagnostics };
  }
  const items = member(root, "nftables");
  if (!items || items.kind !== "array") {
    diagnostics.push(diagnostic("error", "nft-json-syntax", 'no top-level "nftables" array', file, root.location.line, root.location.column));
    return { ruleset: { kind: "netfilter", format: "nft-json", file, families: ["ipv4", "ipv6"], tables: [] }, diagnostics };
  }

  const tableOf = (node: JsonNode): MutableTable | null => {
    const family = stringMember(node, "family") as NetfilterFamily | undefined;
    const name = stringMember(node, "table");
    if (!family || !FAMILIES.has(family) || !name) return null;
    let table = tables.find((t) => t.family === family && t.name === name);
    if (!table) {
      table = { family, name, location: node.location, chains: new Map(), sets: new Map() };
      tables.push(table);
    }
    return table;
  };

  for (const wrapper of items.items) {
    if (wrapper.kind !== "object" || wrapper.entries.length === 0) continue;
    let entry = wrapper.entries[0]!;
    if (["add", "create", "insert"].includes(entry.key) && entry.value.kind === "object" && entry.value.entries[0]) entry = entry.value.entries[0];
    const node = entry.value;
    switch (entry.key) {
      case "metainfo":
        break;
      case "table": {
        const name = stringMember(node, "name");
        const family = stringMember(node, "family") as NetfilterFamily | undefined;
        if (!name || !family || !FAMILIES.has(family)) {
          diagnostics.push(diagnostic("warning", "nft-json-syntax", "table without a known family and name", file, node.location.line, node.location.column));
          break;
        }
        if (!tables.some((t) => t.family === family && t.name === name)) tables.push({ family, name, location: node.location, chains: new Map(), sets: new Map() });
        break;
      }
      case "chain": {
        const table = tableOf(node);
        const name = stringMember(node, "name");
        if (!table || !name) {
          diagnostics.push(diagnostic("warning", "nft-json-syntax", "chain without table or name", file, node.location.line, node.location.column));
          break;
        }
        const hook = stringMember(node, "hook");
        let base: BaseChainSpec | null = null;
        if (hook !== undefined) {
          const prioNode = member(node, "prio");
          const priority = prioNode?.kind === "number" ? prioNode.value : parsePriority(scalarText(prioNode) ?? "", table.family);
          if (!HOOKS.has(hook as NetfilterHook) || priority === null) {
            diagnostics.push(diagnostic("warning", "nft-json-syntax", `chain ${name}: hook ${hook} or its priority is not understood`, file, node.location.line, node.location.column));
          } else {
            const policyNode = member(node, "policy");
            const policy = stringMember(node, "policy") === "drop" ? "drop" : "accept";
            const device = stringMember(node, "dev");
            base = {
              type: stringMember(node, "type") ?? "filter",
              hook: hook as NetfilterHook,
              priority,
              policy,
              policyLocation: policyNode?.location ?? node.location,
              ...(device !== undefined ? { device } : {}),
            };
          }
        }
        const existing = table.chains.get(name);
        if (existing) {
          existing.base = base ?? existing.base;
        } else table.chains.set(name, { name, location: node.location, base, rules: [] });
        break;
      }
      case "rule": {
        const table = tableOf(node);
        const chainName = stringMember(node, "chain");
        if (!table || !chainName) {
          diagnostics.push(diagnostic("warning", "nft-json-syntax", "rule without table or chain", file, node.location.line, node.location.column));
          break;
        }
        let chain = table.chains.get(chainName);
        if (!chain) {
          chain = { name: chainName, location: node.location, base: null, rules: [] };
          table.chains.set(chainName, chain);
        }
        const rule = buildRule(node, table.family);
        if (entry === wrapper.entries[0] || wrapper.entries[0]!.key !== "insert") chain.rules.push(rule);
        else chain.rules.unshift(rule);
        break;
      }
      case "set":
      case "map": {
        const table = tableOf(node);
        const name = stringMember(node, "name");
        if (!table || !name) break;
        table.sets.set(name, buildSet(node, name, entry.key === "map"));
        break;
      }
      case "element": {
        const table = tableOf(node);
        const name = stringMember(node, "name");
        const set = name ? table?.sets.get(name) : undefined;
        if (set && table) table.sets.set(set.name, { ...set, elements: null, unknownReason: "elements added by an element command are not read" });
        break;
      }
      default:
        diagnostics.push(diagnostic("note", "nft-ignored-object", `${entry.key} objects are not evaluated`, file, node.location.line, node.location.column));
    }
  }

  const result: NetfilterTable[] = tables.map((t) => ({
    family: t.family,
    name: t.name,
    location: t.location,
    chains: [...t.chains.values()],
    sets: [...t.sets.values()],
  }));
  return { ruleset: { kind: "netfilter", format: "nft-json", file, families: ["ipv4", "ipv6"], tables: result }, diagnostics };
}

function render(node: JsonNode): string {
  return JSON.stringify(plain(node));
}

function keyOf(node: JsonNode | undefined): { key: NftKey; mask: NftAtom | null } | null {
  if (!node || node.kind !== "object" || node.entries.length !== 1) return null;
  const { key, value } = node.entries[0]!;
  if (key === "payload") {
    const protocol = stringMember(value, "protocol");
    const field = stringMember(value, "field");
    return protocol && field ? { key: { kind: "payload", protocol, field }, mask: null } : null;
  }
  if (key === "meta") {
    const metaKey = stringMember(value, "key");
    return metaKey ? { key: { kind: "meta", key: metaKey }, mask: null } : null;
  }
  if (key === "ct") {
    const ctKey = stringMember(value, "key");
    if (!ctKey || member(value, "dir") !== undefined || member(value, "family") !== undefined) return null;
    return { key: { kind: "ct", key: ctKey }, mask: null };
  }
  if (key === "&" && value.kind === "array" && value.items.length === 2) {
    const inner = keyOf(value.items[0]);
    const mask = atomOf(value.items[1]!);
    return inner && mask && !inner.mask ? { key: inner.key, mask } : null;
  }
  return null;
}

function atomOf(node: JsonNode): NftAtom | null {
  switch (node.kind) {
    case "string":
      return { kind: "word", text: node.value };
    case "number":
      return { kind: "word", text: String(node.value) };
    case "array": {
      const names = node.items.map(scalarText);
      return names.every((n) => n !== null) ? { kind: "flags", names: names as string[] } : null;
    }
    case "object": {
      const range = member(node, "range");
      if (range?.kind === "array" && range.items.length === 2) {
        const from = scalarText(range.items[0]);
        const to = scalarText(range.items[1]);
        return from !== null && to !== null ? { kind: "range", from, to } : null;
      }
      const prefix = member(node, "prefix");
      if (prefix) {
        const address = stringMember(prefix, "addr");
        const length = member(prefix, "len");
        return address !== undefined && length?.kind === "number" ? { kind: "prefix", address, length: length.value } : null;
      }
      const elem = member(node, "elem");
      if (elem) return atomOf(member(elem, "val") ?? elem);
      const or = member(node, "|");
      if (or?.kind === "array") {
        const names: string[] = [];
        for (const item of or.items) {
          const atom = atomOf(item);
          if (!atom) return null;
          if (atom.kind === "flags") names.push(...atom.names);
          else if (atom.kind === "word") names.push(atom.text);
          else return null;
        }
        return { kind: "flags", names, or: true };
      }
      return null;
    }
    default:
      return null;
  }
}

function rightOf(node: JsonNode | undefined): NftRight | null {
  if (!node) return null;
  if (node.kind === "string" && node.value.startsWith("@")) return { kind: "set-ref", name: node.value.slice(1) };
  const set = member(node, "set");
  if (set) {
    const items = set.kind === "array" ? set.items : [set];
    const atoms: NftAtom[] = [];
    for (const item of items) {
      const atom = atomOf(item);
      if (!atom) return null;
      atoms.push(atom);
    }
    return { kind: "atoms", atoms, set: true };
  }
  if (node.kind === "array") {
    // A flag list (`ct state established,related`): each element is one value.
    const atoms: NftAtom[] = [];
    for (const item of node.items) {
      const atom = atomOf(item);
      if (!atom) return null;
      atoms.push(atom);
    }
    return { kind: "atoms", atoms, set: false };
  }
  const atom = atomOf(node);
  return atom ? { kind: "atoms", atoms: [atom], set: false } : null;
}

function verdictOf(key: string, value: JsonNode): SimpleVerdict | null {
  if (key === "jump" || key === "goto") return simpleVerdict(key, stringMember(value, "target"));
  if (key === "reject") {
    const type = stringMember(value, "type");
    const expr = scalarText(member(value, "expr"));
    return type || expr ? { kind: "reject", with: [type, expr].filter(Boolean).join(" ") } : { kind: "reject" };
  }
  return ["accept", "drop", "return", "continue"].includes(key) ? simpleVerdict(key) : null;
}

function buildRule(node: JsonNode, family: NetfilterFamily): NetfilterRule {
  const steps: RuleStep[] = [];
  let verdict: RuleVerdict | null = null;
  const exprs = member(node, "expr");
  const list = exprs?.kind === "array" ? exprs.items : [];
  for (const statement of list) {
    const notUnderstood = () => steps.push({ kind: "not-understood", text: render(statement), location: statement.location });
    if (statement.kind !== "object" || statement.entries.length !== 1) {
      notUnderstood();
      continue;
    }
    const { key, value } = statement.entries[0]!;
    if (verdict !== null) {
      notUnderstood();
      continue;
    }
    switch (key) {
      case "match": {
        const left = keyOf(member(value, "left"));
        const right = rightOf(member(value, "right"));
        const opText = stringMember(value, "op") ?? "==";
        const op: NftOp = opText === "in" ? "implicit" : (["==", "!=", "<", ">", "<=", ">="].includes(opText) ? opText : "==") as NftOp;
        if (!left || !right) {
          notUnderstood();
          break;
        }
        steps.push(...buildNftMatch(left.key, left.mask, op, right, null, family, render(statement), statement.location));
        break;
      }
      case "counter":
      case "log":
        break;
      case "mangle": {
        const target = keyOf(member(value, "key"));
        if (target?.key.kind === "meta" && target.key.key === "mark") {
          const v = member(value, "value");
          const n = v?.kind === "number" ? v.value : v?.kind === "string" && /^(0x[0-9a-f]+|\d+)$/iu.test(v.value) ? Number(v.value) : null;
          steps.push({ kind: "set-mark", value: n, text: render(statement), location: statement.location });
        }
        break;
      }
      case "notrack":
        steps.push({ kind: "notrack", text: "notrack", location: statement.location });
        break;
      case "set":
        break; // dynamic set update: no effect on this packet's verdict
      case "masquerade":
      case "snat":
        verdict = { kind: "accept", label: key.toUpperCase() };
        break;
      case "vmap": {
        const k = keyOf(member(value, "key"));
        const data = member(value, "data");
        if (!k || k.mask || !data) {
          notUnderstood();
          break;
        }
        const keyMatch = buildNftMatch(k.key, null, "==", { kind: "atoms", atoms: [], set: true }, null, family, "", statement.location)[0];
        if (!keyMatch || keyMatch.kind !== "match") {
          notUnderstood();
          break;
        }
        const { field, requiresProtocols, requiresFamily } = keyMatch.match;
        const keyPart = { field, text: render(statement), location: statement.location, ...(requiresProtocols ? { requiresProtocols } : {}), ...(requiresFamily ? { requiresFamily } : {}) };
        if (data.kind === "string" && data.value.startsWith("@")) {
          verdict = { kind: "vmap-ref", key: keyPart, name: data.value.slice(1) };
          break;
        }
        const pairs = member(data, "set");
        const type = valueTypeOfKey(k.key, family);
        const entries: { value: NonNullable<ReturnType<typeof elementsOf>>; verdict: SimpleVerdict }[] = [];
        let ok = pairs?.kind === "array" && type !== null;
        for (const pair of pairs?.kind === "array" ? pairs.items : []) {
          if (pair.kind !== "array" || pair.items.length !== 2) {
            ok = false;
            break;
          }
          const atom = atomOf(pair.items[0]!);
          const target = pair.items[1]!;
          const targetEntry = target.kind === "object" ? target.entries[0] : undefined;
          const elements = atom && type ? elementsOf(type, [atom]) : null;
          const v = targetEntry ? verdictOf(targetEntry.key, targetEntry.value) : null;
          if (!elements || !v) {
            ok = false;
            break;
          }
          entries.push({ value: elements, verdict: v });
        }
        if (!ok) notUnderstood();
        else verdict = { kind: "vmap", key: keyPart, entries };
        break;
      }
      default: {
        const v = verdictOf(key, value);
        if (v) verdict = v;
        else if (["queue", "dnat", "redirect", "tproxy", "synproxy", "dup", "fwd"].includes(key)) verdict = { kind: "not-understood", text: render(statement) };
        else notUnderstood();
      }
    }
  }
  const comment = stringMember(node, "comment");
  return {
    location: node.location,
    text: list.map(render).join(" "),
    steps,
    verdict,
    ...(comment !== undefined ? { comment } : {}),
    understood: ruleIsUnderstood(steps, verdict),
  };
}

function buildSet(node: JsonNode, name: string, isMap: boolean): NamedSet {
  const typeNode = member(node, "type");
  const keyType = typeNode?.kind === "string" ? typeNode.value : typeNode ? render(typeNode) : "";
  const base = { name, location: node.location, keyType };
  const flags = member(node, "flags");
  const flagList = flags?.kind === "array" ? flags.items.map(scalarText) : [scalarText(flags)];
  if (flagList.includes("dynamic") || flagList.includes("timeout") || member(node, "timeout") !== undefined) {
    return { ...base, elements: null, unknownReason: "the set is updated at runtime (dynamic/timeout); a dump is only a snapshot" };
  }
  const valueType = setValueType(keyType);
  if (!valueType) return { ...base, elements: null, unknownReason: `key type ${keyType || "(none)"} is not modelled` };
  if (isMap && stringMember(node, "map") !== "verdict") return { ...base, elements: null, unknownReason: `map ${name} does not map to verdicts` };
  const elem = member(node, "elem");
  const items = elem?.kind === "array" ? elem.items : [];
  const atoms: NftAtom[] = [];
  const verdicts: SimpleVerdict[] = [];
  for (const item of items) {
    if (isMap) {
      if (item.kind !== "array" || item.items.length !== 2) return { ...base, elements: null, unknownReason: "a map element is not understood" };
      const atom = atomOf(item.items[0]!);
      const target = item.items[1]!;
      const entry = target.kind === "object" ? target.entries[0] : undefined;
      const v = entry ? verdictOf(entry.key, entry.value) : null;
      if (!atom || !v) return { ...base, elements: null, unknownReason: "a map element is not understood" };
      atoms.push(atom);
      verdicts.push(v);
      continue;
    }
    const atom = atomOf(item);
    if (!atom) return { ...base, elements: null, unknownReason: "an element is not understood" };
    atoms.push(atom);
  }
  const elements = elementsOf(valueType, atoms);
  if (!elements) return { ...base, elements: null, unknownReason: "an element is not understood" };
  return isMap ? { ...base, elements, verdicts } : { ...base, elements };
}

/** True when `text` looks like `nft -j` output (for format sniffing). */
export function looksLikeNftJson(text: string): boolean {
  return /^\s*\{\s*"nftables"\s*:/u.test(text);
}
