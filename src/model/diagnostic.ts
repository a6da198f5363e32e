/**
 * Diagnostics are problems with the *inputs* (unreadable, binary, malformed), as opposed to
 * findings, which are problems with the *deployment*. A parser never throws on bad input: it
 * returns what it could read plus diagnostics, and the run goes on.
 */
export type DiagnosticSeverity = "error" | "warning" | "note";

/**
 * Kebab-case, stable, prefixed by the format when format-specific: `unreadable-file`,
 * `binary-file`, `invalid-encoding`, `file-too-large`, `line-too-long`, `ini-syntax`,
 * `ini-no-sections`, `ini-duplicate`, `internal-error`, `memcached-args-unknown-option`, …
 */
export type DiagnosticCode = string;

export interface Diagnostic {
  readonly severity: DiagnosticSeverity;
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}
