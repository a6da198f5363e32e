import type { SuppressionDirective } from "../discover/suppression-comments.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { SourceLocation } from "../model/source.js";
import { closestName } from "./did-you-mean.js";
import type { Finding, Rule } from "./rule.js";

/** How a finding was set aside: SARIF §3.35 `suppression` (kind and justification). */
export interface Suppression {
  /** inSource: a `stacklint-disable-*` comment; external: a baseline file entry. */
  readonly kind: "inSource" | "external";
  readonly justification: string;
  /** The comment, or the baseline file, that suppresses it. */
  readonly location: SourceLocation;
}

export interface SuppressedFinding extends Finding {
  readonly suppression: Suppression;
}

export interface SuppressionOutcome {
  readonly kept: Finding[];
  readonly suppressed: SuppressedFinding[];
  /** Directives without a reason, naming no or unknown rules, or silencing nothing. */
  readonly diagnostics: Diagnostic[];
}

/**
 * Applies inline directives to findings. A directive applies only when it names known rules and
 * gives a reason; otherwise it is reported and the findings stay. A directive (or one rule of
 * it) that silenced nothing is reported as unused, unless its rule did not run (turned off),
 * since then nobody can tell whether it is still needed.
 */
export function applySuppressions(
  findings: readonly Finding[],
  directives: readonly SuppressionDirective[],
  rules: readonly Rule[],
  ranRuleIds: ReadonlySet<string>,
): SuppressionOutcome {
  const diagnostics: Diagnostic[] = [];
  const active: { directive: SuppressionDirective; ruleId: string; ruleText: string; used: boolean }[] = [];
  for (const directive of directives) {
    const keyword = `stacklint-disable-${directive.scope}`;
    const at = { file: directive.location.file, line: directive.location.line, column: directive.location.column };
    if (directive.problem !== null) {
      diagnostics.push({ severity: "warning", code: "suppression-invalid", message: `${directive.problem}; this comment silences nothing`, ...at });
      continue;
    }
    if (directive.reason === null) {
      diagnostics.push({
        severity: "warning",
        code: "suppression-missing-reason",
        message: `${keyword} ${directive.rules.map((r) => r.text).join(", ")} gives no reason, so it does not apply; add one after ' -- ' (${keyword} ${directive.rules[0]!.text} -- why this is acceptable)`,
        ...at,
      });
      continue;
    }
    if (directive.scope === "next-line" && directive.targetLine === null) {
      diagnostics.push({ severity: "note", code: "suppression-unused", message: `${keyword} stands at the end of the file, with no line after it to silence; remove it`, ...at });
      continue;
    }
    for (const token of directive.rules) {
      const rule = rules.find((r) => r.id.toLowerCase() === token.text.toLowerCase() || r.name === token.text.toLowerCase());
      if (!rule) {
        const suggestion = closestName(token.text, rules.flatMap((r) => [r.id, r.name]));
        diagnostics.push({
          severity: "warning",
          code: "suppression-unknown-rule",
          message: `${keyword} names '${token.text}', which is not a stacklint rule${suggestion ? `; did you mean '${suggestion}'?` : " (see --list-rules)"}`,
          file: token.location.file,
          line: token.location.line,
          column: token.location.column,
        });
        continue;
      }
      active.push({ directive, ruleId: rule.id, ruleText: token.text, used: false });
    }
  }

  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const finding of findings) {
    const match = active.find(
      (a) =>
        a.ruleId === finding.ruleId &&
        a.directive.location.file === finding.location.file &&
        (a.directive.scope === "file" || a.directive.targetLine === finding.location.line),
    );
    if (!match) {
      kept.push(finding);
      continue;
    }
    match.used = true;
    // A next-line directive wins over a file one for the same finding; both are marked used.
    for (const other of active) if (other !== match && other.ruleId === finding.ruleId && other.directive.location.file === finding.location.file && (other.directive.scope === "file" || other.directive.targetLine === finding.location.line)) other.used = true;
    suppressed.push({ ...finding, suppression: { kind: "inSource", justification: match.directive.reason!, location: match.directive.location } });
  }

  for (const a of active) {
    if (a.used || !ranRuleIds.has(a.ruleId)) continue;
    const keyword = `stacklint-disable-${a.directive.scope}`;
    const where = a.directive.scope === "file" ? "in this file" : `on line ${a.directive.targetLine}`;
    diagnostics.push({
      severity: "note",
      code: "suppression-unused",
      message: `${keyword} ${a.ruleText} is unused: ${a.ruleId} reports nothing ${where}; remove it`,
      file: a.directive.location.file,
      line: a.directive.location.line,
      column: a.directive.location.column,
    });
  }
  return { kept, suppressed, diagnostics };
}
