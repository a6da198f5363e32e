import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Node } from "yaml";
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

/**
 * Compose and Kolla files nest a handful of levels and hold a few hundred flow brackets. The
 * `yaml` package recurses once per nesting level, and at some 40,000 levels (`[[[[…` or
 * `- - - …`, 80 KB of text) V8 aborts the whole process ("RegExpCompiler Allocation failed"),
 * which no try/catch can stop; it also spends tens of µs on each syntax error, so a long run of
 * stray `}` costs seconds. Such files are refused before parsing.
 */
export const MAX_YAML_DEPTH = 1000;
export const MAX_YAML_FLOW_INDICATORS = 20_000;
/** A broken file's first syntax errors say what is wrong; thousands more would only flood the report. */
export const MAX_YAML_ERRORS = 20;

/**
 * An upper bound on the nesting depth (indentation + flow brackets + `- `/`? `/`: ` indicators
 * on the line) and the number of flow indicators, in one linear pass. Quotes are not tracked: a
 * bracket inside a string can only raise the estimate.
 */
export function yamlComplexity(text: string): { depth: number; depthLine: number; flowIndicators: number } {
  let flow = 0;
  let depth = 0;
  let depthLine = 1;
  let flowIndicators = 0;
  let line = 1;
  let atIndent = true;
  let indent = 0;
  let block = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      atIndent = true;
      indent = 0;
      block = 0;
      continue;
    }
    if (atIndent && c === 0x20) {
      indent++;
      continue;
    }
    atIndent = false;
    if (c === 0x5b || c === 0x7b) {
      flow++;
      flowIndicators++;
    } else if (c === 0x5d || c === 0x7d) {
      if (flow > 0) flow--;
      flowIndicators++;
    } else if (c === 0x2d || c === 0x3f || c === 0x3a) {
      const next = text.charCodeAt(i + 1);
      if (Number.isNaN(next) || next === 0x20 || next === 0x0a || next === 0x09) block++;
    }
    if (flow + indent + block > depth) {
      depth = flow + indent + block;
      depthLine = line;
    }
  }
  return { depth, depthLine, flowIndicators };
}

export function parseYamlFile(file: string, text: string): YamlFile {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  let root: Node | null = null;
  const complexity = yamlComplexity(text);
  if (complexity.depth > MAX_YAML_DEPTH) {
    diagnostics.push({ severity: "error", code: "yaml-too-complex", message: `YAML nested about ${complexity.depth} levels deep by line ${complexity.depthLine} (limit ${MAX_YAML_DEPTH}); no compose or Kolla file nests like that, so the file was not parsed`, file, line: complexity.depthLine });
  } else if (complexity.flowIndicators > MAX_YAML_FLOW_INDICATORS) {
    diagnostics.push({ severity: "error", code: "yaml-too-complex", message: `${complexity.flowIndicators} flow brackets ([ ] { }) (limit ${MAX_YAML_FLOW_INDICATORS}); no compose or Kolla file holds that many, so the file was not parsed`, file, line: 1 });
  } else {
    try {
      // YAML 1.2 (§5.4) and Go's yaml.v3 take a lone CR as a line break; the yaml package does
      // not. CR → LF keeps every offset, so positions stay right.
      const document = parseDocument(text.includes("\r") ? text.replace(/\r(?!\n)/gu, "\n") : text, { lineCounter, uniqueKeys: false, prettyErrors: false });
      for (const error of document.errors.slice(0, MAX_YAML_ERRORS)) {
        const at = lineCounter.linePos(error.pos[0]);
        diagnostics.push({ severity: "error", code: "yaml-syntax", message: error.message.split("\n")[0] ?? "YAML syntax error", file, line: at.line, column: at.col });
      }
      if (document.errors.length > MAX_YAML_ERRORS) {
        const at = lineCounter.linePos(document.errors[MAX_YAML_ERRORS]!.pos[0]);
        diagnostics.push({ severity: "error", code: "yaml-syntax", message: `${document.errors.length - MAX_YAML_ERRORS} more YAML syntax errors from here on (only the first ${MAX_YAML_ERRORS} are listed)`, file, line: at.line, column: at.col });
      }
      root = (document.contents as Node | null) ?? null;
      // Readers walk nodes and never expand aliases (so alias bombs cost nothing), which also
      // means values brought in by `*name` or a `<<:` merge are not seen: say so, once.
      let firstAlias: Node | null = null;
      visit(document, {
        Alias(_key, node) {
          firstAlias = node;
          return visit.BREAK;
        },
      });
      const aliasRange = (firstAlias as Node | null)?.range;
      if (aliasRange) {
        const at = lineCounter.linePos(aliasRange[0]);
        diagnostics.push({ severity: "note", code: "yaml-alias-not-followed", message: "the file uses YAML aliases (*name, and <<: merges); stacklint does not follow them, so settings they bring in are not checked", file, line: at.line, column: at.col });
      }
    } catch (error) {
      diagnostics.push({ severity: "error", code: "yaml-syntax", message: `cannot parse YAML: ${String(error)}`, file, line: 1, column: 1 });
    }
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
