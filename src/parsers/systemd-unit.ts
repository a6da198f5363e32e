import type { Diagnostic, DiagnosticSeverity } from "../model/diagnostic.js";
import type { Located, SourceLocation } from "../model/source.js";
import { spanOnLine } from "../model/source.js";
import type { ArgvItem, LocatedText, ShellWord, TextSpan } from "./memcached-args.js";
import { containsTemplateExpression, locateInText, sliceSpans, tokenizeCommandLine } from "./memcached-args.js";

/**
 * systemd unit files and drop-ins, as systemd reads them.
 *
 * - Syntax (systemd.syntax(7)): `[Section]` headers, `Key=Value` with whitespace around `=`
 *   ignored, `#`/`;` comment lines, a line ending in `\` continues on the next one (the
 *   backslash becomes a space) and comment lines inside a continuation are dropped.
 * - Settings merged in load order (unit, then drop-ins): an empty assignment resets list
 *   settings (`ExecStart=`, `Environment=`, `EnvironmentFile=`), later scalars win.
 * - ExecStart (systemd.service(5) "Command lines"): prefixes `-@:+!` (`!!`, `|`), words unquoted
 *   with C escapes; `$FOO` as a whole word expands to the value split at whitespace (zero or
 *   more words), `${FOO}` anywhere expands to exactly one word, `$$` is a literal `$`
 *   (src/basic/env-util.c replace_env_argv); `:` turns expansion off.
 * - Environment= (systemd.exec(5)): each line unquoted into `NAME=VALUE` words; `$` has no
 *   special meaning. EnvironmentFile=: a path or glob, `-` = missing file is not an error.
 * - LimitNOFILE=: `N`, `soft:hard`, `infinity`; empty resets to the manager's default.
 * - Specifiers (`%i`, `%n`, …) are exposed, not resolved: the caller knows the instance.
 */

export interface UnitValueSegment {
  /** Offset in the joined value where this physical line's part starts. */
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly length: number;
}

export interface UnitEntry {
  readonly section: string;
  readonly key: string;
  /** The value after continuation lines are joined (backslash → space) and whitespace trimmed. */
  readonly value: string;
  readonly keyLocation: SourceLocation;
  readonly valueLocation: SourceLocation;
  /** Where each piece of the joined value sits, to locate offsets inside it. */
  readonly segments: readonly UnitValueSegment[];
  /** The value holds a template expression (`{{ … }}`, `<%= … %>`): unknown. */
  readonly opaque: boolean;
}

export interface UnitSection {
  readonly name: string;
  readonly location: SourceLocation;
  readonly entries: UnitEntry[];
}

export interface SystemdUnitFile {
  readonly file: string;
  /** `memcached@.service` → { prefix: "memcached", instance: null, template: true }. */
  readonly unitName: UnitName | null;
  readonly sections: UnitSection[];
  readonly diagnostics: Diagnostic[];
}

export interface UnitName {
  readonly name: string;
  readonly prefix: string;
  /** The instance of `memcached@11211.service`; "" for the template itself. */
  readonly instance: string | null;
  readonly template: boolean;
  readonly type: string;
}

/** The unit name from a path: `…/memcached@.service`, `…/memcached@11211.service.d/x.conf`. */
export function unitNameOf(path: string): UnitName | null {
  const parts = path.split("/");
  let base = parts[parts.length - 1] ?? "";
  if (base.endsWith(".conf") && parts.length >= 2 && (parts[parts.length - 2] ?? "").endsWith(".d")) {
    base = (parts[parts.length - 2] ?? "").slice(0, -2);
  }
  const dot = base.lastIndexOf(".");
  if (dot <= 0) return null;
  const type = base.slice(dot + 1);
  const stem = base.slice(0, dot);
  const at = stem.indexOf("@");
  if (at < 0) return { name: base, prefix: stem, instance: null, template: false, type };
  const instance = stem.slice(at + 1);
  return { name: base, prefix: stem.slice(0, at), instance, template: instance === "", type };
}

export function parseSystemdUnit(file: string, text: string): SystemdUnitFile {
  const diagnostics: Diagnostic[] = [];
  const sections: UnitSection[] = [];
  const lines = text.split(/\r\n|\n|\r/u);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  let current: UnitSection | null = null;

  let index = 0;
  while (index < lines.length) {
    const lineNumber = index + 1;
    const raw = lines[index]!;
    index++;
    const leading = raw.length - raw.trimStart().length;
    const stripped = raw.trim();
    if (stripped === "" || stripped.startsWith("#") || stripped.startsWith(";")) continue;
    if (stripped.startsWith("[")) {
      if (!stripped.endsWith("]")) {
        diagnostics.push(diag(file, "warning", "systemd-syntax", "section header does not end with ']'; systemd ignores the line", lineNumber, leading + 1));
        continue;
      }
      const name = stripped.slice(1, -1);
      current = { name, location: spanOnLine(file, lineNumber, leading + 2, name.length), entries: [] };
      sections.push(current);
      continue;
    }
    // Gather continuation lines: a line whose last character is an unescaped backslash.
    const pieces: { text: string; line: number; column: number }[] = [{ text: raw, line: lineNumber, column: 1 }];
    while (endsWithContinuation(pieces[pieces.length - 1]!.text) && index < lines.length) {
      const last = pieces[pieces.length - 1]!;
      pieces[pieces.length - 1] = { ...last, text: `${last.text.slice(0, -1)} ` };
      // Comment lines inside a continuation are dropped (systemd.syntax(7)).
      while (index < lines.length && /^\s*[#;]/u.test(lines[index]!)) index++;
      if (index >= lines.length) break;
      pieces.push({ text: lines[index]!, line: index + 1, column: 1 });
      index++;
    }
    const lastPiece = pieces[pieces.length - 1]!;
    if (endsWithContinuation(lastPiece.text)) pieces[pieces.length - 1] = { ...lastPiece, text: `${lastPiece.text.slice(0, -1)} ` };

    const first = pieces[0]!.text;
    const eq = first.indexOf("=");
    if (eq < 0) {
      diagnostics.push(diag(file, "warning", "systemd-syntax", "line has no '='; systemd ignores it", lineNumber, leading + 1));
      continue;
    }
    const keyRaw = first.slice(0, eq);
    const key = keyRaw.trim();
    const keyColumn = keyRaw.length - keyRaw.trimStart().length + 1;
    if (!current) {
      diagnostics.push(diag(file, "warning", "systemd-syntax", `'${key}' appears before any [Section]; systemd ignores it`, lineNumber, keyColumn));
      continue;
    }
    // Join the value: first piece after '=', then the continuation lines.
    const joined: { text: string; line: number; column: number }[] = [{ text: first.slice(eq + 1), line: lineNumber, column: eq + 2 }];
    for (const piece of pieces.slice(1)) joined.push(piece);
    const { value, segments } = joinSegments(joined);
    const valueLocation = segmentsLocation(file, segments, 0, value.length, lineNumber, eq + 2);
    current.entries.push({
      section: current.name,
      key,
      value,
      keyLocation: spanOnLine(file, lineNumber, keyColumn, key.length),
      valueLocation,
      segments,
      opaque: containsTemplateExpression(value),
    });
  }
  return { file, unitName: unitNameOf(file), sections, diagnostics };
}

function endsWithContinuation(line: string): boolean {
  let count = 0;
  for (let k = line.length - 1; k >= 0 && line[k] === "\\"; k--) count++;
  return count % 2 === 1;
}

/** Joins the physical pieces and trims the whole value, keeping a per-line offset map. */
function joinSegments(pieces: { text: string; line: number; column: number }[]): { value: string; segments: UnitValueSegment[] } {
  let whole = "";
  const raw: UnitValueSegment[] = [];
  for (const piece of pieces) {
    raw.push({ offset: whole.length, line: piece.line, column: piece.column, length: piece.text.length });
    whole += piece.text;
  }
  const startTrim = whole.length - whole.trimStart().length;
  const value = whole.trim();
  const segments: UnitValueSegment[] = [];
  for (const segment of raw) {
    const from = Math.max(segment.offset, startTrim);
    const to = Math.min(segment.offset + segment.length, startTrim + value.length);
    if (to <= from) continue;
    segments.push({ offset: from - startTrim, line: segment.line, column: segment.column + (from - segment.offset), length: to - from });
  }
  return { value, segments };
}

function positionInSegments(segments: readonly UnitValueSegment[], offset: number): { line: number; column: number } | null {
  for (const segment of segments) {
    if (offset >= segment.offset && offset < segment.offset + segment.length) {
      return { line: segment.line, column: segment.column + (offset - segment.offset) };
    }
  }
  const last = segments[segments.length - 1];
  if (last && offset >= last.offset + last.length) return { line: last.line, column: last.column + (offset - last.offset) };
  return null;
}

function segmentsLocation(
  file: string,
  segments: readonly UnitValueSegment[],
  start: number,
  end: number,
  fallbackLine: number,
  fallbackColumn: number,
): SourceLocation {
  const first = positionInSegments(segments, start);
  const last = positionInSegments(segments, Math.max(start, end - 1));
  if (!first || !last) return spanOnLine(file, fallbackLine, fallbackColumn, 1);
  return { file, line: first.line, column: first.column, endLine: last.line, endColumn: last.column + 1 };
}

/** The location of `value[start, end)` of an entry. */
export function locateInEntry(entry: UnitEntry, start: number, end: number): SourceLocation {
  return segmentsLocation(entry.keyLocation.file, entry.segments, start, end, entry.valueLocation.line, entry.valueLocation.column);
}

function entryPositionOf(entry: UnitEntry): (offset: number) => { line: number; column: number } {
  return (offset) => positionInSegments(entry.segments, offset) ?? { line: entry.valueLocation.line, column: entry.valueLocation.column };
}

/** All entries of a section (every same-named section, in file order). */
export function unitEntries(unit: SystemdUnitFile, section: string, key?: string): UnitEntry[] {
  const out: UnitEntry[] = [];
  for (const s of unit.sections) {
    if (s.name !== section) continue;
    for (const e of s.entries) if (key === undefined || e.key === key) out.push(e);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// [Service] settings merged over a unit and its drop-ins
// ---------------------------------------------------------------------------------------------

export interface ExecPrefixes {
  /** `-`: a failing exit code is not a failure. */
  readonly ignoreFailure: boolean;
  /** `@`: the second word is argv[0]. */
  readonly customArgv0: boolean;
  /** `:`: no environment variable substitution. */
  readonly noEnvironmentExpansion: boolean;
  /** `+`: full privileges. */
  readonly fullPrivileges: boolean;
  /** `!` (or `!!`): privilege elevation without setuid. */
  readonly elevated: boolean;
  /** `|`: run through the user's login shell. */
  readonly viaShell: boolean;
}

/** One word of an ExecStart command line, unquoted, specifiers and variables left as written. */
export interface ExecWord extends ArgvItem {
  /** Specifier letters it holds (`%i` → "i"); `%%` is not one. */
  readonly specifiers: readonly string[];
}

export interface ExecCommand {
  readonly prefixes: ExecPrefixes;
  /** The executable path (the first word, prefixes stripped). */
  readonly path: ExecWord | null;
  /** argv[1…]: the arguments after the path (and after argv[0] with `@`). */
  readonly args: ExecWord[];
  /** argv[0] as the process sees it (the path, or the `@` word). */
  readonly argv0: ExecWord | null;
  readonly entry: UnitEntry;
}

export interface EnvironmentAssignment {
  readonly name: string;
  /** The value with its own location (linear spans into the unit line). */
  readonly value: LocatedText & { readonly opaque: boolean };
  readonly location: SourceLocation;
}

export interface EnvironmentFileRef {
  readonly path: string;
  /** `-` prefix: a missing file is silently skipped. */
  readonly optional: boolean;
  /** systemd expands shell globs in the path (one match per file, in glob order). */
  readonly glob: boolean;
  readonly specifiers: readonly string[];
  readonly location: SourceLocation;
  readonly opaque: boolean;
}

export type LimitValue = number | "infinity";

export interface ResourceLimit {
  /** null when the value is unknown (a template). */
  readonly soft: LimitValue | null;
  readonly hard: LimitValue | null;
  readonly raw: string;
  readonly location: SourceLocation;
  readonly opaque: boolean;
}

export interface SystemdService {
  /** In force after resets; more than one is only valid for Type=oneshot. */
  readonly execStart: ExecCommand[];
  /** Environment= assignments in force, in order (a later same name overrides). */
  readonly environment: EnvironmentAssignment[];
  readonly environmentFiles: EnvironmentFileRef[];
  readonly limitNoFile: ResourceLimit | null;
  readonly user: Located<string> | null;
  readonly type: Located<string> | null;
  /** The unit names merged, in order. */
  readonly files: string[];
  readonly diagnostics: Diagnostic[];
}

/**
 * Merges the [Service] settings of a unit and its drop-ins, in the order given (unit first, then
 * drop-ins sorted as {@link orderDropIns} does).
 */
export function mergeSystemdService(units: readonly SystemdUnitFile[]): SystemdService {
  const diagnostics: Diagnostic[] = [];
  let execStart: ExecCommand[] = [];
  let environment: EnvironmentAssignment[] = [];
  let environmentFiles: EnvironmentFileRef[] = [];
  let limitNoFile: ResourceLimit | null = null;
  let user: Located<string> | null = null;
  let type: Located<string> | null = null;

  for (const unit of units) {
    for (const entry of unitEntries(unit, "Service")) {
      switch (entry.key) {
        case "ExecStart":
          if (entry.value === "") {
            execStart = [];
            break;
          }
          execStart.push(parseExecCommand(entry, diagnostics));
          break;
        case "Environment":
          if (entry.value === "") {
            environment = [];
            break;
          }
          environment.push(...parseEnvironmentEntry(entry, diagnostics));
          break;
        case "EnvironmentFile":
          if (entry.value === "") {
            environmentFiles = [];
            break;
          }
          environmentFiles.push(parseEnvironmentFileEntry(entry));
          break;
        case "LimitNOFILE":
          limitNoFile = entry.value === "" ? null : parseResourceLimit(entry, diagnostics);
          break;
        case "User":
          user = entry.value === "" ? null : { value: entry.value, location: entry.valueLocation };
          break;
        case "Type":
          type = entry.value === "" ? null : { value: entry.value, location: entry.valueLocation };
          break;
        default:
          break;
      }
    }
  }
  if (execStart.length > 1 && type?.value !== "oneshot") {
    const second = execStart[1]!.entry.valueLocation;
    diagnostics.push({
      severity: "error",
      code: "systemd-multiple-exec-start",
      message: `${execStart.length} ExecStart= lines are in force and Type is not oneshot: systemd refuses to load the service (a drop-in must reset with an empty 'ExecStart=' first)`,
      file: second.file,
      line: second.line,
      column: second.column,
    });
  }
  return { execStart, environment, environmentFiles, limitNoFile, user, type, files: units.map((u) => u.file), diagnostics };
}

const EXEC_PREFIX_CHARS = "-@:+!|";

function parseExecCommand(entry: UnitEntry, diagnostics: Diagnostic[]): ExecCommand {
  const file = entry.keyLocation.file;
  let k = 0;
  const flags = { ignoreFailure: false, customArgv0: false, noEnvironmentExpansion: false, fullPrivileges: false, elevated: false, viaShell: false };
  while (k < entry.value.length && EXEC_PREFIX_CHARS.includes(entry.value[k]!)) {
    const c = entry.value[k]!;
    if (c === "-") flags.ignoreFailure = true;
    else if (c === "@") flags.customArgv0 = true;
    else if (c === ":") flags.noEnvironmentExpansion = true;
    else if (c === "+") flags.fullPrivileges = true;
    else if (c === "!") flags.elevated = true;
    else flags.viaShell = true;
    k++;
  }
  const positionOf = entryPositionOf(entry);
  const tokenized = tokenizeCommandLine(entry.value.slice(k), {
    file,
    positionOf: (offset) => positionOf(offset + k),
    escapes: "c",
    variables: "none",
  });
  for (const d of tokenized.diagnostics) diagnostics.push({ ...d, code: d.code.replace(/^shell-/u, "systemd-exec-") });
  const words = tokenized.words.map(toExecWord);
  if (words.some((w) => w.text === ";")) {
    const semicolon = words.find((w) => w.text === ";")!;
    diagnostics.push(diag(file, "warning", "systemd-exec-semicolon", "a lone ';' no longer separates commands in ExecStart= (it is passed as an argument)", semicolon.location.line, semicolon.location.column));
  }
  const path = words[0] ?? null;
  let args = words.slice(1);
  let argv0 = path;
  if (flags.customArgv0) {
    argv0 = words[1] ?? null;
    args = words.slice(2);
  }
  if (path && !path.text.startsWith("/") && !path.opaque && !path.text.includes("%")) {
    diagnostics.push(diag(file, "note", "systemd-exec-relative-path", `'${path.text}' is not an absolute path; systemd searches its fixed PATH for it`, path.location.line, path.location.column));
  }
  return { prefixes: flags, path, args, argv0, entry };
}

function toExecWord(word: ShellWord): ExecWord {
  return {
    text: word.text,
    location: word.location,
    ...(word.spans ? { spans: word.spans } : {}),
    ...(word.hasTemplate ? { opaque: true } : {}),
    specifiers: specifiersIn(word.text),
  };
}

/** The specifier letters in a text (`%i`, `%n`, …); `%%` is an escaped percent sign. */
export function specifiersIn(text: string): string[] {
  const found: string[] = [];
  for (let k = text.indexOf("%"); k >= 0 && k < text.length - 1; k = text.indexOf("%", k + 1)) {
    const next = text[k + 1]!;
    if (next === "%") {
      k++;
      continue;
    }
    found.push(next);
  }
  return found;
}

export interface SpecifierResult {
  readonly text: string;
  /** Specifiers the caller gave no value for (systemd refuses unknown ones). */
  readonly unresolved: string[];
}

/**
 * Replaces `%x` specifiers with the caller's values (`{ i: "11211", n: "memcached@11211.service" }`)
 * and `%%` with `%`. Unknown letters stay as written and are listed.
 */
export function substituteSpecifiers(text: string, values: Readonly<Record<string, string>>): SpecifierResult {
  let out = "";
  const unresolved: string[] = [];
  for (let k = 0; k < text.length; k++) {
    const c = text[k]!;
    if (c !== "%" || k === text.length - 1) {
      out += c;
      continue;
    }
    const next = text[k + 1]!;
    k++;
    if (next === "%") out += "%";
    else if (values[next] !== undefined) out += values[next];
    else {
      out += `%${next}`;
      unresolved.push(next);
    }
  }
  return { text: out, unresolved };
}

/** Substitutes specifiers in exec words; a changed word keeps its whole-word location. */
export function substituteWordSpecifiers(words: readonly ExecWord[], values: Readonly<Record<string, string>>): ExecWord[] {
  return words.map((word) => {
    if (word.specifiers.length === 0) return word;
    const result = substituteSpecifiers(word.text, values);
    return { text: result.text, location: word.location, ...(word.opaque ? { opaque: true } : {}), specifiers: result.unresolved };
  });
}

function parseEnvironmentEntry(entry: UnitEntry, diagnostics: Diagnostic[]): EnvironmentAssignment[] {
  const file = entry.keyLocation.file;
  const tokenized = tokenizeCommandLine(entry.value, { file, positionOf: entryPositionOf(entry), escapes: "c", variables: "none" });
  for (const d of tokenized.diagnostics) diagnostics.push({ ...d, code: d.code.replace(/^shell-/u, "systemd-environment-") });
  const out: EnvironmentAssignment[] = [];
  for (const word of tokenized.words) {
    const eq = word.text.indexOf("=");
    const name = eq >= 0 ? word.text.slice(0, eq) : "";
    if (eq <= 0 || !isValidEnvName(name)) {
      diagnostics.push(diag(file, "warning", "systemd-invalid-environment", `'${word.text}' is not a valid NAME=VALUE assignment; systemd ignores it`, word.location.line, word.location.column));
      continue;
    }
    const spans = sliceSpans(word.spans, eq + 1, word.text.length);
    const valueText = word.text.slice(eq + 1);
    out.push({
      name,
      value: {
        text: valueText,
        location: valueText === "" ? locateInText(word, eq, eq + 1) : locateInText(word, eq + 1, word.text.length),
        ...(spans ? { spans } : {}),
        opaque: word.hasTemplate,
      },
      location: word.location,
    });
  }
  return out;
}

/** systemd's env_name_is_valid: ASCII letters, digits and '_', not starting with a digit. */
export function isValidEnvName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/u.test(name);
}

function parseEnvironmentFileEntry(entry: UnitEntry): EnvironmentFileRef {
  const optional = entry.value.startsWith("-");
  const path = optional ? entry.value.slice(1) : entry.value;
  const start = optional ? 1 : 0;
  return {
    path,
    optional,
    glob: /[*?[]/u.test(path),
    specifiers: specifiersIn(path),
    location: locateInEntry(entry, start, entry.value.length),
    opaque: entry.opaque,
  };
}

function parseResourceLimit(entry: UnitEntry, diagnostics: Diagnostic[]): ResourceLimit {
  const raw = entry.value;
  const location = entry.valueLocation;
  if (entry.opaque) return { soft: null, hard: null, raw, location, opaque: true };
  const colon = raw.indexOf(":");
  const softText = colon >= 0 ? raw.slice(0, colon) : raw;
  const hardText = colon >= 0 ? raw.slice(colon + 1) : raw;
  const soft = parseLimitValue(softText.trim());
  const hard = parseLimitValue(hardText.trim());
  if (soft === null || hard === null) {
    diagnostics.push(diag(location.file, "warning", "systemd-invalid-limit", `'${raw}' is not a valid resource limit; systemd ignores the setting`, location.line, location.column));
  } else if (soft !== "infinity" && (hard === "infinity" ? false : soft > hard)) {
    diagnostics.push(diag(location.file, "warning", "systemd-invalid-limit", `soft limit ${soft} is above the hard limit ${hard}; systemd ignores the setting`, location.line, location.column));
  }
  return { soft, hard, raw, location, opaque: false };
}

function parseLimitValue(text: string): LimitValue | null {
  if (text === "infinity") return "infinity";
  if (!/^\d+$/u.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

// ---------------------------------------------------------------------------------------------
// Environment variable expansion in command lines
// ---------------------------------------------------------------------------------------------

/** A variable's value as the environment holds it, with where it was written. */
export interface EnvironmentValue extends LocatedText {
  readonly opaque?: boolean;
}

export interface ExpansionResult {
  readonly words: ArgvItem[];
  /** References to variables that are not set (systemd substitutes an empty string). */
  readonly unset: { readonly name: string; readonly location: SourceLocation }[];
  readonly diagnostics: Diagnostic[];
}

/**
 * Expands environment variables in ExecStart words as systemd does: a word that is exactly
 * `$NAME` becomes the value split at whitespace (quotes in the value group words), `${NAME}`
 * anywhere in a word is replaced by the value as is, `$$` becomes `$`. Words produced from a
 * value carry the value's own location (the EnvironmentFile or Environment= line).
 */
export function expandSystemdVariables(
  words: readonly ArgvItem[],
  environment: ReadonlyMap<string, EnvironmentValue>,
): ExpansionResult {
  const out: ArgvItem[] = [];
  const unset: { name: string; location: SourceLocation }[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const word of words) {
    const text = word.text;
    if (text.length > 1 && text[0] === "$" && text[1] !== "{" && text[1] !== "$") {
      const name = text.slice(1);
      if (!isValidEnvName(name)) {
        out.push(word);
        continue;
      }
      const value = environment.get(name);
      if (!value) {
        unset.push({ name, location: word.location });
        diagnostics.push(diag(word.location.file, "note", "systemd-unset-variable", `$${name} is not set: systemd expands it to no argument`, word.location.line, word.location.column));
        continue;
      }
      const split = tokenizeCommandLine(value.text, {
        file: value.location.file,
        positionOf: (offset) => positionInLocated(value, offset),
        escapes: "next",
        variables: "none",
      });
      for (const piece of split.words) {
        out.push({
          text: piece.text,
          location: piece.spans && piece.spans.length > 0 && value.spans ? piece.location : value.location,
          ...(piece.spans && value.spans ? { spans: piece.spans } : {}),
          ...(value.opaque || piece.hasTemplate ? { opaque: true } : {}),
        });
      }
      continue;
    }
    if (!text.includes("$")) {
      out.push(word);
      continue;
    }
    // ${NAME} replacements inside the word; the word stays one argument.
    let result = "";
    const spans: TextSpan[] = [];
    let opaque = word.opaque === true;
    let fromValue: EnvironmentValue | null = null;
    let pieces = 0;
    let k = 0;
    while (k < text.length) {
      if (text.startsWith("$$", k)) {
        appendPiece(word, k, k + 1, "$");
        k += 2;
        continue;
      }
      if (text.startsWith("${", k)) {
        const close = text.indexOf("}", k + 2);
        const name = close >= 0 ? text.slice(k + 2, close) : "";
        if (close >= 0 && isValidEnvName(name)) {
          const value = environment.get(name);
          if (!value) {
            unset.push({ name, location: locateInText(word, k, close + 1) });
            const at = locateInText(word, k, close + 1);
            diagnostics.push(diag(at.file, "note", "systemd-unset-variable", `\${${name}} is not set: systemd substitutes an empty string`, at.line, at.column));
          } else {
            if (value.opaque) opaque = true;
            for (const span of value.spans ?? []) spans.push({ ...span, textOffset: span.textOffset + result.length });
            result += value.text;
            fromValue = value;
            pieces++;
          }
          k = close + 1;
          continue;
        }
      }
      appendPiece(word, k, k + 1, text[k]!);
      k++;
    }
    const wholeFromValue = pieces === 1 && fromValue !== null && result === fromValue.text;
    out.push({
      text: result,
      location: wholeFromValue && fromValue ? fromValue.location : word.location,
      ...(spans.length > 0 ? { spans } : {}),
      ...(opaque ? { opaque: true } : {}),
    });

    function appendPiece(item: ArgvItem, start: number, end: number, emitted: string): void {
      const sourceSpans = sliceSpans(item.spans, start, end) ?? [];
      for (const span of sourceSpans) spans.push({ ...span, textOffset: span.textOffset + result.length, length: Math.min(span.length, emitted.length) });
      result += emitted;
    }
  }
  return { words: out, unset, diagnostics };
}

export function positionInLocated(value: LocatedText, offset: number): { line: number; column: number } {
  for (const span of value.spans ?? []) {
    if (offset >= span.textOffset && offset < span.textOffset + span.length) return { line: span.line, column: span.column + offset - span.textOffset };
  }
  return { line: value.location.line, column: value.location.column };
}

/** The environment of Environment= assignments, later names overriding earlier ones. */
export function environmentMap(assignments: readonly EnvironmentAssignment[]): Map<string, EnvironmentValue> {
  const map = new Map<string, EnvironmentValue>();
  for (const a of assignments) map.set(a.name, a.value);
  return map;
}

// ---------------------------------------------------------------------------------------------
// Drop-in order
// ---------------------------------------------------------------------------------------------

const UNIT_DIRECTORY_PRIORITY = ["/etc/systemd/system/", "/run/systemd/system/", "/usr/local/lib/systemd/system/", "/usr/lib/systemd/system/", "/lib/systemd/system/"];

/**
 * Orders drop-in paths as systemd does: by file name regardless of directory; a file in /etc
 * shadows the same name in /run, /usr/local/lib, /usr/lib and /lib. Returns the files in force
 * and the shadowed ones.
 */
export function orderDropIns(paths: readonly string[]): { ordered: string[]; shadowed: { path: string; by: string }[] } {
  const byName = new Map<string, { path: string; rank: number }>();
  const shadowed: { path: string; by: string }[] = [];
  for (const path of paths) {
    const name = path.slice(path.lastIndexOf("/") + 1);
    const rank = directoryRank(path);
    const existing = byName.get(name);
    if (!existing) {
      byName.set(name, { path, rank });
      continue;
    }
    if (rank < existing.rank) {
      shadowed.push({ path: existing.path, by: path });
      byName.set(name, { path, rank });
    } else {
      shadowed.push({ path, by: existing.path });
    }
  }
  const ordered = [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v.path);
  return { ordered, shadowed };
}

function directoryRank(path: string): number {
  const normalized = `/${path}`;
  for (let k = 0; k < UNIT_DIRECTORY_PRIORITY.length; k++) if (normalized.includes(UNIT_DIRECTORY_PRIORITY[k]!)) return k;
  return UNIT_DIRECTORY_PRIORITY.length;
}

function diag(file: string, severity: DiagnosticSeverity, code: string, message: string, line: number, column: number): Diagnostic {
  return { severity, code, message, file, line, column };
}
