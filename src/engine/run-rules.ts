import type { Deployment } from "../model/deployment.js";
import { compareLocations } from "../model/source.js";
import type { Finding, Level, LevelSetting, Rule, RuleSettings } from "./rule.js";

/** Fills `{name}` placeholders; unknown placeholders are left visible so tests catch them. */
export function formatMessage(template: string, data: Record<string, string | number> | undefined): string {
  const text = template.replace(/\{(\w+)\}/gu, (whole, name: string) => (data && name in data ? String(data[name]) : whole));
  // Capitalize ordinary words only: "keystonemiddleware", "oslo.cache" and option names keep their case.
  const sentence = /^(the|a|an|this|each|every|no|one|all|both)\b/u.test(text) ? text.charAt(0).toUpperCase() + text.slice(1) : text;
  return /[.!?]$/u.test(sentence) ? sentence : `${sentence}.`;
}

export interface RunRulesOptions {
  readonly rules: readonly Rule[];
  readonly deployment: Deployment;
  readonly settings: RuleSettings;
  /** Level overrides by rule id (already resolved from names). */
  readonly levels: ReadonlyMap<string, LevelSetting>;
}

export function effectiveLevel(rule: Rule, levels: ReadonlyMap<string, LevelSetting>): LevelSetting {
  return levels.get(rule.id) ?? rule.level;
}

/**
 * Runs every enabled rule against the deployment. A rule that throws is a bug in stacklint, not
 * in the inputs: it is reported by the caller as an internal error, and the other rules still run.
 */
export function runRules(options: RunRulesOptions): { findings: Finding[]; failures: { ruleId: string; error: unknown }[] } {
  const findings: Finding[] = [];
  const failures: { ruleId: string; error: unknown }[] = [];
  for (const rule of options.rules) {
    const level = effectiveLevel(rule, options.levels);
    if (level === "off") continue;
    const overridden = options.levels.has(rule.id);
    try {
      rule.check({
        deployment: options.deployment,
        settings: options.settings,
        report(input) {
          const template = (rule.messages as Record<string, string>)[input.messageId];
          if (template === undefined) throw new Error(`rule ${rule.id} has no message '${input.messageId}'`);
          // A user's --rule level wins over a rule's own per-finding escalation.
          const findingLevel: Level = overridden ? level : (input.level ?? level);
          findings.push({
            ruleId: rule.id,
            ruleName: rule.name,
            level: findingLevel,
            messageId: input.messageId,
            message: formatMessage(template, input.data),
            location: input.location,
            related: [...(input.related ?? [])],
            key: input.key,
          });
        },
      });
    } catch (error) {
      failures.push({ ruleId: rule.id, error });
    }
  }
  return { findings: dedupe(findings).sort(compareFindings), failures };
}

export function compareFindings(a: Finding, b: Finding): number {
  return compareLocations(a.location, b.location) || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const id = `${f.ruleId}\0${f.location.file}\0${f.location.line}\0${f.location.column}\0${f.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
