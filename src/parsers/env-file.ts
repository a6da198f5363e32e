import type { Diagnostic, DiagnosticSeverity } from "../model/diagnostic.js";
import type { SourceLocation } from "../model/source.js";
import type { LocatedText, TextSpan } from "./memcached-args.js";
import { containsTemplateExpression, maskTemplateStatements, positionMapper, sliceSpans, spansFromSourceOffsets, tokenizeCommandLine } from "./memcached-args.js";

/**
 * Shell-style variable files: RHEL `/etc/sysconfig/memcached` (PORT, USER, MAXCONN, CACHESIZE,
 * OPTIONS), SUSE `MEMCACHED_PARAMS`, Debian `/etc/default/memcached`.
 *
 * Two readers use these files and they disagree on edge cases, so both dialects are modelled:
 *
 * - `systemd` (EnvironmentFile=, the upstream and RHEL units): systemd's own state machine
 *   (src/basic/env-file.c parse_env_file_internal, v256): `#`/`;` comment lines, lines without
 *   `=` ignored, whitespace around key and unquoted value trimmed, interior whitespace kept,
 *   `\` escapes the next character and `\`+newline continues, `'…'` verbatim, `"…"` with
 *   `\"`, `\\`, `` \` ``, `\$` and line continuation, quotes may span lines. Names must be valid
 *   shell names, so `export FOO=…` is ignored (systemd logs "Ignoring invalid environment
 *   assignment"). `$` is not expanded.
 * - `shell` (the file is sourced: TripleO's `source /etc/sysconfig/memcached`, SysV init
 *   scripts): POSIX words, `export` accepted, `$VAR` expanded from earlier assignments, an
 *   unquoted space ends the value (`A=b c` runs `c`).
 */
export type EnvFileDialect = "systemd" | "shell";

export interface EnvAssignment {
  /** The variable name (without `export`). */
  readonly name: string;
  readonly value: string;
  readonly nameLocation: SourceLocation;
  readonly valueLocation: SourceLocation;
  /** Where each part of the value was written (quotes and escapes removed). */
  readonly spans: readonly TextSpan[];
  readonly quoting: "none" | "single" | "double" | "mixed";
  readonly exported: boolean;
  /** Whether this reader applies the assignment (systemd drops invalid names such as `export X`). */
  readonly applied: boolean;
  /** The value holds a template expression or an unresolved reference: unknown. */
  readonly opaque: boolean;
}

export interface EnvFile {
  readonly file: string;
  readonly dialect: EnvFileDialect;
  /** Every assignment in file order, applied or not. */
  readonly assignments: EnvAssignment[];
  readonly diagnostics: Diagnostic[];
}

export interface EnvFileOptions {
  readonly dialect?: EnvFileDialect;
}

export function parseEnvFile(file: string, text: string, options: EnvFileOptions = {}): EnvFile {
  const dialect = options.dialect ?? "systemd";
  // Unrendered templates: control statements are blanked (columns kept), expressions stay.
  const masked = maskTemplateStatements(text);
  const parsed = dialect === "systemd" ? parseSystemdEnvFile(file, masked.text) : parseShellEnvFile(file, masked.text);
  if (masked.masked === 0) return parsed;
  const note: Diagnostic = {
    severity: "note",
    code: "env-file-template",
    message: `${masked.masked} template statement(s) ignored: this is an unrendered template, values with expressions are unknown`,
    file,
    line: 1,
    column: 1,
  };
  return { ...parsed, diagnostics: [note, ...parsed.diagnostics] };
}

/** The values in force: applied assignments, a later one overriding an earlier one. */
export function envFileValues(envFile: EnvFile): Map<string, EnvAssignment> {
  const map = new Map<string, EnvAssignment>();
  for (const a of envFile.assignments) if (a.applied) map.set(a.name, a);
  return map;
}

/** An assignment's value as a located text (for systemd's `$VAR` expansion). */
export function assignmentValue(assignment: EnvAssignment): LocatedText & { readonly opaque: boolean } {
  return { text: assignment.value, location: assignment.valueLocation, spans: assignment.spans, opaque: assignment.opaque };
}

// ---------------------------------------------------------------------------------------------
// systemd dialect
// ---------------------------------------------------------------------------------------------

type State =
  | "pre-key"
  | "key"
  | "pre-value"
  | "value"
  | "value-escape"
  | "single-quote"
  | "double-quote"
  | "double-quote-escape"
  | "comment"
  | "comment-escape";

const NEWLINE = "\n\r";
const WHITESPACE = " \t\n\r";
const SHELL_NEED_ESCAPE = '"\\`$';

function parseSystemdEnvFile(file: string, text: string): EnvFile {
  const diagnostics: Diagnostic[] = [];
  const assignments: EnvAssignment[] = [];
  const positionOf = positionMapper(text, 1, 1);
  const report = (offset: number, severity: DiagnosticSeverity, code: string, message: string): void => {
    const p = positionOf(Math.max(0, Math.min(offset, text.length - 1)));
    diagnostics.push({ severity, code, message, file, line: p.line, column: p.column });
  };

  let state: State = "pre-key";
  let key = "";
  let keyStart = 0;
  let keyTrailingSpaces = 0;
  let value = "";
  let valueOffsets: number[] = [];
  let valueTrailingSpaces = 0;
  let quotes = new Set<"single" | "double">();
  let unquotedChars = false;

  const reset = (): void => {
    key = "";
    keyTrailingSpaces = 0;
    value = "";
    valueOffsets = [];
    valueTrailingSpaces = 0;
    quotes = new Set();
    unquotedChars = false;
  };
  const append = (ch: string, offset: number): void => {
    value += ch;
    valueOffsets.push(offset);
  };
  const push = (endOffset: number): void => {
    const name = key.slice(0, key.length - keyTrailingSpaces);
    const finalValue = value.slice(0, value.length - valueTrailingSpaces);
    const offsets = valueOffsets.slice(0, finalValue.length);
    const spans = spansFromSourceOffsets(offsets, positionOf);
    const nameStart = positionOf(keyStart);
    const nameLocation: SourceLocation = { file, line: nameStart.line, column: nameStart.column, endLine: nameStart.line, endColumn: nameStart.column + Math.max(name.length, 1) };
    const valueLocation = offsets.length > 0 ? rangeLocation(file, positionOf, offsets[0]!, offsets[offsets.length - 1]! + 1) : rangeLocation(file, positionOf, endOffset, endOffset);
    const exported = name.startsWith("export ") || name.startsWith("export\t");
    const cleanName = exported ? name.slice(7).trim() : name;
    const valid = /^[A-Za-z_][A-Za-z0-9_]*$/u.test(name);
    if (!valid) {
      report(
        keyStart,
        "warning",
        "env-file-invalid-name",
        exported
          ? `systemd ignores 'export ${cleanName}=…' (not a valid variable name for EnvironmentFile=); write '${cleanName}=…'`
          : `systemd ignores '${name}=…': not a valid variable name`,
      );
    }
    const quoting = quotes.size === 0 ? "none" : quotes.size === 1 && !unquotedChars ? [...quotes][0]! : "mixed";
    assignments.push({
      name: cleanName,
      value: finalValue,
      nameLocation,
      valueLocation,
      spans,
      quoting,
      exported,
      applied: valid,
      opaque: containsTemplateExpression(finalValue),
    });
    reset();
  };

  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    switch (state) {
      case "pre-key":
        if (c === "#" || c === ";") state = "comment";
        else if (!WHITESPACE.includes(c)) {
          state = "key";
          keyStart = i;
          key = c;
        }
        break;
      case "key":
        if (NEWLINE.includes(c)) {
          if (key.trim() !== "") {
            report(keyStart, "note", "env-file-no-assignment", `'${key.trim()}' has no '=': systemd ignores the line`);
          }
          state = "pre-key";
          reset();
        } else if (c === "=") state = "pre-value";
        else {
          keyTrailingSpaces = c === " " || c === "\t" ? keyTrailingSpaces + 1 : 0;
          key += c;
        }
        break;
      case "pre-value":
        if (NEWLINE.includes(c)) {
          state = "pre-key";
          push(i);
        } else if (c === "'") {
          state = "single-quote";
          quotes.add("single");
        } else if (c === '"') {
          state = "double-quote";
          quotes.add("double");
        } else if (c === "\\") {
          state = "value-escape";
          unquotedChars = true;
        } else if (c !== " " && c !== "\t") {
          state = "value";
          unquotedChars = true;
          append(c, i);
        }
        break;
      case "value":
        if (NEWLINE.includes(c)) {
          state = "pre-key";
          push(i);
        } else if (c === "\\") {
          state = "value-escape";
          valueTrailingSpaces = 0;
        } else {
          valueTrailingSpaces = c === " " || c === "\t" ? valueTrailingSpaces + 1 : 0;
          append(c, i);
        }
        break;
      case "value-escape":
        state = "value";
        if (!NEWLINE.includes(c)) append(c, i);
        break;
      case "single-quote":
        if (c === "'") state = "pre-value";
        else append(c, i);
        break;
      case "double-quote":
        if (c === '"') state = "pre-value";
        else if (c === "\\") state = "double-quote-escape";
        else append(c, i);
        break;
      case "double-quote-escape":
        state = "double-quote";
        if (SHELL_NEED_ESCAPE.includes(c)) append(c, i);
        else if (c === "\n") {
          // line continuation inside double quotes
        } else {
          append("\\", i - 1);
          append(c, i);
        }
        break;
      case "comment":
        if (c === "\\") state = "comment-escape";
        else if (NEWLINE.includes(c)) state = "pre-key";
        break;
      case "comment-escape":
        state = NEWLINE.includes(c) ? "pre-key" : "comment";
        break;
    }
  }
  switch (state) {
    case "pre-value":
    case "value":
    case "value-escape":
      push(text.length);
      break;
    case "single-quote":
    case "double-quote":
    case "double-quote-escape":
      report(text.length - 1, "warning", "env-file-unterminated-quote", "a quote is not closed: the value runs to the end of the file");
      push(text.length);
      break;
    case "key":
      if (key.trim() !== "") report(keyStart, "note", "env-file-no-assignment", `'${key.trim()}' has no '=': systemd ignores the line`);
      break;
    default:
      break;
  }

  // Where the dialects disagree: an unquoted space means "run a command" to a shell.
  for (const a of assignments) {
    if (a.quoting === "none" && /\s/u.test(a.value) && !a.opaque) {
      diagnostics.push({
        severity: "note",
        code: "env-file-unquoted-space",
        message: `${a.name}'s value has an unquoted space: systemd keeps '${a.value}', but a shell sourcing this file would run '${a.value.split(/\s+/u)[1] ?? ""}' instead`,
        file,
        line: a.valueLocation.line,
        column: a.valueLocation.column,
      });
    }
  }
  return { file, dialect: "systemd", assignments, diagnostics };
}

function rangeLocation(file: string, positionOf: (offset: number) => { line: number; column: number }, start: number, end: number): SourceLocation {
  const first = positionOf(start);
  if (end <= start) return { file, line: first.line, column: first.column, endLine: first.line, endColumn: first.column + 1 };
  const last = positionOf(end - 1);
  return { file, line: first.line, column: first.column, endLine: last.line, endColumn: last.column + 1 };
}

// ---------------------------------------------------------------------------------------------
// shell dialect
// ---------------------------------------------------------------------------------------------

/** Splits shell text into logical lines: unquoted newlines end a line, comments are blanked. */
function shellLogicalLines(text: string): { start: number; end: number; text: string }[] {
  const lines: { start: number; end: number; text: string }[] = [];
  let start = 0;
  let chars: string[] = [];
  let quote: "'" | '"' | null = null;
  let atWordStart = true;
  let inComment = false;
  const flush = (end: number): void => {
    lines.push({ start, end, text: chars.join("") });
    chars = [];
    start = end + 1;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inComment) {
      if (c === "\n") {
        inComment = false;
        flush(i);
        atWordStart = true;
      } else chars.push(" ");
      continue;
    }
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < text.length) {
        chars.push(c, text[i + 1]!);
        i++;
        continue;
      }
      chars.push(c);
      continue;
    }
    if (c === "\\" && i + 1 < text.length) {
      chars.push(c, text[i + 1]!);
      i++;
      atWordStart = false;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      chars.push(c);
      atWordStart = false;
      continue;
    }
    if (c === "#" && atWordStart) {
      inComment = true;
      chars.push(" ");
      continue;
    }
    if (c === "\n") {
      flush(i);
      atWordStart = true;
      continue;
    }
    chars.push(c);
    atWordStart = c === " " || c === "\t" || c === "\r" || c === ";" || c === "&" || c === "|";
  }
  if (chars.length > 0 || start < text.length) flush(text.length);
  return lines;
}

function parseShellEnvFile(file: string, text: string): EnvFile {
  const diagnostics: Diagnostic[] = [];
  const assignments: EnvAssignment[] = [];
  const positionOf = positionMapper(text, 1, 1);
  const known = new Map<string, string>();

  for (const line of shellLogicalLines(text)) {
    if (line.text.trim() === "") continue;
    const tokenized = tokenizeCommandLine(line.text, {
      file,
      positionOf: (offset) => positionOf(line.start + offset),
      escapes: "shell",
      variables: "shell",
      shellOperators: true,
    });
    diagnostics.push(...tokenized.diagnostics.map((d) => ({ ...d, code: d.code.replace(/^shell-/u, "env-file-") })));
    let k = 0;
    const words = tokenized.words;
    while (k < words.length) {
      // One simple command: [export] NAME=value ... [command args]
      let exported = false;
      if (words[k]!.text === "export" && !words[k]!.operator) {
        exported = true;
        k++;
      }
      const pending: EnvAssignment[] = [];
      while (k < words.length && !words[k]!.operator) {
        const word = words[k]!;
        const first = word.parts[0];
        const eq = word.text.indexOf("=");
        const name = eq > 0 ? word.text.slice(0, eq) : "";
        if (!(first && first.kind === "literal" && first.quoted === "none" && first.text.indexOf("=") === eq && /^[A-Za-z_][A-Za-z0-9_]*$/u.test(name))) break;
        pending.push(shellAssignment(file, word, eq, name, exported, known));
        k++;
      }
      const commandStart = k;
      while (k < words.length && !words[k]!.operator) k++;
      if (commandStart < k) {
        const command = words[commandStart]!;
        if (exported && pending.length === 0) {
          // `export NAME` without a value: marks an existing variable; nothing to record.
        } else {
          diagnostics.push({
            severity: pending.length > 0 ? "warning" : "note",
            code: pending.length > 0 ? "env-file-assignment-before-command" : "env-file-command",
            message:
              pending.length > 0
                ? `a shell sourcing this file runs '${command.text}' with ${pending.map((p) => p.name).join(", ")} set for that command only (quote the value if it has spaces)`
                : `'${command.text}' is a command, not an assignment: a shell sourcing this file runs it, systemd ignores it`,
            file,
            line: command.location.line,
            column: command.location.column,
          });
          for (const p of pending) assignments.push({ ...p, applied: false });
          pending.length = 0;
        }
      }
      for (const p of pending) {
        assignments.push(p);
        if (!p.opaque) known.set(p.name, p.value);
      }
      if (k < words.length && words[k]!.operator) k++;
    }
  }
  return { file, dialect: "shell", assignments, diagnostics };
}

function shellAssignment(
  file: string,
  word: ReturnType<typeof tokenizeCommandLine>["words"][number],
  eq: number,
  name: string,
  exported: boolean,
  known: ReadonlyMap<string, string>,
): EnvAssignment {
  let value = "";
  let opaque = false;
  let expanded = false;
  let consumed = 0;
  const quotes = new Set<string>();
  for (const part of word.parts) {
    if (part.kind === "literal") {
      const text = consumed === 0 ? part.text.slice(eq + 1) : part.text;
      if (part.quoted !== "none") quotes.add(part.quoted);
      else if (text !== "") quotes.add("none");
      value += text;
    } else if (part.kind === "variable") {
      const v = part.braced && part.modifier !== "" ? undefined : known.get(part.name);
      if (v === undefined) {
        value += part.raw;
        opaque = true;
      } else {
        value += v;
        expanded = true;
      }
    } else {
      value += part.text;
      opaque = true;
    }
    consumed++;
  }
  const spans = expanded ? [] : (sliceSpans(word.spans, eq + 1, word.text.length) ?? []);
  const nameLocation: SourceLocation = {
    file,
    line: word.location.line,
    column: word.location.column,
    endLine: word.location.line,
    endColumn: word.location.column + name.length,
  };
  const firstSpan = spans[0];
  const lastSpan = spans[spans.length - 1];
  const valueLocation: SourceLocation =
    firstSpan && lastSpan
      ? { file, line: firstSpan.line, column: firstSpan.column, endLine: lastSpan.line, endColumn: lastSpan.column + lastSpan.length }
      : { file, line: word.location.line, column: word.location.column + name.length + 1, endLine: word.location.endLine, endColumn: word.location.endColumn };
  quotes.delete("none");
  const quoting = quotes.size === 0 ? "none" : quotes.size === 1 ? ([...quotes][0] as "single" | "double") : "mixed";
  return {
    name,
    value,
    nameLocation,
    valueLocation,
    spans,
    quoting,
    exported,
    applied: true,
    opaque: opaque || containsTemplateExpression(value),
  };
}
