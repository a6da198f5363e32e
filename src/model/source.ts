/**
 * Source positions. Every fact a parser returns carries one, so that every finding can point at
 * a file and a line. Lines and columns are 1-based; columns count UTF-16 code units (what SARIF's
 * default `columnKind` and GitHub expect). `endColumn` is exclusive, as in SARIF: the column just
 * after the last character.
 */
export interface SourceLocation {
  /** Display path: POSIX, relative to the run's base directory (never a temp directory). */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

export interface Located<T> {
  readonly value: T;
  readonly location: SourceLocation;
}

/** A location covering `length` characters of one line. */
export function spanOnLine(file: string, line: number, column: number, length: number): SourceLocation {
  return { file, line, column, endLine: line, endColumn: column + Math.max(length, 1) };
}

/** A location for a whole file when no line applies (kept on line 1 so SARIF stays valid). */
export function wholeFile(file: string): SourceLocation {
  return { file, line: 1, column: 1, endLine: 1, endColumn: 1 };
}

export function compareLocations(a: SourceLocation, b: SourceLocation): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column || a.endLine - b.endLine || a.endColumn - b.endColumn;
}

export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}
