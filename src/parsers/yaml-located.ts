import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import type { Diagnostic } from "../model/diagnostic.js";
import type { SourceLocation } from "../model/source.js";

/**
 * YAML with positions (the `yaml` package keeps node ranges; LineCounter maps offsets to lines).
 * Every stacklint reader of YAML (compose, Kolla globals/passwords/inventories) goes through
 * here, so a syntax error is one diagnostic and never an exception.
 */
export interface YamlFile {
  readonly file: string;
  readonly root: Node | null;
  readonly locate: (node: Node | null | undefined) => SourceLocation;
  /** Position of a text offset (for locating words inside a scalar). */
  readonly positionOf: (offset: number) => { line: number; column: number };
  /**
   * Position of an offset in a scalar's value: linear from the content start for plain and quoted
   * scalars (escapes aside), line by line past the indentation for literal block scalars (`|`).
   */
  readonly scalarPositionOf: (node: Node) => (offset: number) => { line: number; column: number };
  readonly diagnostics: Diagnostic[];
}

export function parseYamlFile(file: string, text: string): YamlFile {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  let root: Node | null = null;
  try {
    const document = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
    for (const error of document.errors) {
      const at = lineCounter.linePos(error.pos[0]);
      diagnostics.push({ severity: "error", code: "yaml-syntax", message: error.message.split("\n")[0] ?? "YAML syntax error", file, line: at.line, column: at.col });
    }
    root = (document.contents as Node | null) ?? null;
  } catch (error) {
    diagnostics.push({ severity: "error", code: "yaml-syntax", message: `cannot parse YAML: ${String(error)}`, file, line: 1, column: 1 });
  }
  const positionOf = (offset: number) => {
    const at = lineCounter.linePos(offset);
    return { line: at.line, column: at.col };
  };
  const locate = (node: Node | null | undefined): SourceLocation => {
    const range = node?.range;
    if (!range) return { file, line: 1, column: 1, endLine: 1, endColumn: 1 };
    const start = positionOf(range[0]);
    const end = positionOf(Math.max(range[0] + 1, range[1]));
    return { file, line: start.line, column: start.column, endLine: end.line, endColumn: end.line === start.line ? end.column : start.column + 1 };
  };
  let sourceLines: string[] | null = null;
  const scalarPositionOf = (node: Node) => {
    const start = scalarContentStart(node);
    if (!isScalar(node) || (node.type !== "BLOCK_LITERAL" && node.type !== "BLOCK_FOLDED") || !node.range) return (offset: number) => positionOf(start + offset);
    sourceLines ??= text.split(/\r?\n/u);
    const header = positionOf(node.range[0]).line;
    // Indentation of the block: the first non-blank line after the header.
    let indent = 0;
    for (let k = header; k < sourceLines.length; k++) {
      const line = sourceLines[k]!;
      if (line.trim() !== "") {
        indent = line.length - line.trimStart().length;
        break;
      }
    }
    const value = String(node.value);
    return (offset: number) => {
      const before = value.slice(0, offset);
      const newlines = before.split("\n").length - 1;
      return { line: header + 1 + newlines, column: indent + 1 + offset - (before.lastIndexOf("\n") + 1) };
    };
  };
  return { file, root, locate, positionOf, scalarPositionOf, diagnostics };
}

/** The value node of `key` in a mapping node. */
export function mapGet(node: Node | null | undefined, key: string): Node | null {
  if (!node || !isMap(node)) return null;
  for (const pair of node.items) {
    const k = pair.key;
    if (isScalar(k) && String(k.value) === key) return (pair.value as Node | null) ?? null;
  }
  return null;
}

/** The key node of `key` (to locate a key whose value is empty or a collection). */
export function mapKeyNode(node: Node | null | undefined, key: string): Node | null {
  if (!node || !isMap(node)) return null;
  for (const pair of node.items) if (isScalar(pair.key) && String(pair.key.value) === key) return pair.key as Node;
  return null;
}

export function mapEntries(node: Node | null | undefined): { key: string; keyNode: Node; value: Node | null }[] {
  if (!node || !isMap(node)) return [];
  const out: { key: string; keyNode: Node; value: Node | null }[] = [];
  for (const pair of node.items) if (isScalar(pair.key)) out.push({ key: String(pair.key.value), keyNode: pair.key as Node, value: (pair.value as Node | null) ?? null });
  return out;
}

export function seqItems(node: Node | null | undefined): Node[] {
  return node && isSeq(node) ? (node.items as Node[]) : [];
}

/** A scalar's value as a string (numbers and booleans as YAML wrote them), else null. */
export function scalarText(node: Node | null | undefined): string | null {
  if (!node || !isScalar(node)) return null;
  if (node.value === null) return null;
  return typeof node.source === "string" && typeof node.value !== "string" ? node.source : String(node.value);
}

/** Every scalar string value under a node (for secret registration). */
export function allScalars(node: Node | null | undefined, out: string[] = []): string[] {
  if (!node) return out;
  if (isScalar(node)) {
    if (node.value !== null && node.value !== undefined) out.push(String(node.value));
  } else if (isMap(node)) {
    for (const pair of node.items) allScalars(pair.value as Node, out);
  } else if (isSeq(node)) {
    for (const item of node.items) allScalars(item as Node, out);
  }
  return out;
}

/** Offset of the scalar's first content character (after an opening quote). */
export function scalarContentStart(node: Node): number {
  const start = node.range?.[0] ?? 0;
  return isScalar(node) && (node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE") ? start + 1 : start;
}
