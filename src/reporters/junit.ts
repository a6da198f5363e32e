import type { AnalysisResult, RuleDescriptor } from "../engine/result.js";
import type { Finding } from "../engine/rule.js";
import { formatLocation } from "../model/source.js";

/**
 * Text for XML 1.0: markup characters as entities, and characters XML cannot carry at all (C0
 * controls other than tab, LF and CR; lone surrogates; U+FFFE/U+FFFF) as a visible `\uXXXX`, so
 * a stray byte in a log line cannot make the whole report unreadable to Jenkins or GitLab.
 * Tab, LF and CR are written as character references, so they survive in attributes too
 * (attribute-value normalization would turn them into spaces).
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\t\n\r]|[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      case "'":
        return "&apos;";
      case "\t":
        return "&#9;";
      case "\n":
        return "&#10;";
      case "\r":
        return "&#13;";
      default:
        return `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    }
  });
}

/**
 * JUnit XML for CI systems that show test reports (Jenkins, GitLab, Zuul's artifacts): one test
 * suite per enabled rule, one test case per rule and analyzed file. A case fails when the rule
 * reported an error or warning anchored in that file (all of them in one `<failure>`); notes are
 * printed in the case's `<system-out>` and do not fail it. Input problems go to the report's
 * `<system-err>`: like the exit code, they do not fail anything. No timestamps, `time="0"`:
 * the same inputs give the same bytes.
 */
export function formatJunit(result: AnalysisResult): string {
  const files = [...new Set([...result.files.analyzed.map((f) => f.path), ...result.findings.map((f) => f.location.file)])].sort();
  const byRuleAndFile = new Map<string, Finding[]>();
  for (const finding of result.findings) {
    const key = `${finding.ruleId}\u0000${finding.location.file}`;
    byRuleAndFile.set(key, [...(byRuleAndFile.get(key) ?? []), finding]);
  }
  const suites = result.rules.map((rule) => suite(rule, files, byRuleAndFile));
  const tests = suites.reduce((sum, s) => sum + s.tests, 0);
  const failures = suites.reduce((sum, s) => sum + s.failures, 0);
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${escapeXml(result.tool.name)}" tests="${tests}" failures="${failures}" errors="0" time="0">`,
    ...suites.flatMap((s) => s.lines),
  ];
  if (result.diagnostics.length > 0) {
    // <testsuites> carries no <system-err> in the Jenkins schema; an empty suite does.
    out.push(`  <testsuite name="${escapeXml(`${result.tool.name} input problems`)}" tests="0" failures="0" errors="0" skipped="0" time="0">`);
    const text = result.diagnostics.map((d) => `${d.line ? `${d.file}:${d.line}${d.column ? `:${d.column}` : ""}` : d.file}: ${d.severity}: ${d.message} [${d.code}]`).join("\n");
    out.push(`    <system-err>${escapeXml(text)}</system-err>`, `  </testsuite>`);
  }
  out.push(`</testsuites>`);
  return `${out.join("\n")}\n`;
}

function suite(rule: RuleDescriptor, files: readonly string[], byRuleAndFile: ReadonlyMap<string, Finding[]>): { lines: string[]; tests: number; failures: number } {
  const cases: string[] = [];
  let failures = 0;
  // Jenkins splits classname at dots into package and class: stacklint › SL101-memcache-single-server.
  const classname = escapeXml(`stacklint.${rule.id}-${rule.name}`);
  for (const file of files) {
    const findings = byRuleAndFile.get(`${rule.id}\u0000${file}`) ?? [];
    const failing = findings.filter((f) => f.level !== "note");
    const notes = findings.filter((f) => f.level === "note");
    const open = `    <testcase name="${escapeXml(file)}" classname="${classname}" time="0"`;
    if (findings.length === 0) {
      cases.push(`${open}/>`);
      continue;
    }
    cases.push(`${open}>`);
    if (failing.length > 0) {
      failures++;
      const first = failing[0]!;
      const message = failing.length === 1 ? first.message : `${failing.length} findings; first: ${first.message}`;
      cases.push(`      <failure message="${escapeXml(message)}" type="${escapeXml(`${rule.id}/${first.level}`)}">${escapeXml(failing.map(describe).join("\n\n"))}</failure>`);
    }
    if (notes.length > 0) cases.push(`      <system-out>${escapeXml(notes.map(describe).join("\n\n"))}</system-out>`);
    cases.push(`    </testcase>`);
  }
  const header = `  <testsuite name="${escapeXml(`${rule.id} ${rule.name}`)}" tests="${files.length}" failures="${failures}" errors="0" skipped="0" time="0">`;
  return { lines: [header, ...cases, `  </testsuite>`], tests: files.length, failures };
}

function describe(f: Finding): string {
  return [`${formatLocation(f.location)}: ${f.level}: ${f.message} [${f.ruleId}/${f.ruleName}]`, ...f.related.map((r) => `  ${formatLocation(r.location)}: ${r.message}`)].join("\n");
}
