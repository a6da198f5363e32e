import type { Diagnostic, DiagnosticSeverity } from "../model/diagnostic.js";
import type { SourceLocation } from "../model/source.js";

/**
 * memcached's command line, read the way memcached 1.6 reads it, plus the shell-ish tokenizer
 * every launch source shares (systemd ExecStart, compose `command`, Kolla config.json, Debian
 * /etc/memcached.conf lines, RHEL OPTIONS=).
 *
 * Oracle: memcached 1.6.22 `memcached.c` (mirror ankithooda/memcached-1.6.22 @c504b6c):
 *  - `settings_init()`: port 11211, udpport 0, inter NULL (all interfaces), maxbytes 64 MB,
 *    maxconns 1024, num_threads 4, backlog 1024, item_size_max 1 MB, maxconns_fast true;
 *  - `main()`: the getopt string `"a:AZp:s:U:m:Mc:khiVrvdl:u:P:f:n:t:D:LR:Cb:B:I:SFXWY:e:o:N:"`
 *    and the `longopts[]` table (getopt_long: unique prefixes, `--opt=value`, permutation);
 *  - case 'l': a later -l is dropped when its text already occurs in the accumulated list
 *    (`strstr(settings.inter, optarg)`), otherwise appended with ',';
 *  - `server_sockets()`: the list is split on ";,", `[v6]:port`, `host:port` only when one colon
 *    remains, `*` = every interface, `notls:` prefix in TLS builds;
 *  - after getopt: `-U N` without `-p` moves TCP to N, `-p` > 65535 exits, -I checked against
 *    1 KB, maxbytes/2 and 1 GB; with `-s` no TCP/UDP listener is opened.
 */

// ---------------------------------------------------------------------------------------------
// Located text shared by the launch-source parsers
// ---------------------------------------------------------------------------------------------

/** A run of `length` characters of a value that sit contiguously on one source line. */
export interface TextSpan {
  /** Offset of the run's first character in the value text. */
  readonly textOffset: number;
  readonly line: number;
  readonly column: number;
  readonly length: number;
}

/** A piece of text with its location and, when known, where each part of it was written. */
export interface LocatedText {
  readonly text: string;
  readonly location: SourceLocation;
  /** Piecewise map from text offsets to source positions (quotes and escapes removed). */
  readonly spans?: readonly TextSpan[];
}

/** One argv element for {@link parseMemcachedArgs}. */
export interface ArgvItem extends LocatedText {
  /**
   * The text is not a literal: it holds a template expression (`{{ … }}`, `<%= … %>`) or a
   * variable reference the caller could not expand, so its value is unknown.
   */
  readonly opaque?: boolean;
}

/** The location of `text[start, end)` of a located text; the whole location when unmappable. */
export function locateInText(item: LocatedText, start: number, end: number): SourceLocation {
  const spans = item.spans;
  if (!spans || spans.length === 0 || end <= start) return item.location;
  const first = positionIn(spans, start);
  const last = positionIn(spans, end - 1);
  if (!first || !last) return item.location;
  return { file: item.location.file, line: first.line, column: first.column, endLine: last.line, endColumn: last.column + 1 };
}

function positionIn(spans: readonly TextSpan[], offset: number): { line: number; column: number } | null {
  for (const span of spans) {
    if (offset >= span.textOffset && offset < span.textOffset + span.length) {
      return { line: span.line, column: span.column + (offset - span.textOffset) };
    }
  }
  return null;
}

/** The spans of `text[start, end)` re-based to offset 0 (for a sub-string that becomes its own item). */
export function sliceSpans(spans: readonly TextSpan[] | undefined, start: number, end: number): TextSpan[] | undefined {
  if (!spans) return undefined;
  const out: TextSpan[] = [];
  for (const span of spans) {
    const from = Math.max(start, span.textOffset);
    const to = Math.min(end, span.textOffset + span.length);
    if (to <= from) continue;
    out.push({ textOffset: from - start, line: span.line, column: span.column + (from - span.textOffset), length: to - from });
  }
  return out;
}

/** A sub-string of a located text as a located text of its own. */
export function subText(item: LocatedText, start: number, end: number): LocatedText {
  const spans = sliceSpans(item.spans, start, end);
  return { text: item.text.slice(start, end), location: locateInText(item, start, end), ...(spans ? { spans } : {}) };
}

const TEMPLATE_OPENERS: readonly (readonly [string, string])[] = [
  ["{{", "}}"],
  ["{%", "%}"],
  ["{#", "#}"],
  ["<%", "%>"],
];

/** True when the text holds a Jinja (`{{ }}`, `{% %}`), ERB/EPP (`<% %>`) or Helm expression. */
export function containsTemplateExpression(text: string): boolean {
  for (const [open] of TEMPLATE_OPENERS) if (text.includes(open)) return true;
  return false;
}

/**
 * Blanks template *statements* (`{% … %}`, `{# … #}`, `<% … %>` but not `<%= … %>`) with spaces,
 * newlines kept, so line-oriented readers skip control flow in unrendered templates while
 * expressions (`{{ x }}`, `<%= x %>`) stay in place as unknown values. Columns do not move.
 */
export function maskTemplateStatements(text: string): { text: string; masked: number } {
  if (!text.includes("{%") && !text.includes("{#") && !text.includes("<%")) return { text, masked: 0 };
  let out = "";
  let masked = 0;
  let k = 0;
  while (k < text.length) {
    let close: string | null = null;
    if (text.startsWith("{%", k)) close = "%}";
    else if (text.startsWith("{#", k)) close = "#}";
    else if (text.startsWith("<%", k) && text[k + 2] !== "=") close = "%>";
    if (close === null) {
      out += text[k];
      k++;
      continue;
    }
    const end = text.indexOf(close, k + 2);
    const stop = end < 0 ? text.length : end + close.length;
    for (let m = k; m < stop; m++) out += text[m] === "\n" || text[m] === "\r" ? text[m] : " ";
    masked++;
    k = stop;
  }
  return { text: out, masked };
}

/** True when the text holds `$NAME`, `${…}` or `$(…)` that nothing has expanded. */
export function containsVariableReference(text: string): boolean {
  for (let i = text.indexOf("$"); i >= 0 && i < text.length - 1; i = text.indexOf("$", i + 1)) {
    const next = text.charCodeAt(i + 1);
    if (next === 0x7b /* { */ || next === 0x28 /* ( */ || next === 0x5f /* _ */ || isAsciiLetter(next)) return true;
  }
  return false;
}

function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isNameChar(code: number): boolean {
  return isAsciiLetter(code) || code === 0x5f || (code >= 0x30 && code <= 0x39);
}

// ---------------------------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------------------------

export type WordPart =
  | { readonly kind: "literal"; readonly text: string; readonly quoted: "none" | "single" | "double" }
  | {
      readonly kind: "variable";
      readonly name: string;
      readonly braced: boolean;
      /** Text after the name inside the braces (`:-default`), empty when none. */
      readonly modifier: string;
      readonly quoted: boolean;
      /** As written: `$NAME` or `${NAME…}`. */
      readonly raw: string;
    }
  /** A template expression or command substitution: kept as written, its value unknown. */
  | { readonly kind: "template"; readonly text: string };

export interface ShellWord extends LocatedText {
  /** The word as written, quotes included. */
  readonly raw: string;
  readonly parts: readonly WordPart[];
  readonly startOffset: number;
  readonly endOffset: number;
  /** Holds a `$VAR`/`${VAR}` reference left for the caller to expand. */
  readonly hasVariables: boolean;
  /** Holds a template expression: its value is unknown. */
  readonly hasTemplate: boolean;
  /** An unquoted shell control operator (`|`, `&&`, `;`, `>>`, …), only with `shellOperators`. */
  readonly operator: boolean;
}

export interface TokenizeOptions {
  /** Display path for the locations. */
  readonly file: string;
  /** Where `text[0]` sits in the file (1-based); newlines in the text advance the line. */
  readonly line?: number;
  readonly column?: number;
  /** Overrides the position of each text offset (a JSON string, a joined continuation line). */
  readonly positionOf?: (offset: number) => { line: number; column: number };
  /**
   * `shell`: POSIX shell (backslash escapes the next character, in double quotes only `$`, `` ` ``,
   * `"`, `\` and newline). `c`: systemd's C-style escapes (`\n`, `\x41`, `\s`, …, systemd.syntax(7)).
   * `next`: a backslash makes the next character literal everywhere (systemd's split of `$VAR`).
   */
  readonly escapes?: "shell" | "c" | "next";
  /** `shell`: `$NAME`/`${…}`/`$(…)` become variable/template parts; `none`: `$` is literal. */
  readonly variables?: "shell" | "none";
  /** Treat unquoted `| & ; < > ( )` as operators that end words (real shell snippets). */
  readonly shellOperators?: boolean;
  /** Keep `{{ … }}`, `{% … %}`, `<% … %>` as one unit even across spaces (default true). */
  readonly templates?: boolean;
}

export interface TokenizeResult {
  readonly words: ShellWord[];
  readonly diagnostics: Diagnostic[];
}

const OPERATOR_CHARS = "|&;<>()";

/**
 * Splits a shell-ish command string into located words. Never throws; unterminated quotes and
 * templates are reported and closed at the end of the text. Linear time: every character is
 * visited a bounded number of times (no backtracking regular expressions).
 */
export function tokenizeCommandLine(text: string, options: TokenizeOptions): TokenizeResult {
  const file = options.file;
  const escapes = options.escapes ?? "shell";
  const variables = options.variables ?? "shell";
  const templates = options.templates ?? true;
  const positionOf = options.positionOf ?? positionMapper(text, options.line ?? 1, options.column ?? 1);
  const diagnostics: Diagnostic[] = [];
  const words: ShellWord[] = [];
  const n = text.length;

  let i = 0;
  // The word being built.
  let building = false;
  let wordStart = 0;
  let out = "";
  let sourceOffsets: number[] = [];
  let parts: WordPart[] = [];
  let literal = "";
  let literalQuoted: "none" | "single" | "double" = "none";

  const flushLiteral = (): void => {
    if (literal !== "") parts.push({ kind: "literal", text: literal, quoted: literalQuoted });
    literal = "";
  };
  const emitChar = (ch: string, sourceOffset: number, quoted: "none" | "single" | "double"): void => {
    if (quoted !== literalQuoted) {
      flushLiteral();
      literalQuoted = quoted;
    }
    literal += ch;
    out += ch;
    for (let k = 0; k < ch.length; k++) sourceOffsets.push(sourceOffset);
  };
  const emitRaw = (part: WordPart, rawText: string, sourceStart: number): void => {
    flushLiteral();
    parts.push(part);
    out += rawText;
    for (let k = 0; k < rawText.length; k++) sourceOffsets.push(sourceStart + k);
  };
  const startWord = (at: number): void => {
    building = true;
    wordStart = at;
    out = "";
    sourceOffsets = [];
    parts = [];
    literal = "";
    literalQuoted = "none";
  };
  const finishWord = (end: number, operator = false): void => {
    if (!building) return;
    flushLiteral();
    const spans = spansFromSourceOffsets(sourceOffsets, positionOf);
    const location = locationOfRange(file, positionOf, wordStart, end);
    words.push({
      text: out,
      raw: text.slice(wordStart, end),
      parts,
      startOffset: wordStart,
      endOffset: end,
      location,
      spans,
      hasVariables: parts.some((p) => p.kind === "variable"),
      hasTemplate: parts.some((p) => p.kind === "template") || containsTemplateExpression(out),
      operator,
    });
    building = false;
  };
  const report = (offset: number, severity: DiagnosticSeverity, code: string, message: string): void => {
    const position = positionOf(Math.min(offset, Math.max(n - 1, 0)));
    diagnostics.push({ severity, code, message, file, line: position.line, column: position.column });
  };

  /** Reads a template expression starting at `at`; returns the end offset (exclusive) or -1. */
  const templateEnd = (at: number): number => {
    if (!templates) return -1;
    for (const [open, close] of TEMPLATE_OPENERS) {
      if (text.startsWith(open, at)) {
        const closeAt = text.indexOf(close, at + open.length);
        if (closeAt < 0) {
          report(at, "warning", "shell-unterminated-template", `template expression '${open}' is not closed`);
          return n;
        }
        return closeAt + close.length;
      }
    }
    return -1;
  };

  /** Reads a `$…` reference at `at` (text[at] === "$"); returns its end or -1 when `$` is literal. */
  const readVariable = (at: number, quoted: boolean): number => {
    const next = text.charCodeAt(at + 1);
    if (next === 0x7b /* { */) {
      let depth = 1;
      let k = at + 2;
      while (k < n && depth > 0) {
        const c = text.charCodeAt(k);
        if (c === 0x7b) depth++;
        else if (c === 0x7d) depth--;
        k++;
      }
      if (depth > 0) report(at, "warning", "shell-unterminated-variable", "'${' is not closed by '}'");
      const inner = text.slice(at + 2, depth > 0 ? n : k - 1);
      let nameEnd = 0;
      while (nameEnd < inner.length && isNameChar(inner.charCodeAt(nameEnd))) nameEnd++;
      emitRaw(
        { kind: "variable", name: inner.slice(0, nameEnd), braced: true, modifier: inner.slice(nameEnd), quoted, raw: text.slice(at, k) },
        text.slice(at, k),
        at,
      );
      return k;
    }
    if (next === 0x28 /* ( */) {
      let depth = 1;
      let k = at + 2;
      while (k < n && depth > 0) {
        const c = text.charCodeAt(k);
        if (c === 0x28) depth++;
        else if (c === 0x29) depth--;
        k++;
      }
      emitRaw({ kind: "template", text: text.slice(at, k) }, text.slice(at, k), at);
      return k;
    }
    if (next === 0x5f || isAsciiLetter(next)) {
      let k = at + 1;
      while (k < n && isNameChar(text.charCodeAt(k))) k++;
      emitRaw({ kind: "variable", name: text.slice(at + 1, k), braced: false, modifier: "", quoted, raw: text.slice(at, k) }, text.slice(at, k), at);
      return k;
    }
    return -1;
  };

  /** Handles a backslash at `at`; returns the next offset. */
  const readEscape = (at: number, quoted: "none" | "double" | "single"): number => {
    const next = text[at + 1];
    if (next === undefined) {
      emitChar("\\", at, quoted);
      return at + 1;
    }
    if (escapes === "c") {
      const decoded = decodeCEscape(text, at);
      if (!decoded) {
        report(at, "warning", "shell-invalid-escape", `'\\${next}' is not a valid escape; systemd refuses the command line`);
        emitChar(next, at + 1, quoted);
        return at + 2;
      }
      emitChar(decoded.value, at, quoted);
      return decoded.end;
    }
    if (next === "\n" || (next === "\r" && text[at + 2] === "\n")) {
      // Line continuation: both characters disappear.
      return at + (next === "\r" ? 3 : 2);
    }
    if (escapes === "shell" && quoted === "double" && !'$`"\\'.includes(next)) {
      emitChar("\\", at, quoted);
      return at + 1;
    }
    emitChar(next, at + 1, quoted);
    return at + 2;
  };

  while (i < n) {
    const ch = text[i]!;
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      finishWord(i);
      i++;
      continue;
    }
    if (options.shellOperators && OPERATOR_CHARS.includes(ch)) {
      finishWord(i);
      let k = i + 1;
      while (k < n && OPERATOR_CHARS.includes(text[k]!) && k - i < 3) k++;
      startWord(i);
      emitChar(text.slice(i, k), i, "none");
      sourceOffsets = [];
      for (let m = i; m < k; m++) sourceOffsets.push(m);
      finishWord(k, true);
      i = k;
      continue;
    }
    if (!building && ch === "\\" && escapes !== "c" && (text[i + 1] === "\n" || (text[i + 1] === "\r" && text[i + 2] === "\n"))) {
      // A line continuation between words joins nothing.
      i += text[i + 1] === "\r" ? 3 : 2;
      continue;
    }
    if (!building) startWord(i);
    const end = templateEnd(i);
    if (end >= 0) {
      emitRaw({ kind: "template", text: text.slice(i, end) }, text.slice(i, end), i);
      i = end;
      continue;
    }
    if (ch === "\\") {
      i = readEscape(i, "none");
      continue;
    }
    if (ch === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) report(i, "warning", "shell-unterminated-quote", "single quote is not closed");
      const stop = close < 0 ? n : close;
      if (escapes === "c" || escapes === "next") {
        // systemd unescapes inside single quotes too.
        let k = i + 1;
        while (k < stop) {
          if (text[k] === "\\") k = readEscape(k, "single");
          else {
            emitChar(text[k]!, k, "single");
            k++;
          }
        }
      } else {
        for (let k = i + 1; k < stop; k++) emitChar(text[k]!, k, "single");
      }
      if (stop === i + 1) emitQuotedEmpty();
      i = close < 0 ? n : close + 1;
      continue;
    }
    if (ch === '"') {
      let k = i + 1;
      let closed = false;
      const before = out.length;
      while (k < n) {
        const c = text[k]!;
        if (c === '"') {
          closed = true;
          break;
        }
        if (c === "\\") {
          k = readEscape(k, "double");
          continue;
        }
        const tEnd = templateEnd(k);
        if (tEnd >= 0) {
          emitRaw({ kind: "template", text: text.slice(k, tEnd) }, text.slice(k, tEnd), k);
          k = tEnd;
          continue;
        }
        if (c === "$" && variables === "shell") {
          const vEnd = readVariable(k, true);
          if (vEnd >= 0) {
            k = vEnd;
            continue;
          }
        }
        emitChar(c, k, "double");
        k++;
      }
      if (!closed) report(i, "warning", "shell-unterminated-quote", "double quote is not closed");
      if (out.length === before) emitQuotedEmpty();
      i = closed ? k + 1 : n;
      continue;
    }
    if (ch === "$" && variables === "shell") {
      const vEnd = readVariable(i, false);
      if (vEnd >= 0) {
        i = vEnd;
        continue;
      }
    }
    emitChar(ch, i, "none");
    i++;
  }
  finishWord(n);
  return { words, diagnostics };

  // An empty quoted string ("" or '') still makes a word: record an empty literal part.
  function emitQuotedEmpty(): void {
    flushLiteral();
    parts.push({ kind: "literal", text: "", quoted: "double" });
  }
}

/** Decodes one C-style escape as systemd's cunescape_one does; null when invalid. */
function decodeCEscape(text: string, at: number): { value: string; end: number } | null {
  const c = text[at + 1];
  const simple: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"', "'": "'", s: " " };
  if (c === undefined) return null;
  const mapped = simple[c];
  if (mapped !== undefined) return { value: mapped, end: at + 2 };
  const hex = (from: number, count: number): number | null => {
    const digits = text.slice(from, from + count);
    if (digits.length !== count) return null;
    for (let k = 0; k < digits.length; k++) if (!/[0-9a-fA-F]/u.test(digits[k]!)) return null;
    return Number.parseInt(digits, 16);
  };
  if (c === "x") {
    const v = hex(at + 2, 2);
    return v === null || v === 0 ? null : { value: String.fromCharCode(v), end: at + 4 };
  }
  if (c === "u" || c === "U") {
    const count = c === "u" ? 4 : 8;
    const v = hex(at + 2, count);
    return v === null || v === 0 || v > 0x10ffff ? null : { value: String.fromCodePoint(v), end: at + 2 + count };
  }
  if (c >= "0" && c <= "7") {
    const digits = text.slice(at + 1, at + 4);
    if (digits.length !== 3 || !/^[0-7]{3}$/u.test(digits)) return null;
    const v = Number.parseInt(digits, 8);
    return v === 0 || v > 0xff ? null : { value: String.fromCharCode(v), end: at + 4 };
  }
  return null;
}

/** Maps offsets of `text` to 1-based positions, `text[0]` being at (baseLine, baseColumn). */
export function positionMapper(text: string, baseLine: number, baseColumn: number): (offset: number) => { line: number; column: number } {
  const lineStarts: number[] = [0];
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (c === "\n") lineStarts.push(k + 1);
    else if (c === "\r" && text[k + 1] !== "\n") lineStarts.push(k + 1);
  }
  return (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    const column = offset - lineStarts[lo]! + 1;
    return lo === 0 ? { line: baseLine, column: baseColumn + column - 1 } : { line: baseLine + lo, column };
  };
}

function locationOfRange(
  file: string,
  positionOf: (offset: number) => { line: number; column: number },
  start: number,
  end: number,
): SourceLocation {
  const first = positionOf(start);
  if (end <= start) return { file, line: first.line, column: first.column, endLine: first.line, endColumn: first.column + 1 };
  const last = positionOf(end - 1);
  return { file, line: first.line, column: first.column, endLine: last.line, endColumn: last.column + 1 };
}

/** Merges per-character source offsets into spans. */
export function spansFromSourceOffsets(offsets: readonly number[], positionOf: (offset: number) => { line: number; column: number }): TextSpan[] {
  const spans: TextSpan[] = [];
  let current: { textOffset: number; line: number; column: number; length: number } | null = null;
  let lastSource = -2;
  for (let k = 0; k < offsets.length; k++) {
    const source = offsets[k]!;
    const position = positionOf(source);
    if (current && source === lastSource + 1 && position.line === current.line && position.column === current.column + current.length) {
      current.length++;
    } else {
      if (current) spans.push({ ...current });
      current = { textOffset: k, line: position.line, column: position.column, length: 1 };
    }
    lastSource = source;
  }
  if (current) spans.push({ ...current });
  return spans;
}

// ---------------------------------------------------------------------------------------------
// memcached's options
// ---------------------------------------------------------------------------------------------

type ArgumentKind = "none" | "required" | "optional";

interface OptionSpec {
  readonly letter: string;
  readonly long: string | null;
  readonly shortArgument: ArgumentKind;
  readonly longArgument: ArgumentKind;
}

const spec = (letter: string, long: string | null, argument: ArgumentKind, longArgument: ArgumentKind = argument): OptionSpec => ({
  letter,
  long,
  shortArgument: argument,
  longArgument,
});

/** memcached 1.6 `shortopts` and `longopts[]`, in memcached.c's order. */
const OPTION_SPECS: readonly OptionSpec[] = [
  spec("a", "unix-mask", "required"),
  spec("A", "enable-shutdown", "none"),
  spec("Z", "enable-ssl", "none"),
  spec("p", "port", "required"),
  spec("s", "unix-socket", "required"),
  spec("U", "udp-port", "required"),
  spec("m", "memory-limit", "required"),
  spec("M", "disable-evictions", "none"),
  spec("c", "conn-limit", "required"),
  spec("k", "lock-memory", "none"),
  spec("h", "help", "none"),
  spec("i", "license", "none"),
  spec("V", "version", "none"),
  spec("r", "enable-coredumps", "none"),
  // "v" takes no argument; "--verbose" has optional_argument (memcached ignores its value).
  spec("v", "verbose", "none", "optional"),
  spec("d", "daemon", "none"),
  spec("l", "listen", "required"),
  spec("u", "user", "required"),
  spec("P", "pidfile", "required"),
  spec("f", "slab-growth-factor", "required"),
  spec("n", "slab-min-size", "required"),
  spec("t", "threads", "required"),
  spec("D", null, "required"),
  spec("L", "enable-largepages", "none"),
  spec("R", "max-reqs-per-event", "required"),
  spec("C", "disable-cas", "none"),
  spec("b", "listen-backlog", "required"),
  spec("B", "protocol", "required"),
  spec("I", "max-item-size", "required"),
  spec("S", "enable-sasl", "none"),
  spec("F", "disable-flush-all", "none"),
  spec("X", "disable-dumping", "none"),
  spec("W", "disable-watch", "none"),
  spec("Y", "auth-file", "required"),
  spec("e", "memory-file", "required"),
  spec("o", "extended", "required"),
  spec("N", "napi-ids", "required"),
];

const SPEC_BY_LETTER = new Map(OPTION_SPECS.map((s) => [s.letter, s]));

/** `-o` suboptions memcached 1.6 knows (subopts_tokens[] plus extstore's storage_read_config). */
const EXTENDED_OPTION_NAMES: ReadonlySet<string> = new Set([
  "maxconns_fast", "hashpower", "no_hashexpand", "slab_reassign", "slab_automove", "slab_automove_ratio",
  "slab_automove_window", "tail_repair_time", "hash_algorithm", "lru_crawler", "lru_crawler_sleep",
  "lru_crawler_tocrawl", "lru_maintainer", "hot_lru_pct", "warm_lru_pct", "hot_max_factor", "warm_max_factor",
  "temporary_ttl", "idle_timeout", "watcher_logbuf_size", "worker_logbuf_size", "slab_sizes", "slab_chunk_max",
  "track_sizes", "no_inline_ascii_resp", "modern", "no_modern", "no_chunked_items", "no_slab_reassign",
  "no_slab_automove", "no_maxconns_fast", "inline_ascii_resp", "no_lru_crawler", "no_lru_maintainer",
  "no_drop_privileges", "drop_privileges", "resp_obj_mem_limit", "read_buf_mem_limit",
  "ssl_chain_cert", "ssl_key", "ssl_verify_mode", "ssl_keyformat", "ssl_ciphers", "ssl_ca_cert", "ssl_wbuf_size",
  "ssl_session_cache", "ssl_kernel_tls", "ssl_min_version",
  "proxy_config", "proxy_uring", "proxy_memprofile", "relaxed_privileges", "sock_cookie_id",
  "ext_path", "ext_page_size", "ext_wbuf_size", "ext_threads", "ext_io_threadcount", "ext_item_size", "ext_item_age",
  "ext_low_ttl", "ext_recache_rate", "ext_compact_under", "ext_drop_under", "ext_max_sleep", "ext_max_frag",
  "ext_drop_unread", "slab_automove_freeratio",
]);

/** memcached's defaults for what the command line leaves out (settings_init, 1.6). */
export const MEMCACHED_DEFAULTS = {
  tcpPort: 11211,
  udpPort: 0,
  maxConnections: 1024,
  listenBacklog: 1024,
  memoryLimitMb: 64,
  threads: 4,
  maxItemSizeBytes: 1024 * 1024,
  protocol: "auto",
  maxconnsFast: true,
} as const;

/** One option as written. */
export interface MemcachedOption {
  /** The canonical short letter (`l`, `p`, …). */
  readonly letter: string;
  /** memcached's long name (`listen`, `port`, …); null for `-D`. */
  readonly name: string | null;
  /** How it was spelled: `-l`, `--listen`, `--list` (a prefix), or the letter inside `-dv`. */
  readonly spelling: string;
  readonly location: SourceLocation;
  readonly argument: ArgvItem | null;
}

export interface ExtendedOption {
  readonly name: string;
  readonly value: string | null;
  readonly location: SourceLocation;
  readonly known: boolean;
}

export type ValueSource = "written" | "default";

/** An effective setting: the value memcached runs with and where it came from. */
export interface EffectiveValue<T> {
  /** null only when the written value is unknown (a template or an unexpanded variable). */
  readonly value: T | null;
  readonly source: ValueSource;
  /** The written value's location; null for a default. */
  readonly location: SourceLocation | null;
  /** Written, but not a literal: the value cannot be known from these inputs. */
  readonly unknown: boolean;
}

export type ListenFamily = "ipv4" | "ipv6" | "hostname" | "wildcard" | "unknown";

/** One entry of memcached's listen list (`-l`, split on `,`/`;`). */
export interface ListenAddress {
  readonly raw: string;
  /** The host as memcached passes it to getaddrinfo; null for every interface or when unknown. */
  readonly host: string | null;
  readonly family: ListenFamily;
  /** `host:port` / `[v6]:port` port; null means the instance's TCP (and UDP) port applies. */
  readonly port: number | null;
  /** `notls:` prefix (TLS builds: this listener does not use TLS). */
  readonly notls: boolean;
  /** Where the entry is written; null for memcached's default (every interface). */
  readonly location: SourceLocation | null;
}

export interface MemcachedEffectiveSettings {
  /** Default: one wildcard entry (INADDR_ANY and in6addr_any). */
  readonly listen: EffectiveValue<ListenAddress[]>;
  /** 0 disables TCP. A non-zero `-U` without `-p` moves TCP to that port too. */
  readonly tcpPort: EffectiveValue<number>;
  /** 0 (the default since 1.5.6) disables UDP. */
  readonly udpPort: EffectiveValue<number>;
  readonly maxConnections: EffectiveValue<number>;
  readonly listenBacklog: EffectiveValue<number>;
  readonly memoryLimitMb: EffectiveValue<number>;
  readonly threads: EffectiveValue<number>;
  readonly maxItemSizeBytes: EffectiveValue<number>;
  readonly user: EffectiveValue<string | null>;
  /** With a UNIX socket memcached opens no TCP or UDP listener at all. */
  readonly unixSocket: EffectiveValue<string | null>;
  readonly protocol: EffectiveValue<string>;
  readonly maxconnsFast: EffectiveValue<boolean>;
  readonly daemon: boolean;
  readonly verbosity: number;
  readonly evictionsDisabled: boolean;
  readonly tls: boolean;
  readonly sasl: boolean;
  readonly pidFile: string | null;
  /** False when memcached would refuse to start or only print and exit (see diagnostics). */
  readonly starts: boolean;
}

export interface MemcachedArgs {
  /** Every option as written, in order (repeats included). */
  readonly options: MemcachedOption[];
  /** Non-option arguments: getopt moves them aside and memcached ignores them. */
  readonly operands: ArgvItem[];
  /** Opaque words where an option was expected: they may hide options (`$OPTIONS`, `{{ opts }}`). */
  readonly unresolved: ArgvItem[];
  readonly extended: ExtendedOption[];
  readonly effective: MemcachedEffectiveSettings;
  readonly diagnostics: Diagnostic[];
}

interface Written<T> {
  value: T | null;
  location: SourceLocation;
  unknown: boolean;
}

/** Parses memcached's argv (without the program name) as getopt_long in memcached 1.6 does. */
export function parseMemcachedArgs(args: readonly ArgvItem[]): MemcachedArgs {
  const diagnostics: Diagnostic[] = [];
  const options: MemcachedOption[] = [];
  const operands: ArgvItem[] = [];
  const unresolved: ArgvItem[] = [];
  const extended: ExtendedOption[] = [];
  let starts = true;

  const report = (severity: DiagnosticSeverity, code: string, message: string, location: SourceLocation): void => {
    diagnostics.push({ severity, code, message, file: location.file, line: location.line, column: location.column });
    if (severity === "error") starts = false;
  };

  let index = 0;
  let optionsEnded = false;
  while (index < args.length) {
    const item = args[index]!;
    index++;
    const text = item.text;
    const opaque = isOpaque(item);
    if (optionsEnded) {
      operands.push(item);
      continue;
    }
    if (text === "--") {
      optionsEnded = true;
      continue;
    }
    if (opaque && !text.startsWith("-")) {
      unresolved.push(item);
      report("note", "memcached-args-unresolved", `'${text}' is not a literal (template or unexpanded variable): it may hold options this analysis cannot see`, item.location);
      continue;
    }
    if (!text.startsWith("-") || text === "-") {
      operands.push(item);
      report("warning", "memcached-args-operand", `memcached ignores the argument '${text}' (it is not an option)`, item.location);
      continue;
    }
    if (text.startsWith("--")) {
      const body = text.slice(2);
      const eq = body.indexOf("=");
      const name = eq >= 0 ? body.slice(0, eq) : body;
      const nameLocation = locateInText(item, 0, 2 + name.length);
      if (opaque && containsOpaqueMarker(name)) {
        unresolved.push(item);
        report("note", "memcached-args-unresolved", `'${text}' is not a literal: it may hold options this analysis cannot see`, item.location);
        continue;
      }
      const match = matchLongOption(name);
      if (match.kind === "unknown") {
        report("error", "memcached-args-unknown-option", `memcached does not know the option '--${name}' and exits ("Illegal argument")`, nameLocation);
        continue;
      }
      if (match.kind === "ambiguous") {
        report("error", "memcached-args-ambiguous-option", `'--${name}' is ambiguous (${match.candidates.map((c) => `--${c}`).join(", ")}); memcached exits`, nameLocation);
        continue;
      }
      const optionSpec = match.spec;
      let argument: ArgvItem | null = null;
      if (eq >= 0) {
        if (optionSpec.longArgument === "none") {
          report("error", "memcached-args-unexpected-value", `'--${optionSpec.long}' takes no value; memcached exits`, nameLocation);
          continue;
        }
        argument = subItem(item, 2 + eq + 1, text.length);
      } else if (optionSpec.longArgument === "required") {
        const next = args[index];
        if (!next) {
          report("error", "memcached-args-missing-value", `'--${optionSpec.long}' needs a value; memcached exits`, nameLocation);
          continue;
        }
        argument = next;
        index++;
      }
      options.push({ letter: optionSpec.letter, name: optionSpec.long, spelling: `--${name}`, location: nameLocation, argument });
      continue;
    }
    // Short options, possibly clustered: -dv, -p11211, -vvv.
    let position = 1;
    while (position < text.length) {
      const letter = text[position]!;
      const letterLocation = locateInText(item, position, position + 1);
      if (opaque && (letter === "{" || letter === "<" || letter === "$")) {
        unresolved.push(item);
        report("note", "memcached-args-unresolved", `'${text}' is not a literal: it may hold options this analysis cannot see`, item.location);
        break;
      }
      const optionSpec = SPEC_BY_LETTER.get(letter);
      if (!optionSpec) {
        report("error", "memcached-args-unknown-option", `memcached does not know the option '-${letter}' and exits ("Illegal argument")`, letterLocation);
        position++;
        continue;
      }
      if (optionSpec.shortArgument === "none") {
        options.push({ letter, name: optionSpec.long, spelling: position === 1 && text.length === 2 ? text : letter, location: letterLocation, argument: null });
        position++;
        continue;
      }
      // Required argument: the rest of this word, else the next word (even if it starts with '-').
      let argument: ArgvItem | null;
      if (position + 1 < text.length) {
        argument = subItem(item, position + 1, text.length);
      } else {
        const next = args[index];
        if (!next) {
          report("error", "memcached-args-missing-value", `'-${letter}' needs a value; memcached exits`, letterLocation);
          break;
        }
        argument = next;
        index++;
      }
      options.push({ letter, name: optionSpec.long, spelling: `-${letter}`, location: letterLocation, argument });
      break;
    }
  }

  // Apply the options in order, as memcached's switch does.
  const scalars = new Map<string, Written<number>>();
  const strings = new Map<string, Written<string>>();
  const seen = new Map<string, MemcachedOption>();
  let listenText: string | null = null;
  let listenPieces: ArgvItem[] = [];
  let listenUnknown = false;
  let listenLocation: SourceLocation | null = null;
  let verbosity = 0;
  let daemon = false;
  let evictionsDisabled = false;
  let tls = false;
  let sasl = false;
  let maxconnsFast: Written<boolean> | null = null;

  const repeatable = new Set(["l", "v", "o"]);
  for (const option of options) {
    const previous = seen.get(option.letter);
    if (previous && !repeatable.has(option.letter) && option.argument) {
      report("note", "memcached-args-repeated-option", `-${option.letter} is given more than once; memcached uses the last one`, option.location);
    }
    seen.set(option.letter, option);
    const argument = option.argument;
    const argumentOpaque = argument ? isOpaque(argument) : false;
    const argumentLocation = argument ? argument.location : option.location;
    switch (option.letter) {
      case "v":
        verbosity++;
        break;
      case "d":
        daemon = true;
        break;
      case "M":
        evictionsDisabled = true;
        break;
      case "Z":
        tls = true;
        break;
      case "S":
        sasl = true;
        break;
      case "h":
      case "i":
      case "V":
        report("warning", "memcached-args-exits", `-${option.letter} makes memcached print ${option.letter === "h" ? "its help" : option.letter === "i" ? "its license" : "its version"} and exit; it never serves`, option.location);
        break;
      case "l": {
        if (!argument) break;
        listenLocation = listenLocation ?? argument.location;
        if (argumentOpaque) {
          listenUnknown = true;
          listenPieces.push(argument);
          listenText = listenText === null ? argument.text : `${listenText},${argument.text}`;
          break;
        }
        if (listenText !== null && listenText.includes(argument.text)) {
          const duplicate = listenPieces.some((p) => p.text === argument.text);
          if (duplicate) {
            report("note", "memcached-args-listen-duplicate", `-l ${argument.text} repeats an earlier -l`, argument.location);
          } else {
            report(
              "warning",
              "memcached-args-listen-ignored",
              `memcached ignores -l ${argument.text}: the text already occurs in the earlier listen list '${listenText}' (memcached checks with strstr)`,
              argument.location,
            );
          }
          break;
        }
        listenPieces.push(argument);
        listenText = listenText === null ? argument.text : `${listenText},${argument.text}`;
        break;
      }
      case "o":
        if (argument) {
          for (const sub of splitExtendedOptions(argument)) {
            extended.push(sub);
            if (!sub.known && !argumentOpaque) {
              report("warning", "memcached-args-unknown-extended-option", `memcached does not know the extended option '${sub.name}' and exits ("Illegal suboption")`, sub.location);
            }
            if (sub.name === "maxconns_fast") maxconnsFast = { value: true, location: sub.location, unknown: false };
            if (sub.name === "no_maxconns_fast" || sub.name === "no_modern") maxconnsFast = { value: false, location: sub.location, unknown: false };
          }
        }
        break;
      case "B":
        if (argument) {
          if (!argumentOpaque && !["auto", "binary", "ascii"].includes(argument.text)) {
            report("error", "memcached-args-invalid-value", `-B must be auto, binary or ascii; memcached exits on '${argument.text}'`, argumentLocation);
          }
          strings.set("B", { value: argumentOpaque ? null : argument.text, location: argumentLocation, unknown: argumentOpaque });
        }
        break;
      case "u":
      case "s":
      case "P":
      case "Y":
      case "e":
      case "D":
      case "a":
      case "f":
        if (argument) {
          if (option.letter === "D" && argument.text === "") {
            report("error", "memcached-args-invalid-value", "-D needs a delimiter character; memcached exits", argumentLocation);
          }
          strings.set(option.letter, { value: argumentOpaque ? null : argument.text, location: argumentLocation, unknown: argumentOpaque });
        }
        break;
      case "I":
        if (argument) scalars.set("I", readItemSize(argument, argumentOpaque, report));
        break;
      case "p":
      case "U":
      case "c":
      case "b":
      case "m":
      case "t":
      case "R":
      case "n":
      case "N":
        if (argument) scalars.set(option.letter, readInteger(option.letter, argument, argumentOpaque, report));
        break;
      default:
        break;
    }
  }

  // Post-getopt checks and defaults, in memcached's order.
  const written = <T>(w: Written<T> | undefined | null): EffectiveValue<T> | null =>
    w ? { value: w.value, source: "written", location: w.location, unknown: w.unknown } : null;
  const fallback = <T>(value: T): EffectiveValue<T> => ({ value, source: "default", location: null, unknown: false });

  const threads = written(scalars.get("t")) ?? fallback(MEMCACHED_DEFAULTS.threads);
  const memoryLimitMb = written(scalars.get("m")) ?? fallback(MEMCACHED_DEFAULTS.memoryLimitMb);
  const maxItemSizeBytes = written(scalars.get("I")) ?? fallback(MEMCACHED_DEFAULTS.maxItemSizeBytes);
  const napi = scalars.get("N");
  if (napi && napi.value !== null && threads.value !== null && napi.value > threads.value) {
    report("error", "memcached-args-invalid-value", `-N ${napi.value} is more than the ${threads.value} threads; memcached exits`, napi.location);
  }
  if (maxItemSizeBytes.source === "written" && maxItemSizeBytes.value !== null && maxItemSizeBytes.location) {
    const itemSize = maxItemSizeBytes.value;
    if (itemSize < 1024) {
      report("error", "memcached-args-invalid-value", "-I is below 1024 bytes; memcached exits (\"Item max size cannot be less than 1024 bytes\")", maxItemSizeBytes.location);
    } else if (memoryLimitMb.value !== null && itemSize > (memoryLimitMb.value * 1024 * 1024) / 2) {
      report("error", "memcached-args-invalid-value", `-I ${itemSize} bytes is more than half of -m ${memoryLimitMb.value} MB; memcached exits`, maxItemSizeBytes.location);
    } else if (itemSize > 1024 * 1024 * 1024) {
      report("error", "memcached-args-invalid-value", "-I is above 1 GB; memcached exits", maxItemSizeBytes.location);
    }
  }

  const tcpWritten = scalars.get("p");
  const udpWritten = scalars.get("U");
  let tcpPort = written(tcpWritten) ?? fallback<number>(MEMCACHED_DEFAULTS.tcpPort);
  const udpPort = written(udpWritten) ?? fallback<number>(MEMCACHED_DEFAULTS.udpPort);
  // memcached.c: `if (udp_specified && settings.udpport != 0 && !tcp_specified) settings.port = settings.udpport;`
  if (!tcpWritten && udpWritten && udpWritten.value !== 0) {
    tcpPort = { value: udpWritten.value, source: "written", location: udpWritten.location, unknown: udpWritten.unknown };
    report("note", "memcached-args-tcp-port-from-udp", `memcached also listens for TCP on the -U port ${udpWritten.value ?? "(unknown)"} because -p is not given`, udpWritten.location);
  }
  if (tcpPort.value !== null && tcpPort.value > 65535 && tcpPort.location) {
    report("error", "memcached-args-invalid-value", `port ${tcpPort.value} is above 65535; memcached exits`, tcpPort.location);
  }
  if (tcpWritten && tcpWritten.value === 0) {
    report("note", "memcached-args-tcp-disabled", "-p 0 turns TCP off: memcached opens no TCP listener", tcpWritten.location);
  }
  if (sasl && udpPort.value !== null && udpPort.value !== 0 && udpPort.location) {
    report("error", "memcached-args-invalid-value", "UDP cannot be used with SASL (-S); memcached exits", udpPort.location);
  }

  const socket = strings.get("s");
  if (socket && (tcpWritten || listenText !== null)) {
    report("note", "memcached-args-unix-socket", "with -s memcached listens only on the UNIX socket; -l and -p have no effect", socket.location);
  }

  let listen: EffectiveValue<ListenAddress[]>;
  if (listenText === null || listenLocation === null) {
    listen = fallback<ListenAddress[]>([{ raw: "", host: null, family: "wildcard", port: null, notls: false, location: null }]);
  } else {
    const addresses: ListenAddress[] = [];
    for (const piece of listenPieces) {
      for (const address of splitListen(piece, isOpaque(piece), tls, report)) addresses.push(address);
    }
    listen = { value: addresses, source: "written", location: listenLocation, unknown: listenUnknown };
  }

  const protocolWritten = strings.get("B");
  const effective: MemcachedEffectiveSettings = {
    listen,
    tcpPort,
    udpPort,
    maxConnections: written(scalars.get("c")) ?? fallback(MEMCACHED_DEFAULTS.maxConnections),
    listenBacklog: written(scalars.get("b")) ?? fallback(MEMCACHED_DEFAULTS.listenBacklog),
    memoryLimitMb,
    threads,
    maxItemSizeBytes,
    user: written(strings.get("u")) ?? fallback<string | null>(null),
    unixSocket: written(socket) ?? fallback<string | null>(null),
    protocol: written(protocolWritten) ?? fallback<string>(MEMCACHED_DEFAULTS.protocol),
    maxconnsFast: written(maxconnsFast) ?? fallback<boolean>(MEMCACHED_DEFAULTS.maxconnsFast),
    daemon,
    verbosity,
    evictionsDisabled,
    tls,
    sasl,
    pidFile: strings.get("P")?.value ?? null,
    starts: starts && !options.some((o) => o.letter === "h" || o.letter === "i" || o.letter === "V"),
  };
  return { options, operands, unresolved, extended, effective, diagnostics };
}

/** True when some listener binds every interface (the default, `-l *`, `-l 0.0.0.0`, `-l ::`). */
export function listensOnEveryInterface(settings: MemcachedEffectiveSettings): boolean {
  return (settings.listen.value ?? []).some((a) => a.family === "wildcard" || a.host === "0.0.0.0" || a.host === "::");
}

type Reporter = (severity: DiagnosticSeverity, code: string, message: string, location: SourceLocation) => void;

function isOpaque(item: ArgvItem): boolean {
  return item.opaque === true || containsOpaqueMarker(item.text);
}

function containsOpaqueMarker(text: string): boolean {
  return containsTemplateExpression(text) || containsVariableReference(text);
}

function subItem(item: ArgvItem, start: number, end: number): ArgvItem {
  const located = subText(item, start, end);
  return item.opaque ? { ...located, opaque: true } : located;
}

type LongMatch =
  | { kind: "found"; spec: OptionSpec }
  | { kind: "unknown" }
  | { kind: "ambiguous"; candidates: string[] };

/** getopt_long: an exact name wins, else a unique prefix; several prefixes are ambiguous. */
function matchLongOption(name: string): LongMatch {
  if (name === "") return { kind: "unknown" };
  const exact = OPTION_SPECS.find((s) => s.long === name);
  if (exact) return { kind: "found", spec: exact };
  const candidates = OPTION_SPECS.filter((s) => s.long !== null && s.long.startsWith(name));
  if (candidates.length === 1) return { kind: "found", spec: candidates[0]! };
  if (candidates.length === 0) return { kind: "unknown" };
  return { kind: "ambiguous", candidates: candidates.map((c) => c.long!) };
}

/** C's atoi: leading spaces, a sign, digits; stops at the first other character. */
export function cAtoi(text: string): { value: number; digits: number; trailing: string } {
  let k = 0;
  while (k < text.length && " \t\n\v\f\r".includes(text[k]!)) k++;
  let sign = 1;
  if (text[k] === "+" || text[k] === "-") {
    if (text[k] === "-") sign = -1;
    k++;
  }
  let value = 0;
  let digits = 0;
  while (k < text.length && text[k]! >= "0" && text[k]! <= "9") {
    value = Math.min(value * 10 + (text.charCodeAt(k) - 48), 2 ** 31);
    digits++;
    k++;
  }
  return { value: sign * value, digits, trailing: text.slice(k) };
}

const INTEGER_OPTIONS: Record<string, { label: string; mustBePositive: boolean }> = {
  p: { label: "port", mustBePositive: false },
  U: { label: "UDP port", mustBePositive: false },
  c: { label: "connection limit", mustBePositive: true },
  b: { label: "listen backlog", mustBePositive: false },
  m: { label: "memory limit", mustBePositive: false },
  t: { label: "thread count", mustBePositive: true },
  R: { label: "requests per event", mustBePositive: true },
  n: { label: "minimum slab size", mustBePositive: true },
  N: { label: "NAPI id count", mustBePositive: true },
};

function readInteger(letter: string, argument: ArgvItem, opaque: boolean, report: Reporter): Written<number> {
  if (opaque) return { value: null, location: argument.location, unknown: true };
  const info = INTEGER_OPTIONS[letter]!;
  const parsed = cAtoi(argument.text);
  if (parsed.digits === 0 || parsed.trailing.trim() !== "") {
    report(
      parsed.digits === 0 && info.mustBePositive ? "error" : "warning",
      "memcached-args-not-a-number",
      `-${letter} '${argument.text}' is not a number; memcached reads it as ${parsed.value}${parsed.digits === 0 && info.mustBePositive ? " and exits" : ""}`,
      argument.location,
    );
  } else if (info.mustBePositive && parsed.value <= 0) {
    report("error", "memcached-args-invalid-value", `the ${info.label} must be greater than 0; memcached exits`, argument.location);
  }
  if (letter === "t" && parsed.value > 64) {
    report("note", "memcached-args-many-threads", `memcached warns that ${parsed.value} worker threads is more than recommended`, argument.location);
  }
  if ((letter === "p" || letter === "U") && parsed.value < 0) {
    report("error", "memcached-args-invalid-value", `the ${info.label} cannot be negative`, argument.location);
  }
  return { value: parsed.value, location: argument.location, unknown: false };
}

/** memcached's -I: a trailing k/K or m/M multiplies by 1024 or 1024², else plain bytes. */
function readItemSize(argument: ArgvItem, opaque: boolean, report: Reporter): Written<number> {
  if (opaque) return { value: null, location: argument.location, unknown: true };
  const text = argument.text;
  const unit = text.slice(-1);
  let multiplier = 1;
  let body = text;
  if (unit === "k" || unit === "K") multiplier = 1024;
  if (unit === "m" || unit === "M") multiplier = 1024 * 1024;
  if (multiplier !== 1) body = text.slice(0, -1);
  const parsed = cAtoi(body);
  if (parsed.digits === 0 || parsed.trailing.trim() !== "") {
    report("warning", "memcached-args-not-a-number", `-I '${text}' is not a size; memcached reads it as ${parsed.value * multiplier} bytes`, argument.location);
  }
  return { value: parsed.value * multiplier, location: argument.location, unknown: false };
}

/** `-o a,b=c` as getsubopt splits it; template regions are not split. */
function splitExtendedOptions(argument: ArgvItem): ExtendedOption[] {
  const result: ExtendedOption[] = [];
  for (const [start, end] of splitOutsideTemplates(argument.text, ",")) {
    const piece = argument.text.slice(start, end);
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    const name = eq >= 0 ? piece.slice(0, eq) : piece;
    result.push({
      name,
      value: eq >= 0 ? piece.slice(eq + 1) : null,
      location: locateInText(argument, start, end),
      known: EXTENDED_OPTION_NAMES.has(name) || containsOpaqueMarker(name),
    });
  }
  return result;
}

/** Splits on any of `separators` outside template expressions; returns [start, end) pairs. */
function splitOutsideTemplates(text: string, separators: string): [number, number][] {
  const pieces: [number, number][] = [];
  let start = 0;
  let k = 0;
  while (k < text.length) {
    let skipped = false;
    for (const [open, close] of TEMPLATE_OPENERS) {
      if (text.startsWith(open, k)) {
        const closeAt = text.indexOf(close, k + open.length);
        k = closeAt < 0 ? text.length : closeAt + close.length;
        skipped = true;
        break;
      }
    }
    if (skipped) continue;
    if (text.startsWith("${", k)) {
      const closeAt = text.indexOf("}", k + 2);
      k = closeAt < 0 ? text.length : closeAt + 1;
      continue;
    }
    if (separators.includes(text[k]!)) {
      pieces.push([start, k]);
      start = k + 1;
    }
    k++;
  }
  pieces.push([start, text.length]);
  return pieces;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/u;

/** Classifies a listen host as memcached hands it to getaddrinfo. */
export function classifyHost(host: string): ListenFamily {
  if (host === "*" ) return "wildcard";
  if (containsOpaqueMarker(host)) return "unknown";
  if (IPV4.test(host)) return "ipv4";
  if (host.includes(":")) return "ipv6";
  return "hostname";
}

/** memcached's server_sockets(): split the listen list, then host / [v6] / host:port per entry. */
function splitListen(piece: ArgvItem, opaque: boolean, tls: boolean, report: Reporter): ListenAddress[] {
  const result: ListenAddress[] = [];
  for (const [start, end] of splitOutsideTemplates(piece.text, ",;")) {
    if (end === start) continue; // strtok skips empty tokens
    const location = locateInText(piece, start, end);
    let entry = piece.text.slice(start, end);
    const raw = entry;
    if (opaque && containsOpaqueMarker(entry)) {
      // Keep the port when it is literal ({{ ip }}:11211), the host stays unknown.
      const colon = entry.lastIndexOf(":");
      const tail = colon >= 0 ? entry.slice(colon + 1) : "";
      const port = colon >= 0 && /^\d{1,5}$/u.test(tail) ? Number(tail) : null;
      result.push({ raw, host: null, family: "unknown", port, notls: false, location });
      continue;
    }
    let notls = false;
    if (entry.startsWith("notls")) {
      if (!tls) {
        report("error", "memcached-args-invalid-listen", "'notls' is valid only with TLS enabled (-Z); memcached exits", location);
      }
      notls = true;
      entry = entry.slice("notls".length + 1);
    }
    let host: string = entry;
    let bracketed = false;
    let rest = entry;
    if (entry.startsWith("[")) {
      const close = entry.indexOf("]");
      if (close < 0) {
        report("error", "memcached-args-invalid-listen", `'${raw}' opens '[' without ']'; memcached exits ("Invalid IPV6 address")`, location);
        continue;
      }
      host = entry.slice(1, close);
      rest = entry.slice(close + 1);
      bracketed = true;
    }
    let port: number | null = null;
    const colon = rest.indexOf(":");
    if (colon >= 0 && (!rest.includes(":", colon + 1) || bracketed)) {
      const portText = rest.slice(colon + 1);
      if (!bracketed) host = rest.slice(0, colon);
      const parsed = safeStrtol(portText);
      if (parsed === null) {
        report("error", "memcached-args-invalid-listen", `'${portText}' in '${raw}' is not a port number; memcached exits ("Invalid port number")`, location);
        continue;
      }
      if (parsed < 0 || parsed > 65535) {
        report("error", "memcached-args-invalid-listen", `port ${parsed} in '${raw}' is outside 0-65535; memcached cannot bind it`, location);
      }
      port = parsed;
    } else if (bracketed && rest !== "") {
      host = entry; // "[::1]x": memcached passes "::1" and ignores the rest; keep the text
    }
    if (host === "") {
      report("warning", "memcached-args-invalid-listen", `'${raw}' has an empty host; getaddrinfo fails and memcached exits`, location);
    }
    const family = classifyHost(host);
    result.push({ raw, host: family === "wildcard" ? null : host, family, port, notls, location });
  }
  return result;
}

/** memcached's safe_strtol: the whole text must be a number (trailing whitespace allowed). */
function safeStrtol(text: string): number | null {
  const trimmed = text.trimStart();
  if (!/^[+-]?\d+\s*$/u.test(trimmed)) return null;
  const value = Number.parseInt(trimmed, 10);
  return Number.isFinite(value) && Math.abs(value) <= 2 ** 31 - 1 ? value : null;
}

// ---------------------------------------------------------------------------------------------
// Convenience: a whole command line
// ---------------------------------------------------------------------------------------------

export interface MemcachedCommandLine extends MemcachedArgs {
  /** The program word when the line starts with one (`/usr/bin/memcached`), else null. */
  readonly program: ShellWord | null;
  /** Words after memcached's command (from a shell operator on: `>> log 2>&1`), with `shellOperators`. */
  readonly trailing: ShellWord[];
}

export interface CommandLineOptions extends Partial<TokenizeOptions> {
  /** Split at unquoted shell operators (a `sh -c` string); default false. */
  readonly shellOperators?: boolean;
}

/**
 * The simple commands of a shell script, from its words (tokenized with `shellOperators`): a
 * control operator or an unquoted newline ends a command, and a here-document's body
 * (`<<EOF` … `EOF`, `<<-` allowing leading tabs) is data, not commands. Operator words are
 * dropped. Bounded by the number of words.
 */
export function splitShellCommands(text: string, words: readonly ShellWord[]): ShellWord[][] {
  const segments: ShellWord[][] = [[]];
  let skipUntil = -1;
  let pendingHeredoc: { delimiter: string; stripTabs: boolean } | null = null;
  let previous: ShellWord | null = null;
  for (let k = 0; k < words.length; k++) {
    const word = words[k]!;
    if (word.startOffset < skipUntil) continue;
    if (previous && !word.operator && text.slice(previous.endOffset, word.startOffset).includes("\n")) {
      segments.push([]);
      if (pendingHeredoc) {
        // The body starts on the line after the operator and ends at the delimiter's own line.
        const { delimiter, stripTabs } = pendingHeredoc;
        pendingHeredoc = null;
        let lineStart = text.indexOf("\n", previous.endOffset) + 1;
        let end = text.length;
        while (lineStart > 0 && lineStart < text.length) {
          const lineEnd = text.indexOf("\n", lineStart);
          const line = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd);
          if ((stripTabs ? line.replace(/^\t+/u, "") : line) === delimiter) {
            end = lineEnd < 0 ? text.length : lineEnd;
            break;
          }
          if (lineEnd < 0) break;
          lineStart = lineEnd + 1;
        }
        skipUntil = end;
        if (word.startOffset < skipUntil) {
          previous = word;
          continue;
        }
      }
    }
    previous = word;
    if (word.operator) {
      if (word.text === "<<" || word.text === "<<-") {
        const delimiterWord = words[k + 1];
        if (delimiterWord && !delimiterWord.operator) pendingHeredoc = { delimiter: delimiterWord.text, stripTabs: word.text === "<<-" };
      }
      // Redirections (`>`, `>>`, `2>&1`) end the command words but their targets are not commands.
      segments.push([]);
      continue;
    }
    segments[segments.length - 1]!.push(word);
  }
  return segments.filter((s) => s.length > 0);
}

/**
 * Tokenizes a command string and parses it as memcached's argv. A first word that is not an
 * option is taken as the program (`memcached`, `/usr/bin/memcached`, `exec memcached` skips
 * `exec`). Unexpanded `$VAR` words are opaque.
 */
export function parseMemcachedCommandLine(file: string, text: string, options: CommandLineOptions = {}): MemcachedCommandLine {
  const tokenized = tokenizeCommandLine(text, { ...options, file });
  // Commands split at shell operators (and newlines); memcached's is the one whose program is memcached.
  const segments = options.shellOperators ? splitShellCommands(text, tokenized.words) : [tokenized.words.filter((w) => !w.operator)];
  if (segments.length === 0) segments.push([]);
  const isMemcached = (segment: ShellWord[]): boolean => {
    const program = segment[segment[0]?.text === "exec" ? 1 : 0];
    return program !== undefined && (program.text.slice(program.text.lastIndexOf("/") + 1).startsWith("memcached") || program.text.startsWith("-"));
  };
  let chosen = segments.findIndex(isMemcached);
  if (chosen < 0) chosen = 0;
  const words = segments[chosen]!;
  const chosenEnd = words.length > 0 ? words[words.length - 1]!.endOffset : 0;
  const trailing = tokenized.words.filter((w) => w.startOffset >= chosenEnd && chosenEnd > 0 && !words.includes(w));
  let program: ShellWord | null = null;
  let start = 0;
  if (words[0]?.text === "exec") start = 1;
  const first = words[start];
  if (first && !first.text.startsWith("-")) {
    program = first;
    start++;
  }
  const args: ArgvItem[] = words.slice(start).map((w) => ({
    text: w.text,
    location: w.location,
    ...(w.spans ? { spans: w.spans } : {}),
    ...(w.hasTemplate || w.hasVariables ? { opaque: true } : {}),
  }));
  const parsed = parseMemcachedArgs(args);
  return { ...parsed, diagnostics: [...tokenized.diagnostics, ...parsed.diagnostics], program, trailing };
}
