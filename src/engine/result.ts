import type { Diagnostic } from "../model/diagnostic.js";
import type { Deployment } from "../model/deployment.js";
import type { Finding, Level, RuleMeta } from "./rule.js";
import type { SuppressedFinding } from "./suppressions.js";

/** What one input file became. */
export interface FileRecord {
  /** Display path (POSIX, relative to the base directory). */
  readonly path: string;
  /** The format classify() gave it. */
  readonly kind: string;
  /** The host the file belongs to (Host.id). */
  readonly hostId: string;
}

export interface RuleDescriptor extends RuleMeta {
  /** The level in force for this run (after --rule / config); "off" rules are not listed. */
  readonly effectiveLevel: Level;
  /** Where the rule's page is published (SARIF helpUri). */
  readonly helpUri: string;
  /** The rule's page (docs/rules/<name>.md), for SARIF help.markdown and `--explain`. */
  readonly helpMarkdown: string;
}

/** The whole outcome of a run: plain data, so every reporter and `--format json` share it. */
export interface AnalysisResult {
  readonly tool: { readonly name: string; readonly version: string; readonly informationUri: string };
  /** Enabled rules, sorted by id. */
  readonly rules: readonly RuleDescriptor[];
  /** Sorted by file, line, column, rule id. */
  readonly findings: readonly Finding[];
  /**
   * Findings set aside by a `stacklint-disable-*` comment or the baseline, sorted like findings.
   * They count nowhere (summary, exit code); SARIF keeps them with `suppressions`. analyze()
   * always sets it; results built by hand may leave it out (none).
   */
  readonly suppressed?: readonly SuppressedFinding[];
  /** Input problems (parse errors, unreadable files). Sorted like findings. */
  readonly diagnostics: readonly Diagnostic[];
  readonly deployment: Deployment;
  readonly files: {
    readonly analyzed: readonly FileRecord[];
    /** Files seen but not in any format stacklint reads, counted by reason. */
    readonly skipped: Readonly<Record<string, number>>;
  };
  /** Redacted text of every line a finding or related location points at, keyed `file:line`. */
  readonly snippets: Readonly<Record<string, string>>;
}

export function snippetKey(file: string, line: number): string {
  return `${file}:${line}`;
}
