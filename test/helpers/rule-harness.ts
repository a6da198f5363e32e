import path from "node:path";
import { fileURLToPath } from "node:url";
import { analyze } from "../../src/analyze.js";
import type { AnalysisResult } from "../../src/engine/result.js";
import type { Rule, RuleSettings } from "../../src/engine/rule.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const corpusRoot = path.resolve(repoRoot, "..", "shared", "corpus");

/** Runs one rule over a fixture folder (paths relative to the repo root) and returns the result. */
export async function runRuleOn(rule: Rule, inputs: string | string[], settings?: Partial<RuleSettings>): Promise<AnalysisResult> {
  return analyze({ inputs: Array.isArray(inputs) ? inputs : [inputs], baseDirectory: repoRoot, rules: [rule], ...(settings ? { settings } : {}) });
}

/** `[ruleId, file, line]` triples, the shape rule tables assert. */
export function findingSites(result: AnalysisResult): [string, string, number][] {
  return result.findings.map((f) => [f.ruleId, f.location.file, f.location.line]);
}
