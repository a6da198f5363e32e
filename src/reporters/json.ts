import type { AnalysisResult } from "../engine/result.js";
import { countByLevel } from "./human.js";

/** Version of the JSON output's shape (docs/json-output.md); bumped on breaking changes. */
export const JSON_FORMAT_VERSION = 1;

/**
 * The full result for machines and support engineers: findings, diagnostics and the normalized
 * deployment model with every effective value's origin. Rule pages are left out (they are in
 * docs/rules); everything else is the AnalysisResult as is.
 */
export function formatJson(result: AnalysisResult): string {
  const document = {
    formatVersion: JSON_FORMAT_VERSION,
    tool: result.tool,
    summary: { ...countByLevel(result), suppressed: result.suppressed?.length ?? 0, diagnostics: result.diagnostics.length, filesAnalyzed: result.files.analyzed.length },
    findings: result.findings,
    // Set aside by a stacklint-disable comment or the baseline; not in the counts above.
    suppressed: result.suppressed ?? [],
    diagnostics: result.diagnostics,
    deployment: result.deployment,
    files: result.files,
    rules: result.rules.map(({ helpMarkdown: _help, messages: _messages, ...rule }) => rule),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
