import type { SourceLocation } from "../../model/source.js";

/**
 * A small XML reader with positions, enough for firewalld's zone and service files: elements,
 * attributes (single or double quotes), text, comments, CDATA, the XML declaration and the five
 * predefined entities plus numeric references. No DTDs, no namespaces.
 */
export interface XmlAttribute {
  readonly value: string;
  readonly location: SourceLocation;
}

export interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, XmlAttribute>;
  readonly children: XmlElement[];
  text: string;
  /** The start tag. */
  readonly location: SourceLocation;
}

export interface XmlParseResult {
  readonly root: XmlElement | null;
  readonly error?: { readonly message: string; readonly line: number; readonly column: number };
}

const MAX_DEPTH = 100;

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/gu, (_m, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" } as Record<string, string>)[entity]!;
  });
}

export function parseXml(file: string, text: string): XmlParseResult {
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const position = () => ({ line, column: i - lineStart + 1 });
  const advanceTo = (target: number) => {
    while (i < target) {
      if (text.charCodeAt(i) === 0x0a) {
        line++;
        lineStart = i + 1;
      }
      i++;
    }
  };
  const error = (message: string): XmlParseResult => ({ root: null, error: { message, ...position() } });
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;

  while (i < text.length) {
    const lt = text.indexOf("<", i);
    if (lt < 0) {
      const rest = text.slice(i);
      if (stack.length > 0) stack[stack.length - 1]!.text += decodeEntities(rest);
      advanceTo(text.length);
      break;
    }
    if (lt > i) {
      if (stack.length > 0) stack[stack.length - 1]!.text += decodeEntities(text.slice(i, lt));
      advanceTo(lt);
    }
    if (text.startsWith("<!--", i)) {
      const end = text.indexOf("-->", i + 4);
      if (end < 0) return error("unterminated comment");
      advanceTo(end + 3);
      continue;
    }
    if (text.startsWith("<![CDATA[", i)) {
      const end = text.indexOf("]]>", i + 9);
      if (end < 0) return error("unterminated CDATA section");
      if (stack.length > 0) stack[stack.length - 1]!.text += text.slice(i + 9, end);
      advanceTo(end + 3);
      continue;
    }
    if (text.startsWith("<?", i) || text.startsWith("<!", i)) {
      const end = text.indexOf(">", i);
      if (end < 0) return error("unterminated declaration");
      advanceTo(end + 1);
      continue;
    }
    if (text.startsWith("</", i)) {
      const end = text.indexOf(">", i);
      if (end < 0) return error("unterminated end tag");
      const name = text.slice(i + 2, end).trim();
      const open = stack.pop();
      if (!open || open.name !== name) return error(`end tag </${name}> does not match <${open?.name ?? ""}>`);
      advanceTo(end + 1);
      continue;
    }
    // Start tag.
    const start = position();
    advanceTo(i + 1);
    const nameMatch = /^[A-Za-z_][\w.:-]*/u.exec(text.slice(i));
    if (!nameMatch) return error("expected an element name");
    const name = nameMatch[0];
    advanceTo(i + name.length);
    const attributes = new Map<string, XmlAttribute>();
    let selfClosing = false;
    for (;;) {
      const ws = /^\s*/u.exec(text.slice(i))![0].length;
      advanceTo(i + ws);
      if (i >= text.length) return error(`unterminated start tag <${name}>`);
      if (text.startsWith("/>", i)) {
        selfClosing = true;
        advanceTo(i + 2);
        break;
      }
      if (text[i] === ">") {
        advanceTo(i + 1);
        break;
      }
      const attrStart = position();
      const attr = /^([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/u.exec(text.slice(i, i + 4096));
      if (!attr) return error(`cannot read an attribute of <${name}>`);
      const raw = attr[0];
      advanceTo(i + raw.length);
      attributes.set(attr[1]!, {
        value: decodeEntities(attr[3] ?? attr[4] ?? ""),
        location: { file, line: attrStart.line, column: attrStart.column, endLine: line, endColumn: i - lineStart + 1 },
      });
    }
    const element: XmlElement = {
      name,
      attributes,
      children: [],
      text: "",
      location: { file, line: start.line, column: start.column, endLine: line, endColumn: i - lineStart + 1 },
    };
    if (stack.length > 0) stack[stack.length - 1]!.children.push(element);
    else if (root === null) root = element;
    else return error("more than one root element");
    if (!selfClosing) {
      if (stack.length >= MAX_DEPTH) return error("nesting too deep");
      stack.push(element);
    }
  }
  if (stack.length > 0) return { root, error: { message: `<${stack[stack.length - 1]!.name}> is not closed`, line, column: i - lineStart + 1 } };
  return { root };
}
