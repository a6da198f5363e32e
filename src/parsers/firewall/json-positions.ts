import type { SourceLocation } from "../../model/source.js";

/**
 * A JSON reader that keeps where every value starts and ends, so that a rule read from
 * `nft -j list ruleset` or `openstack … -f json` can point at its own lines. Strict JSON
 * (RFC 8259); nesting is limited so that hostile input cannot exhaust the stack.
 */
export type JsonNode =
  | { readonly kind: "object"; readonly entries: readonly JsonEntry[]; readonly location: SourceLocation }
  | { readonly kind: "array"; readonly items: readonly JsonNode[]; readonly location: SourceLocation }
  | { readonly kind: "string"; readonly value: string; readonly location: SourceLocation }
  | { readonly kind: "number"; readonly value: number; readonly location: SourceLocation }
  | { readonly kind: "boolean"; readonly value: boolean; readonly location: SourceLocation }
  | { readonly kind: "null"; readonly location: SourceLocation };

export interface JsonEntry {
  readonly key: string;
  readonly keyLocation: SourceLocation;
  readonly value: JsonNode;
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

const MAX_DEPTH = 200;

export function parseJsonWithPositions(file: string, text: string): JsonNode {
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const column = () => i - lineStart + 1;
  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, line, column());
  };
  const skipWhitespace = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) {
        i++;
        line++;
        lineStart = i;
      } else if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0xfeff) i++;
      else break;
    }
  };
  const here = () => ({ line, column: column() });
  const locationFrom = (start: { line: number; column: number }): SourceLocation => ({ file, line: start.line, column: start.column, endLine: line, endColumn: column() });

  const parseString = (): string => {
    i++; // opening quote
    let out = "";
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === "\n") fail("newline in string");
      if (c === "\\") {
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          i += 2;
          continue;
        }
        if (e === "u" && /^[0-9a-fA-F]{4}$/u.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        fail("bad escape in string");
      }
      out += c;
      i++;
    }
  };

  /** The members of an object or array after its opening bracket: comma-separated, up to `close`. */
  const parseMembers = (close: "}" | "]", parseMember: () => void): void => {
    i++; // opening bracket
    skipWhitespace();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      parseMember();
      skipWhitespace();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === close) {
        i++;
        return;
      }
      fail(`expected ',' or '${close}'`);
    }
  };

  const parseValue = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) fail("nesting too deep");
    skipWhitespace();
    const start = here();
    const c = text[i];
    if (c === "{") {
      const entries: JsonEntry[] = [];
      parseMembers("}", () => {
        skipWhitespace();
        if (text[i] !== '"') fail("expected a key");
        const keyStart = here();
        const key = parseString();
        const keyLocation = locationFrom(keyStart);
        skipWhitespace();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        const value = parseValue(depth + 1);
        entries.push({ key, keyLocation, value });
      });
      return { kind: "object", entries, location: locationFrom(start) };
    }
    if (c === "[") {
      const items: JsonNode[] = [];
      parseMembers("]", () => items.push(parseValue(depth + 1)));
      return { kind: "array", items, location: locationFrom(start) };
    }
    if (c === '"') {
      const value = parseString();
      return { kind: "string", value, location: locationFrom(start) };
    }
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/u.exec(text.slice(i, i + 64));
    if (!literal) fail(c === undefined ? "unexpected end of input" : `unexpected ${JSON.stringify(c)}`);
    const word = literal![0];
    i += word.length;
    const location = locationFrom(start);
    if (word === "true" || word === "false") return { kind: "boolean", value: word === "true", location };
    if (word === "null") return { kind: "null", location };
    return { kind: "number", value: Number(word), location };
  };

  const root = parseValue(0);
  skipWhitespace();
  if (i < text.length) fail("trailing text after the JSON value");
  return root;
}

export function member(node: JsonNode | undefined, key: string): JsonNode | undefined {
  if (!node || node.kind !== "object") return undefined;
  return node.entries.find((e) => e.key === key)?.value;
}

export function stringMember(node: JsonNode | undefined, key: string): string | undefined {
  const value = member(node, key);
  return value?.kind === "string" ? value.value : undefined;
}

/** A scalar as text (strings and numbers), or null for JSON null/absent. */
export function scalarText(node: JsonNode | undefined): string | null {
  if (!node) return null;
  if (node.kind === "string") return node.value;
  if (node.kind === "number") return String(node.value);
  if (node.kind === "boolean") return String(node.value);
  return null;
}

/** Plain JavaScript value of a node (for rendering expression text). */
export function plain(node: JsonNode): unknown {
  switch (node.kind) {
    case "object":
      return Object.fromEntries(node.entries.map((e) => [e.key, plain(e.value)]));
    case "array":
      return node.items.map(plain);
    case "null":
      return null;
    default:
      return node.value;
  }
}
