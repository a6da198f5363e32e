import type { MatchValue, NetfilterRule, NetfilterRuleset, RuleStep, RuleVerdict } from "../../../src/model/firewall/ruleset.js";

/** A compact, readable form of a match value for table tests. */
export function valueText(value: MatchValue): string {
  switch (value.kind) {
    case "addresses":
      return value.ranges.map((r) => r.text).join(",");
    case "numbers":
      return value.ranges.map((r) => (r.first === r.last ? String(r.first) : `${r.first}-${r.last}`)).join(",");
    case "interfaces":
      return value.names.map((n) => n.name + (n.wildcard ? "*" : "")).join(",");
    case "ct-states":
      return value.states.join(",");
    case "set-ref":
      return `@${value.name}`;
    case "ipset":
      return `ipset:${value.name}`;
    case "bits":
      return `0x${value.value.toString(16)}/0x${value.mask.toString(16)}${value.legacyFlags ? "?" : ""}`;
  }
}

/** `field[!]=value` for matches, `?text` for not-understood steps, `mark:=v`, `notrack`. */
export function stepText(step: RuleStep): string {
  switch (step.kind) {
    case "match":
      return `${step.match.field}${step.match.negate ? "!" : ""}=${valueText(step.match.value)}`;
    case "set-mark":
      return `mark:=${step.value ?? "?"}`;
    case "notrack":
      return "notrack";
    case "not-understood":
      return `?${step.text}`;
  }
}

export function verdictText(verdict: RuleVerdict | null): string {
  if (verdict === null) return "-";
  switch (verdict.kind) {
    case "jump":
    case "goto":
      return `${verdict.kind} ${verdict.chain}`;
    case "reject":
      return verdict.with ? `reject ${verdict.with}` : "reject";
    case "accept":
      return verdict.label ? `accept(${verdict.label})` : "accept";
    case "vmap":
      return `vmap ${verdict.key.field} {${verdict.entries.map((e) => `${valueText(e.value)}:${verdictText(e.verdict)}`).join(",")}}`;
    case "vmap-ref":
      return `vmap @${verdict.name}`;
    case "not-understood":
      return `?${verdict.text}`;
    default:
      return verdict.kind;
  }
}

export function ruleText(rule: NetfilterRule): string {
  return [...rule.steps.map(stepText), "=>", verdictText(rule.verdict)].join(" ");
}

/** Each match step as `[text, column, endColumn]` (null for other steps), for location tests. */
export function matchSpans(rule: NetfilterRule): ([string, number, number] | null)[] {
  return rule.steps.map((s) => (s.kind === "match" ? [s.match.text, s.match.location.column, s.match.location.endColumn] : null));
}

export function chainOf(ruleset: NetfilterRuleset, table: string, chain: string, family?: string) {
  const t = ruleset.tables.find((x) => x.name === table && (family === undefined || x.family === family));
  const c = t?.chains.find((x) => x.name === chain);
  if (!c) throw new Error(`no chain ${table}/${chain}`);
  return c;
}
