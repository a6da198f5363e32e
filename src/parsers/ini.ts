import type { Diagnostic } from "../model/diagnostic.js";
import type { SourceLocation } from "../model/source.js";
import { spanOnLine } from "../model/source.js";

/**
 * An INI reader with positions, in the two dialects OpenStack uses:
 *
 * - `configparser`: Python's `configparser.ConfigParser` as paste.deploy and Swift's `readconf`
 *   use it (CPython Lib/configparser.py `_read`): `=` or `:` (whichever comes first), full-line
 *   `#`/`;` comments (also indented ones), no inline comments, continuation lines indented deeper
 *   than their key, blank lines kept inside a value, `[DEFAULT]` as the default section. Keys are
 *   lowercased by the default `optionxform`; paste.deploy sets `optionxform = str`
 *   (Pylons/pastedeploy loadwsgi.py ConfigLoader.__init__), so callers choose.
 * - `oslo`: oslo.config's `iniparser.BaseParser` (openstack/oslo.config oslo_config/iniparser.py):
 *   any line starting with a space or tab continues the value, a blank line ends it, comments only
 *   in column 1, one pair of surrounding quotes stripped, repeated keys kept (MultiStrOpt), group
 *   names lowercased except `DEFAULT` (cfg.py `_normalize_group_name`).
 *
 * Every entry is kept, duplicates included, in file order; the model layer applies each
 * product's own "which one wins" rule.
 */
export type IniDialect = "configparser" | "oslo";

export interface IniParseOptions {
  readonly dialect: IniDialect;
  /** configparser's default optionxform lowercases keys; paste.deploy keeps them as written. */
  readonly lowercaseKeys?: boolean;
}

/** One physical line of a value: where it starts and what it holds (already stripped). */
export interface ValueLine {
  readonly line: number;
  readonly column: number;
  readonly text: string;
}

export interface IniEntry {
  /** Section name after the dialect's normalization. */
  readonly section: string;
  /** Key after the dialect's normalization (`optionxform`). */
  readonly key: string;
  /** The value as the product reads it: continuation lines joined with "\n". */
  readonly value: string;
  readonly keyLocation: SourceLocation;
  /** From the first value character to the end of the last continuation line. */
  readonly valueLocation: SourceLocation;
  readonly valueLines: readonly ValueLine[];
}

export interface IniSection {
  readonly name: string;
  readonly location: SourceLocation;
  readonly entries: IniEntry[];
}

export interface IniDocument {
  readonly file: string;
  readonly dialect: IniDialect;
  /** Every section header in file order; a repeated header gives a second record. */
  readonly sections: IniSection[];
  readonly diagnostics: Diagnostic[];
}

const COMMENT_PREFIXES = ["#", ";"];

/** CPython's SECTCRE: `\[(?P<header>.+)\]`, matched (not full-matched) on the stripped line. */
const SECTION_HEADER = /^\[(.+)\]/;

export function parseIni(file: string, text: string, options: IniParseOptions): IniDocument {
  const dialect = options.dialect;
  const lowercaseKeys = options.lowercaseKeys ?? false;
  const diagnostics: Diagnostic[] = [];
  const sections: IniSection[] = [];
  const lines = splitLines(text);

  let current: IniSection | null = null;
  // The open entry that continuation lines extend.
  let open: { section: IniSection; key: string; keyLocation: SourceLocation; valueLines: ValueLine[]; pendingBlank: number } | null =
    null;
  let keyIndent = 0;
  const seenInSection = new Map<IniSection, Set<string>>();
  const seenSections = new Set<string>();

  const flush = (): void => {
    if (!open) return;
    const valueLines = open.valueLines;
    const value = joinValue(valueLines, dialect);
    const first = valueLines[0]!;
    const last = valueLines[valueLines.length - 1]!;
    const valueLocation: SourceLocation = {
      file,
      line: first.line,
      column: first.column,
      endLine: last.line,
      endColumn: last.column + Math.max(last.text.length, 1),
    };
    open.section.entries.push({
      section: open.section.name,
      key: open.key,
      value,
      keyLocation: open.keyLocation,
      valueLocation,
      valueLines,
    });
    open = null;
  };

  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const raw = lines[index]!;
    const stripped = raw.trim();
    const indent = raw.length - raw.trimStart().length;

    if (dialect === "oslo") {
      const rtrimmed = raw.trimEnd();
      if (rtrimmed === "") {
        flush();
        continue;
      }
      if (rtrimmed.startsWith(" ") || rtrimmed.startsWith("\t")) {
        if (open) {
          open.valueLines.push({ line: lineNumber, column: indent + 1, text: stripped });
        } else {
          diagnostics.push(syntax(file, lineNumber, indent + 1, "unexpected continuation line: no key before it (oslo.config refuses the file)"));
        }
        continue;
      }
      flush();
      if (rtrimmed.startsWith("[")) {
        if (!rtrimmed.endsWith("]") || rtrimmed.length <= 2) {
          diagnostics.push(syntax(file, lineNumber, 1, rtrimmed.length <= 2 ? "empty section name" : "section header does not end with ']'"));
          current = null;
          continue;
        }
        current = openSection(sections, file, lineNumber, 2, normalizeOsloGroup(rtrimmed.slice(1, -1)), rtrimmed.length - 2);
        continue;
      }
      if (COMMENT_PREFIXES.some((p) => rtrimmed.startsWith(p))) continue;
      const split = splitKeyValue(rtrimmed);
      if (!split) {
        diagnostics.push(syntax(file, lineNumber, 1, "no ':' or '=' in this line (oslo.config refuses the file)"));
        continue;
      }
      if (split.key === "") {
        diagnostics.push(syntax(file, lineNumber, 1, "empty key (oslo.config refuses the file)"));
        continue;
      }
      if (!current) {
        // oslo.config files conventionally start with [DEFAULT]; a key before any header
        // lands in no group that any service reads.
        diagnostics.push(syntax(file, lineNumber, 1, `'${split.key}' appears before any [section] header`));
        continue;
      }
      let valueText = split.value;
      let valueColumn = split.valueColumn;
      if (valueText.length >= 2 && (valueText.startsWith('"') || valueText.startsWith("'")) && valueText.endsWith(valueText[0]!)) {
        valueText = valueText.slice(1, -1);
        valueColumn += 1;
      }
      open = {
        section: current,
        key: split.key,
        keyLocation: spanOnLine(file, lineNumber, split.keyColumn, split.key.length),
        valueLines: [{ line: lineNumber, column: valueColumn, text: valueText }],
        pendingBlank: 0,
      };
      continue;
    }

    // configparser dialect
    const isComment = COMMENT_PREFIXES.some((p) => stripped.startsWith(p));
    if (stripped === "") {
      // empty_lines_in_values=True: kept inside the value, trailing ones dropped at join.
      if (!isComment && open) open.pendingBlank++;
      continue;
    }
    if (isComment) continue;
    if (open && indent > keyIndent) {
      for (; open.pendingBlank > 0; open.pendingBlank--) open.valueLines.push({ line: lineNumber, column: indent + 1, text: "" });
      open.valueLines.push({ line: lineNumber, column: indent + 1, text: stripped });
      continue;
    }
    flush();
    keyIndent = indent;
    const header = SECTION_HEADER.exec(stripped);
    if (header) {
      const name = header[1]!;
      current = openSection(sections, file, lineNumber, indent + 2, name, name.length);
      if (name !== "DEFAULT" && seenSections.has(name)) {
        diagnostics.push({
          severity: "warning",
          code: "ini-duplicate",
          message: `section [${name}] appears twice; Python's configparser (strict, as paste.deploy and Swift use it) refuses the file with DuplicateSectionError`,
          file,
          line: lineNumber,
          column: indent + 1,
        });
      }
      seenSections.add(name);
      continue;
    }
    if (!current) {
      diagnostics.push(syntax(file, lineNumber, indent + 1, "a key before any [section] header (configparser raises MissingSectionHeaderError)"));
      continue;
    }
    const split = splitKeyValue(stripped);
    if (!split || split.key === "") {
      diagnostics.push(
        syntax(file, lineNumber, indent + 1, split ? "empty key (configparser refuses the file)" : "no '=' or ':' in this line (configparser refuses the file)"),
      );
      continue;
    }
    const key = lowercaseKeys ? split.key.toLowerCase() : split.key;
    let seen = seenInSection.get(current);
    if (!seen) seenInSection.set(current, (seen = new Set()));
    if (seen.has(key) && current.name !== "DEFAULT") {
      diagnostics.push({
        severity: "warning",
        code: "ini-duplicate",
        message: `'${key}' is set twice in [${current.name}]; Python's configparser (strict, as paste.deploy and Swift use it) refuses the file with DuplicateOptionError`,
        file,
        line: lineNumber,
        column: indent + split.keyColumn,
      });
    }
    seen.add(key);
    open = {
      section: current,
      key,
      keyLocation: spanOnLine(file, lineNumber, indent + split.keyColumn, split.key.length),
      valueLines: [{ line: lineNumber, column: indent + split.valueColumn, text: split.value }],
      pendingBlank: 0,
    };
  }
  flush();

  if (sections.length === 0 && lines.some((l) => l.trim() !== "")) {
    diagnostics.push({ severity: "warning", code: "ini-no-sections", message: "no [section] header: this is not an INI file any OpenStack service can read", file, line: 1, column: 1 });
  }
  return { file, dialect, sections, diagnostics };
}

function openSection(sections: IniSection[], file: string, line: number, column: number, name: string, length: number): IniSection {
  const section: IniSection = { name, location: spanOnLine(file, line, column, length), entries: [] };
  sections.push(section);
  return section;
}

function normalizeOsloGroup(name: string): string {
  return name === "DEFAULT" ? name : name.toLowerCase();
}

interface KeyValue {
  readonly key: string;
  readonly keyColumn: number;
  readonly value: string;
  readonly valueColumn: number;
}

/**
 * Splits at the first `=` or `:` (CPython OPTCRE `(?P<option>.*?)\s*(?P<vi>[=:])\s*(?P<value>.*)$`
 * and oslo's `_split_key_value` agree on this). Columns are 1-based within `line`.
 */
function splitKeyValue(line: string): KeyValue | null {
  const equal = line.indexOf("=");
  const colon = line.indexOf(":");
  let at: number;
  if (equal < 0 && colon < 0) return null;
  if (equal < 0) at = colon;
  else if (colon < 0) at = equal;
  else at = Math.min(equal, colon);
  const keyPart = line.slice(0, at);
  const key = keyPart.trim();
  const keyColumn = keyPart.length - keyPart.trimStart().length + 1;
  const rest = line.slice(at + 1);
  const value = rest.trim();
  const valueColumn = at + 2 + (rest.length - rest.trimStart().length);
  return { key, keyColumn, value, valueColumn };
}

function joinValue(valueLines: readonly ValueLine[], dialect: IniDialect): string {
  const joined = valueLines.map((l) => l.text).join("\n");
  return dialect === "configparser" ? joined.trimEnd() : joined;
}

function syntax(file: string, line: number, column: number, message: string): Diagnostic {
  return { severity: "error", code: "ini-syntax", message, file, line, column };
}

/** Splits on CRLF, LF and lone CR, as Python's universal newlines do. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\n|\r/u);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Section lookup helpers over a parsed document. */
export function sectionsNamed(document: IniDocument, name: string): IniSection[] {
  return document.sections.filter((s) => s.name === name);
}

/** Every entry of `key` in the sections named `name`, in file order. */
export function entriesOf(document: IniDocument, name: string, key: string): IniEntry[] {
  return sectionsNamed(document, name).flatMap((s) => s.entries.filter((e) => e.key === key));
}

/** The entry configparser (last wins) or oslo.config (last wins for single-valued options) uses. */
export function lastEntry(document: IniDocument, name: string, key: string): IniEntry | undefined {
  const all = entriesOf(document, name, key);
  return all[all.length - 1];
}

/**
 * The span of `length` characters starting at `offset` within an entry's joined value.
 * Used to point at one server inside `memcache_servers = a:11211,b:11211`.
 */
export function locateInValue(entry: IniEntry, offset: number, length: number): SourceLocation {
  let remaining = offset;
  for (const valueLine of entry.valueLines) {
    if (remaining <= valueLine.text.length) {
      return spanOnLine(entry.valueLocation.file, valueLine.line, valueLine.column + remaining, Math.min(length, Math.max(valueLine.text.length - remaining, 1)));
    }
    remaining -= valueLine.text.length + 1; // the "\n" joining value lines
  }
  return entry.valueLocation;
}
