import { closestName } from "../engine/did-you-mean.js";
import { spanOnLine, type SourceLocation } from "../model/source.js";

/**
 * `# stacklint-disable-next-line SL101, memcache-conf-shadowed -- reason` and
 * `# stacklint-disable-file SL205 -- reason`, read from a file's text before any parser sees it.
 * This module knows comment syntax only; which rules exist and which findings a directive
 * silences is decided in src/engine/suppressions.ts.
 */
export type SuppressionScope = "next-line" | "file";

export interface SuppressionDirective {
  readonly scope: SuppressionScope;
  /** The comment itself. */
  readonly location: SourceLocation;
  /** Rule IDs or names as written, each with its own position. */
  readonly rules: readonly { readonly text: string; readonly location: SourceLocation }[];
  /** The text after ` -- `, trimmed; null when there is none (the directive then does not apply). */
  readonly reason: string | null;
  /** next-line: the line it silences (the next line that is not itself such a directive); null at the end of the file. */
  readonly targetLine: number | null;
  /** What went wrong reading it (no rule named, a malformed list), or null. */
  readonly problem: string | null;
}

/**
 * A whole-line comment: `#` (INI, systemd, YAML, shell, sysctl) or `;` (INI, systemd). Inline
 * comments after a value are not directives: configparser and systemd keep `key = v # x` as the
 * value, and stacklint must not read part of a value as an instruction.
 */
const DIRECTIVE = /^(\s*[#;]+\s*)stacklint-disable-(next-line|file)(?=\s|$)(.*)$/u;
/** A `stacklint-…` word at the start of a comment: reported when it looks like a misspelt directive. */
const NEAR_MISS = /^\s*[#;]+\s*(stacklint-[\w-]+)/u;
const KEYWORDS = ["stacklint-disable-next-line", "stacklint-disable-file"];

/** `stacklint-disabel-file`, `stacklint-disable-line`, `stacklint-ignore`: yes; `stacklint-baseline.json`: no. */
function looksLikeDirective(word: string): boolean {
  return /^stacklint-(?:disable|ignore|enable|skip|suppress|noqa)/u.test(word) || closestName(word, KEYWORDS) !== null;
}

export function findSuppressionDirectives(file: string, lines: readonly string[]): { directives: SuppressionDirective[]; unknown: { word: string; location: SourceLocation }[] } {
  const directives: SuppressionDirective[] = [];
  const unknown: { word: string; location: SourceLocation }[] = [];
  const directiveLines = new Set<number>();
  const parsed: { index: number; match: RegExpExecArray }[] = [];
  for (const [index, line] of lines.entries()) {
    const match = DIRECTIVE.exec(line);
    if (match) {
      parsed.push({ index, match });
      directiveLines.add(index + 1);
      continue;
    }
    const near = NEAR_MISS.exec(line);
    if (near && looksLikeDirective(near[1]!)) unknown.push({ word: near[1]!, location: spanOnLine(file, index + 1, near[0].length - near[1]!.length + 1, near[1]!.length) });
  }
  for (const { index, match } of parsed) {
    const lineNumber = index + 1;
    const scope = match[2] as SuppressionScope;
    const prefix = match[1]!;
    const keyword = `stacklint-disable-${scope}`;
    const rest = match[3]!;
    const restColumn = prefix.length + keyword.length + 1;
    const separator = /\s--(?:\s|$)/u.exec(rest);
    const listText = separator ? rest.slice(0, separator.index) : rest;
    const reasonText = separator ? rest.slice(separator.index + separator[0].length).trim() : "";
    const rules: { text: string; location: SourceLocation }[] = [];
    let problem: string | null = null;
    for (const token of listText.matchAll(/[^,\s]+/gu)) {
      const text = token[0];
      if (!/^[A-Za-z][\w-]*$/u.test(text)) problem ??= `'${text}' is not a rule ID or name`;
      else rules.push({ text, location: spanOnLine(file, lineNumber, restColumn + token.index, text.length) });
    }
    if (rules.length === 0 && problem === null) problem = `${keyword} names no rule; write the rule IDs or names it silences, e.g. ${keyword} SL101 -- why`;
    let target: number | null = null;
    if (scope === "next-line") {
      // Several directives may stack above one line, one per rule and reason.
      for (let next = lineNumber + 1; next <= lines.length; next++) {
        if (!directiveLines.has(next)) {
          target = next;
          break;
        }
      }
    }
    directives.push({
      scope,
      location: spanOnLine(file, lineNumber, prefix.length + 1, (lines[index] ?? "").trimEnd().length - prefix.length),
      rules,
      reason: reasonText === "" ? null : reasonText,
      targetLine: target,
      problem,
    });
  }
  return { directives, unknown };
}
