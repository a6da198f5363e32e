import type { Diagnostic, DiagnosticSeverity } from "../../model/diagnostic.js";
import type { SourceLocation } from "../../model/source.js";
import type { NumberRange, PacketFamily } from "../../model/firewall/ruleset.js";

/** Splits on CRLF, LF and lone CR; a trailing newline does not make an extra line. */
export function textLines(text: string): string[] {
  const lines = text.split(/\r\n|\n|\r/u);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function diagnostic(severity: DiagnosticSeverity, code: string, message: string, file: string, line?: number, column?: number): Diagnostic {
  return { severity, code, message, file, ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}) };
}

/** A span on one line: `column` 1-based, `length` in UTF-16 code units. */
export function span(file: string, line: number, column: number, length: number): SourceLocation {
  return { file, line, column, endLine: line, endColumn: column + Math.max(length, 1) };
}

/** From the start of `a` to the end of `b`. */
export function joinLocations(a: SourceLocation, b: SourceLocation): SourceLocation {
  return { file: a.file, line: a.line, column: a.column, endLine: b.endLine, endColumn: b.endColumn };
}

/** The location of a whole line's non-blank text. */
export function lineLocation(file: string, line: number, text: string): SourceLocation {
  const start = text.length - text.trimStart().length;
  const trimmed = text.trim();
  return span(file, line, start + 1, trimmed.length);
}

/** `22`, `1000:2000`, `:1024`, `1024:` (iptables), `1000-2000` (nft, firewalld). */
export function parsePortRange(text: string, separator: ":" | "-"): NumberRange | null {
  const parts = text.split(separator);
  if (parts.length === 1) {
    const n = parsePort(parts[0]!);
    return n === null ? null : { first: n, last: n };
  }
  if (parts.length !== 2) return null;
  const first = parts[0] === "" ? 0 : parsePort(parts[0]!);
  const last = parts[1] === "" ? 65535 : parsePort(parts[1]!);
  if (first === null || last === null || first > last) return null;
  return { first, last };
}

export function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/u.test(text)) return null;
  const n = Number(text);
  return n <= 65535 ? n : null;
}

/** Decimal or 0x-hex unsigned 32-bit number. */
export function parseUint32(text: string): number | null {
  if (/^0x[0-9a-f]{1,8}$/iu.test(text)) return parseInt(text.slice(2), 16);
  if (/^\d{1,10}$/u.test(text)) {
    const n = Number(text);
    return n <= 0xffffffff ? n : null;
  }
  return null;
}

/** Guess the family of an iptables dump from its path (ip6tables, rules.v6). */
export function familyFromPath(file: string): PacketFamily | null {
  const lower = file.toLowerCase();
  if (/ip6tables|rules\.v6|\/ip6tables|iptables6/u.test(lower)) return "ipv6";
  if (/iptables|rules\.v4/u.test(lower)) return "ipv4";
  return null;
}
