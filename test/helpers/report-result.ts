import { analyze } from "../../src/analyze.js";
import type { AnalysisResult } from "../../src/engine/result.js";
import type { Finding, Level } from "../../src/engine/rule.js";
import type { Diagnostic } from "../../src/model/diagnostic.js";
import { repoRoot } from "./rule-harness.js";

/** The fixture with 503s and memcache errors in the proxy's log (4 errors, 2 warnings, a 2-minute timeline). */
export const LOGS_FIXTURE = "fixtures/rules/proxy-503-memcached-errors/fires";

export async function analyzed(inputs: string[]): Promise<AnalysisResult> {
  return analyze({ inputs, baseDirectory: repoRoot });
}

/** A finding made up for a reporter test: every text field can be chosen. */
export function finding(level: Level, overrides: Partial<Finding> & { line?: number } = {}): Finding {
  const line = overrides.line ?? 1;
  return {
    ruleId: "SL101",
    ruleName: "memcache-single-server",
    level,
    messageId: "single",
    message: `a ${level} finding`,
    location: { file: "etc/swift/proxy-server.conf", line, column: 5, endLine: line, endColumn: 9 },
    related: [],
    key: `k${line}`,
    ...overrides,
  };
}

/** `base` with other findings and diagnostics (rules, files, deployment kept). */
export function withFindings(base: AnalysisResult, findings: Finding[], diagnostics: Diagnostic[] = []): AnalysisResult {
  return { ...base, findings, diagnostics };
}
