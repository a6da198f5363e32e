import type { Diagnostic } from "../../model/diagnostic.js";
import type { SourceLocation } from "../../model/source.js";
import type {
  BaseChainSpec,
  NamedSet,
  NetfilterChain,
  NetfilterFamily,
  NetfilterHook,
  NetfilterRule,
  RuleStep,
  RuleVerdict,
  SetElements,
  SimpleVerdict,
} from "../../model/firewall/ruleset.js";
import { ruleIsUnderstood } from "../../model/firewall/ruleset.js";
import { diagnostic } from "./common.js";
import type { NetfilterParseResult } from "./iptables-save.js";
import type { NftAtom, NftKey, NftOp, NftRight } from "./nft-expr.js";
import { buildNftMatch, elementsOf, parsePriority, setValueType, simpleVerdict, valueTypeOfKey } from "./nft-expr.js";

/**
 * `nft list ruleset` output and nft scripts (`/etc/nftables.conf`): `flush ruleset`, `define`,
 * `table FAMILY NAME { chain … set … map … }`, `add table|chain|rule|set|element …`,
 * `insert rule …`. Statements end at a newline or `;` outside braces; `#` starts a comment;
 * a backslash joins lines. `include` is not followed (a diagnostic says so).
 */

interface Token {
  readonly kind: "word" | "string" | "punct" | "newline" | "var";
  readonly text: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

const PUNCT_TWO = new Set(["==", "!=", "<=", ">=", "<<", ">>"]);
const PUNCT_ONE = new Set(["{", "}", ";", ",", "@", "(", ")", "|", "&", "^", "[", "]", "=", "!", "<", ">"]);
const WORD = /[A-Za-z0-9_.:/\-*+%~\\]/u;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let column = 1;
  let i = 0;
  const advance = (n: number) => {
    for (let k = 0; k < n; k++) {
      if (text[i] === "\n") {
        line++;
        column = 1;
      } else {
        column++;
      }
      i++;
    }
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") {
      tokens.push({ kind: "newline", text: "\n", line, column, endLine: line, endColumn: column + 1 });
      advance(1);
      continue;
    }
    if (c === "\r" || c === " " || c === "\t") {
      advance(1);
      continue;
    }
    if (c === "\\" && (text[i + 1] === "\n" || (text[i + 1] === "\r" && text[i + 2] === "\n"))) {
      advance(text[i + 1] === "\r" ? 3 : 2);
      continue;
    }
    if (c === "#") {
      while (i < text.length && text[i] !== "\n") advance(1);
      continue;
    }
    const startLine = line;
    const startColumn = column;
    if (c === '"') {
      let value = "";
      advance(1);
      while (i < text.length && text[i] !== '"' && text[i] !== "\n") {
        if (text[i] === "\\" && i + 1 < text.length && text[i + 1] !== "\n") {
          value += text[i + 1];
          advance(2);
          continue;
        }
        value += text[i];
        advance(1);
      }
      if (text[i] === '"') advance(1);
      tokens.push({ kind: "string", text: value, line: startLine, column: startColumn, endLine: line, endColumn: column });
      continue;
    }
    if (c === "$") {
      advance(1);
      let name = "";
      while (i < text.length && /[A-Za-z0-9_]/u.test(text[i]!)) {
        name += text[i];
        advance(1);
      }
      tokens.push({ kind: "var", text: name, line: startLine, column: startColumn, endLine: line, endColumn: column });
      continue;
    }
    const two = text.slice(i, i + 2);
    if (PUNCT_TWO.has(two)) {
      advance(2);
      tokens.push({ kind: "punct", text: two, line: startLine, column: startColumn, endLine: line, endColumn: column });
      continue;
    }
    if (PUNCT_ONE.has(c)) {
      advance(1);
      tokens.push({ kind: "punct", text: c, line: startLine, column: startColumn, endLine: line, endColumn: column });
      continue;
    }
    if (WORD.test(c)) {
      let value = "";
      while (i < text.length && WORD.test(text[i]!)) {
        value += text[i];
        advance(1);
      }
      tokens.push({ kind: "word", text: value, line: startLine, column: startColumn, endLine: line, endColumn: column });
      continue;
    }
    // Anything else (non-ASCII, stray quotes): a one-character word, so that nothing is lost.
    advance(1);
    tokens.push({ kind: "word", text: c, line: startLine, column: startColumn, endLine: line, endColumn: column });
  }
  return tokens;
}

const FAMILIES = new Set<NetfilterFamily>(["ip", "ip6", "inet", "arp", "bridge", "netdev"]);
const HOOKS = new Set<NetfilterHook>(["prerouting", "input", "forward", "output", "postrouting", "ingress", "egress"]);

interface MutableChain {
  name: string;
  location: SourceLocation;
  base: BaseChainSpec | null;
  rules: NetfilterRule[];
}

interface MutableTable {
  family: NetfilterFamily;
  name: string;
  location: SourceLocation;
  chains: Map<string, MutableChain>;
  sets: Map<string, NamedSet>;
}

function loc(file: string, first: Token, last: Token = first): SourceLocation {
  return { file, line: first.line, column: first.column, endLine: last.endLine, endColumn: last.endColumn };
}

/** Heads of expressions and statements: where an unrecognised expression's text ends. */
const BOUNDARY = new Set([
  "accept",
  "drop",
  "reject",
  "return",
  "continue",
  "jump",
  "goto",
  "queue",
  "counter",
  "log",
  "comment",
  "limit",
  "notrack",
  "masquerade",
  "snat",
  "dnat",
  "redirect",
  "meta",
  "ct",
  "ip",
  "ip6",
  "tcp",
  "udp",
  "udplite",
  "sctp",
  "dccp",
  "th",
  "icmp",
  "icmpv6",
  "iif",
  "oif",
  "iifname",
  "oifname",
  "mark",
  "fib",
  "xt",
  "quota",
  "meter",
]);

/** Verdicts and statements: a value position holding one of these means the value is missing. */
const STATEMENT_HEADS = new Set(["accept", "drop", "reject", "return", "continue", "jump", "goto", "queue", "counter", "log", "comment", "limit", "notrack", "masquerade", "snat", "dnat", "redirect", "xt", "meter", "quota"]);

const META_BARE = new Set(["iif", "oif", "iifname", "oifname", "mark", "iiftype", "oiftype", "skuid", "skgid", "nftrace", "rtclassid", "ibrname", "obrname", "pkttype", "cpu", "iifgroup", "oifgroup", "cgroup", "iifkind", "oifkind"]);
const PAYLOAD_HEADS = new Set(["ip", "ip6", "tcp", "udp", "udplite", "sctp", "dccp", "th", "icmp", "icmpv6", "igmp"]);
const OTHER_EXPRESSION_HEADS = new Set(["fib", "rt", "socket", "osf", "ipsec", "numgen", "jhash", "symhash", "ether", "vlan", "arp", "exthdr", "frag", "hbh", "dst", "mh", "srh", "ah", "esp", "comp", "tunnel", "dccp", "quota", "meter"]);
const OPS: Readonly<Record<string, NftOp>> = { "==": "==", eq: "==", "!=": "!=", ne: "!=", "<": "<", lt: "<", ">": ">", gt: ">", "<=": "<=", le: "<=", ">=": ">=", ge: ">=" };

class Parser {
  private pos = 0;
  private readonly tables: MutableTable[] = [];
  private readonly defines = new Map<string, Token[]>();
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    private readonly file: string,
    private readonly tokens: Token[],
  ) {}

  result(): MutableTable[] {
    return this.tables;
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  private isSeparator(t: Token | undefined): boolean {
    return t !== undefined && (t.kind === "newline" || (t.kind === "punct" && t.text === ";"));
  }

  private skipSeparators(): void {
    while (this.isSeparator(this.peek())) this.pos++;
  }

  private warn(code: string, message: string, at: Token | undefined, severity: "error" | "warning" | "note" = "warning"): void {
    this.diagnostics.push(diagnostic(severity, code, message, this.file, at?.line, at?.column));
  }

  /** Tokens up to a newline, `;` or `}` at depth 0 (the `}` is not consumed); defines expanded. */
  private readStatement(): Token[] {
    const out: Token[] = [];
    let depth = 0;
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos]!;
      if (depth === 0 && (this.isSeparator(t) || (t.kind === "punct" && t.text === "}"))) break;
      this.pos++;
      if (t.kind === "newline") continue;
      if (t.kind === "punct" && (t.text === "{" || t.text === "(")) depth++;
      if (t.kind === "punct" && (t.text === "}" || t.text === ")")) depth--;
      out.push(t);
    }
    return this.expand(out, 0);
  }

  private expand(tokens: Token[], level: number): Token[] {
    if (level > 10 || !tokens.some((t) => t.kind === "var")) return tokens;
    const out: Token[] = [];
    for (const t of tokens) {
      if (t.kind !== "var") {
        out.push(t);
        continue;
      }
      const value = this.defines.get(t.text);
      if (!value) {
        this.warn("nft-undefined-variable", `$${t.text} is not defined`, t);
        out.push({ ...t, kind: "word", text: `$${t.text}` });
        continue;
      }
      // The value keeps its own positions; the use site is what a message should point at.
      out.push(...this.expand(value, level + 1).map((v) => ({ ...v, line: t.line, column: t.column, endLine: t.endLine, endColumn: t.endColumn })));
    }
    return out;
  }

  /** Skips a `{ … }` block starting at the current `{`. */
  private skipBlock(): void {
    let depth = 0;
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos++]!;
      if (t.kind === "punct" && t.text === "{") depth++;
      if (t.kind === "punct" && t.text === "}") {
        depth--;
        if (depth <= 0) return;
      }
    }
  }

  private expectOpenBrace(): boolean {
    this.skipNewlines();
    const t = this.peek();
    if (t?.kind === "punct" && t.text === "{") {
      this.pos++;
      return true;
    }
    return false;
  }

  private skipNewlines(): void {
    while (this.peek()?.kind === "newline") this.pos++;
  }

  /**
   * The next token of a `{ … }` body, past separators; null once the body is closed by its `}`
   * or, with an error, when the text ends first (`what` names the body: `table t`, `chain c`).
   */
  private nextInBody(what: string): Token | null {
    this.skipSeparators();
    const t = this.peek();
    if (!t) {
      this.warn("nft-syntax", `${what} is not closed`, undefined, "error");
      return null;
    }
    return this.closeBrace() ? null : t;
  }

  private closeBrace(): boolean {
    const t = this.peek();
    if (t?.kind === "punct" && t.text === "}") {
      this.pos++;
      return true;
    }
    return false;
  }

  parse(): void {
    while (this.pos < this.tokens.length) {
      this.skipSeparators();
      const t = this.peek();
      if (!t) break;
      if (t.kind === "punct" && t.text === "}") {
        this.warn("nft-syntax", "unmatched }", t, "error");
        this.pos++;
        continue;
      }
      if (t.kind === "word" && t.text === "table") {
        this.pos++;
        this.parseTable(t, "block");
        continue;
      }
      if (t.kind === "word" && (t.text === "add" || t.text === "create" || t.text === "insert")) {
        this.parseCommand();
        continue;
      }
      const statement = this.readStatement();
      const head = statement[0];
      if (!head) {
        this.pos++;
        continue;
      }
      this.topLevelStatement(statement);
    }
  }

  private topLevelStatement(statement: Token[]): void {
    const head = statement[0]!;
    switch (head.text) {
      case "flush":
        if (statement[1]?.text === "ruleset") {
          this.tables.length = 0;
          return;
        }
        if (statement[1]?.text === "chain" || statement[1]?.text === "table") {
          const { family, rest } = this.familyAndRest(statement.slice(2));
          const table = this.tables.find((t) => t.family === family && t.name === rest[0]?.text);
          if (statement[1]!.text === "table") table?.chains.forEach((c) => (c.rules = []));
          else {
            const chain = table?.chains.get(rest[1]?.text ?? "");
            if (chain) chain.rules = [];
          }
          return;
        }
        this.warn("nft-unsupported-command", `not applied: ${statement.map((t) => t.text).join(" ")}`, head);
        return;
      case "include":
        this.warn("nft-include-ignored", `include ${statement[1] ? JSON.stringify(statement[1].text) : ""} is not followed; rules in the included file are not evaluated`, head);
        return;
      case "define":
      case "redefine": {
        const name = statement[1]?.text;
        const equals = statement[2];
        if (!name || equals?.text !== "=") {
          this.warn("nft-syntax", "define needs NAME = VALUE", head, "error");
          return;
        }
        this.defines.set(name, statement.slice(3));
        return;
      }
      case "undefine":
        if (statement[1]) this.defines.delete(statement[1].text);
        return;
      default:
        this.warn(
          /^(delete|destroy|reset|list|replace|rename|monitor|describe|export|import)$/u.test(head.text) ? "nft-unsupported-command" : "nft-syntax",
          `not read: ${statement.map((t) => t.text).join(" ").slice(0, 80)}`,
          head,
        );
    }
  }

  private familyAndRest(tokens: Token[]): { family: NetfilterFamily; rest: Token[] } {
    const first = tokens[0];
    if (first && FAMILIES.has(first.text as NetfilterFamily) && tokens[1] && !(tokens[1].kind === "punct")) {
      return { family: first.text as NetfilterFamily, rest: tokens.slice(1) };
    }
    return { family: "ip", rest: tokens };
  }

  private ensureTable(family: NetfilterFamily, name: string, at: Token): MutableTable {
    let table = this.tables.find((t) => t.family === family && t.name === name);
    if (!table) {
      table = { family, name, location: loc(this.file, at), chains: new Map(), sets: new Map() };
      this.tables.push(table);
    }
    return table;
  }

  /** The words of a `table …` or `add chain …` header: every token up to a separator or `{`. */
  private readHeader(): Token[] {
    const header: Token[] = [];
    while (this.pos < this.tokens.length) {
      const t = this.peek()!;
      if (this.isSeparator(t) || (t.kind === "punct" && t.text === "{")) break;
      header.push(t);
      this.pos++;
    }
    return header;
  }

  /** `table [family] name { … }` (block) or `add table [family] name` (command). */
  private parseTable(head: Token, mode: "block" | "command"): void {
    const { family, rest } = this.familyAndRest(this.readHeader());
    const nameToken = rest[0];
    if (!nameToken) {
      this.warn("nft-syntax", "table without a name", head, "error");
      return;
    }
    const table = this.ensureTable(family, nameToken.text, head);
    if (mode === "block") this.skipNewlines();
    const open = this.peek();
    if (open?.kind === "punct" && open.text === "{") {
      this.pos++;
      this.parseTableBody(table);
    } else if (mode === "block") {
      this.warn("nft-syntax", `table ${nameToken.text} without a { body }`, head, "note");
    }
  }

  private parseTableBody(table: MutableTable): void {
    for (;;) {
      const t = this.nextInBody(`table ${table.name}`);
      if (!t) return;
      if (t.kind === "word" && t.text === "chain") {
        this.pos++;
        const name = this.peek();
        if (!name || name.kind === "punct") {
          this.warn("nft-syntax", "chain without a name", t, "error");
          continue;
        }
        this.pos++;
        const chain = this.ensureChain(table, name.text, t);
        if (this.expectOpenBrace()) this.parseChainBody(table, chain);
        continue;
      }
      if (t.kind === "word" && (t.text === "set" || t.text === "map")) {
        this.pos++;
        const name = this.peek();
        if (!name || name.kind === "punct") {
          this.warn("nft-syntax", `${t.text} without a name`, t, "error");
          continue;
        }
        this.pos++;
        if (this.expectOpenBrace()) this.parseSetBody(table, name.text, t, t.text === "map");
        continue;
      }
      if (t.kind === "word" && (t.text === "flags" || t.text === "comment")) {
        this.readStatement();
        continue;
      }
      // Stateful objects, flowtables, ct helpers …: not part of the filter path.
      const statement: Token[] = [];
      while (this.pos < this.tokens.length) {
        const u = this.peek()!;
        if (u.kind === "punct" && u.text === "{") {
          this.skipBlock();
          break;
        }
        if (this.isSeparator(u) || (u.kind === "punct" && u.text === "}")) break;
        statement.push(u);
        this.pos++;
      }
      this.warn("nft-ignored-object", `${statement.map((s) => s.text).join(" ") || t.text} is not evaluated`, t, "note");
      if (statement.length === 0 && this.peek() === t) this.pos++;
    }
  }

  private ensureChain(table: MutableTable, name: string, at: Token): MutableChain {
    let chain = table.chains.get(name);
    if (!chain) {
      chain = { name, location: loc(this.file, at), base: null, rules: [] };
      table.chains.set(name, chain);
    }
    return chain;
  }

  private parseChainBody(table: MutableTable, chain: MutableChain): void {
    for (;;) {
      if (!this.nextInBody(`chain ${chain.name}`)) return;
      const statement = this.readStatement();
      if (statement.length === 0) {
        this.pos++;
        continue;
      }
      this.chainStatement(table, chain, statement, "append");
    }
  }

  private chainStatement(table: MutableTable, chain: MutableChain, statement: Token[], mode: "append" | "insert"): void {
    const head = statement[0]!;
    if (head.kind === "word" && head.text === "type") {
      this.parseBaseChain(table, chain, statement);
      return;
    }
    if (head.kind === "word" && head.text === "policy") {
      const policy = statement[1]?.text;
      if (!chain.base) {
        this.warn("nft-syntax", `policy on regular chain ${chain.name}`, head);
        return;
      }
      if (policy !== "accept" && policy !== "drop") {
        this.warn("nft-syntax", `policy ${policy ?? ""} is not accept or drop`, head, "error");
        return;
      }
      chain.base = { ...chain.base, policy, policyLocation: loc(this.file, head, statement[1]!) };
      return;
    }
    if (head.kind === "word" && (head.text === "comment" || head.text === "devices" || head.text === "flags")) return;
    const rule = this.buildRule(table, statement);
    if (mode === "insert") chain.rules.unshift(rule);
    else chain.rules.push(rule);
  }

  private parseBaseChain(table: MutableTable, chain: MutableChain, statement: Token[]): void {
    const head = statement[0]!;
    const text = statement.map((t) => t.text);
    const type = text[1] ?? "";
    const hookIndex = text.indexOf("hook");
    const hook = hookIndex >= 0 ? text[hookIndex + 1] : undefined;
    const priorityIndex = text.indexOf("priority");
    const deviceIndex = text.indexOf("device");
    if (!hook || !HOOKS.has(hook as NetfilterHook)) {
      this.warn("nft-syntax", `chain ${chain.name}: hook ${hook ?? "(missing)"} is not known`, head, "error");
      return;
    }
    const priorityText = priorityIndex >= 0 ? text.slice(priorityIndex + 1).join(" ") : "";
    const priority = parsePriority(priorityText, table.family);
    if (priority === null) {
      this.warn("nft-syntax", `chain ${chain.name}: priority ${JSON.stringify(priorityText)} is not understood`, head, "error");
      return;
    }
    const device = deviceIndex >= 0 ? text[deviceIndex + 1] : undefined;
    chain.base = {
      type,
      hook: hook as NetfilterHook,
      priority,
      policy: chain.base?.policy ?? "accept",
      policyLocation: chain.base?.policyLocation ?? loc(this.file, head, statement[statement.length - 1]!),
      ...(device !== undefined ? { device } : {}),
    };
  }

  private parseSetBody(table: MutableTable, name: string, at: Token, isMap: boolean): void {
    let keyType = "";
    let dataType = "";
    let elementTokens: Token[] | null = null;
    let dynamic = false;
    const start = at;
    let end = at;
    for (;;) {
      this.skipSeparators();
      const t = this.peek();
      if (!t) break;
      if (t.kind === "punct" && t.text === "}") {
        end = t;
        this.pos++;
        break;
      }
      const statement = this.readStatement();
      const head = statement[0];
      if (!head) {
        this.pos++;
        continue;
      }
      end = statement[statement.length - 1]!;
      if (head.text === "type") {
        const colon = statement.findIndex((s) => s.text === ":");
        keyType = statement.slice(1, colon < 0 ? undefined : colon).map((s) => s.text).join(" ");
        if (colon >= 0) dataType = statement.slice(colon + 1).map((s) => s.text).join(" ");
      } else if (head.text === "typeof") {
        const colon = statement.findIndex((s) => s.text === ":");
        keyType = typeofKeyType(statement.slice(1, colon < 0 ? undefined : colon).map((s) => s.text), table.family);
        if (colon >= 0) dataType = statement.slice(colon + 1).map((s) => s.text).join(" ");
      } else if (head.text === "flags") {
        if (statement.some((s) => s.text === "dynamic" || s.text === "timeout")) dynamic = true;
      } else if (head.text === "timeout") {
        dynamic = true;
      } else if (head.text === "elements") {
        const open = statement.findIndex((s) => s.text === "{");
        elementTokens = open < 0 ? [] : statement.slice(open + 1, statement[statement.length - 1]?.text === "}" ? -1 : undefined);
      }
    }
    const location = loc(this.file, start, end);
    const set = buildSet(name, location, keyType, isMap && dataType === "verdict", elementTokens ?? [], dynamic);
    if (isMap && dataType !== "verdict") {
      table.sets.set(name, { name, location, keyType, elements: null, unknownReason: `map ${name} does not map to verdicts` });
      return;
    }
    table.sets.set(name, set);
  }

  /** `add …` / `create …` / `insert rule …`. */
  private parseCommand(): void {
    const verb = this.tokens[this.pos++]!;
    const object = this.peek();
    if (object?.text === "table") {
      this.pos++;
      this.parseTable(verb, "command");
      return;
    }
    if (object?.text === "chain") {
      this.pos++;
      const { family, rest } = this.familyAndRest(this.readHeader());
      if (rest.length < 2) {
        this.warn("nft-syntax", "add chain needs a table and a chain name", verb, "error");
        return;
      }
      const table = this.ensureTable(family, rest[0]!.text, verb);
      const chain = this.ensureChain(table, rest[1]!.text, verb);
      if (this.peek()?.text === "{") {
        this.pos++;
        this.parseChainBody(table, chain);
      }
      return;
    }
    if (object?.text === "set" || object?.text === "map") {
      this.pos++;
      const header: Token[] = [];
      while (this.pos < this.tokens.length && !this.isSeparator(this.peek()) && this.peek()!.text !== "{") header.push(this.tokens[this.pos++]!);
      const { family, rest } = this.familyAndRest(header);
      if (rest.length < 2 || !this.expectOpenBrace()) {
        this.warn("nft-syntax", `${verb.text} ${object.text} needs a table, a name and a { body }`, verb, "error");
        return;
      }
      this.parseSetBody(this.ensureTable(family, rest[0]!.text, verb), rest[1]!.text, verb, object.text === "map");
      return;
    }
    const statement = this.readStatement();
    if (object?.text === "rule" || object?.text === "element") {
      const { family, rest } = this.familyAndRest(statement.slice(1));
      const table = this.tables.find((t) => t.family === family && t.name === rest[0]?.text) ?? (rest[0] ? this.ensureTable(family, rest[0].text, verb) : null);
      if (!table || !rest[1]) {
        this.warn("nft-syntax", `${verb.text} ${object.text} needs a table and a ${object.text === "rule" ? "chain" : "set"}`, verb, "error");
        return;
      }
      if (object.text === "element") {
        this.warn("nft-unsupported-command", `add element to ${rest[1].text} is not applied; the set's contents are treated as unknown`, verb, "note");
        const set = table.sets.get(rest[1].text);
        if (set) table.sets.set(set.name, { ...set, elements: null, unknownReason: "elements added by `add element` are not read" });
        return;
      }
      const chain = this.ensureChain(table, rest[1].text, verb);
      let body = rest.slice(2);
      if (body[0]?.text === "position" || body[0]?.text === "handle" || body[0]?.text === "index") {
        this.warn("nft-unsupported-command", `${body[0].text} ${body[1]?.text ?? ""} is ignored: the rule is placed at the ${verb.text === "insert" ? "start" : "end"}`, body[0], "note");
        body = body.slice(2);
      }
      if (body.length > 0) this.chainStatement(table, chain, body, verb.text === "insert" ? "insert" : "append");
      return;
    }
    this.warn("nft-unsupported-command", `not read: ${[verb, ...statement].map((t) => t.text).join(" ").slice(0, 80)}`, verb);
  }

  // -------------------------------------------------------------------------------------------
  // rules

  private buildRule(table: MutableTable, tokens: Token[]): NetfilterRule {
    const file = this.file;
    const location = loc(file, tokens[0]!, tokens[tokens.length - 1]!);
    const steps: RuleStep[] = [];
    let verdict: RuleVerdict | null = null;
    let comment: string | undefined;
    let i = 0;
    const at = (k: number) => tokens[k];
    const textOf = (from: number, to: number) => renderTokens(tokens.slice(from, to));
    const unknownUntilBoundary = (from: number): number => {
      let k = from + 1;
      while (k < tokens.length && !(tokens[k]!.kind === "word" && BOUNDARY.has(tokens[k]!.text))) {
        if (tokens[k]!.text === "{") k = skipBraces(tokens, k);
        else k++;
      }
      steps.push({ kind: "not-understood", text: textOf(from, k), location: loc(file, tokens[from]!, tokens[k - 1]!) });
      return k;
    };

    while (i < tokens.length) {
      const t = at(i)!;
      const word = t.kind === "word" ? t.text : null;
      if (verdict !== null && word !== "comment") {
        // Nothing may follow a verdict except a comment.
        steps.push({ kind: "not-understood", text: textOf(i, tokens.length), location: loc(file, t, tokens[tokens.length - 1]!) });
        break;
      }
      switch (word) {
        case "counter": {
          i++;
          if (at(i)?.text === "packets") i += 4; // packets N bytes M
          else if (at(i)?.text === "name") i += 2;
          continue;
        }
        case "log": {
          i++;
          while (i < tokens.length) {
            const option = at(i)!.text;
            if (option === "prefix" || option === "level" || option === "group" || option === "snaplen" || option === "queue-threshold") i += 2;
            else if (option === "flags") {
              i += at(i + 1)?.text === "tcp" || at(i + 1)?.text === "ip" ? 3 : 2;
              while (at(i)?.text === "," && at(i + 1)) i += 2; // `flags tcp sequence,options`
            } else break;
          }
          continue;
        }
        case "comment":
          comment = at(i + 1)?.text;
          i += 2;
          continue;
        case "accept":
        case "drop":
        case "continue":
        case "return":
          verdict = simpleVerdict(word);
          i++;
          continue;
        case "reject": {
          let with_: string | undefined;
          i++;
          if (at(i)?.text === "with") {
            const kind = at(i + 1)?.text;
            if (kind === "tcp") {
              with_ = "tcp reset";
              i += 3;
            } else {
              i += 2;
              if (at(i)?.text === "type") i++;
              with_ = `${kind ?? ""} ${at(i)?.text ?? ""}`.trim();
              i++;
            }
          }
          verdict = with_ === undefined ? { kind: "reject" } : { kind: "reject", with: with_ };
          continue;
        }
        case "jump":
        case "goto": {
          const target = at(i + 1);
          if (!target) {
            steps.push({ kind: "not-understood", text: word, location: loc(file, t) });
            i++;
            continue;
          }
          verdict = simpleVerdict(word, target.text);
          i += 2;
          continue;
        }
        case "queue":
        case "dnat":
        case "redirect":
        case "tproxy":
        case "synproxy":
        case "dup":
        case "fwd": {
          const end = untilComment(tokens, i);
          verdict = { kind: "not-understood", text: textOf(i, end) };
          i = end;
          continue;
        }
        case "masquerade":
        case "snat": {
          const end = untilComment(tokens, i);
          verdict = { kind: "accept", label: word.toUpperCase() };
          i = end;
          continue;
        }
        case "notrack":
          steps.push({ kind: "notrack", text: "notrack", location: loc(file, t) });
          i++;
          continue;
        case "limit": {
          let k = i + 1;
          if (at(k)?.text === "rate") k++;
          if (at(k)?.text === "over") k++;
          k++; // the rate (10/second)
          if (at(k)?.text === "/") k += 2;
          if (at(k)?.text === "burst") {
            k += 2;
            if (/^(packets|bytes|kbytes|mbytes)$/u.test(at(k)?.text ?? "")) k++;
          }
          k = Math.min(k, tokens.length);
          steps.push({ kind: "not-understood", text: textOf(i, k), location: loc(file, t, tokens[k - 1]!) });
          i = k;
          continue;
        }
        case "add":
        case "update":
        case "delete": {
          if (at(i + 1)?.text === "@") {
            // Dynamic set update: no effect on this packet's verdict.
            let k = i + 3;
            if (at(k)?.text === "{") k = skipBraces(tokens, k);
            i = k;
            continue;
          }
          i = unknownUntilBoundary(i);
          continue;
        }
        case "xt": {
          const end = Math.min(i + 3, tokens.length);
          steps.push({ kind: "not-understood", text: textOf(i, end), location: loc(file, t, tokens[end - 1]!) });
          i = end;
          continue;
        }
        default:
          break;
      }
      if (word !== null && (PAYLOAD_HEADS.has(word) || word === "meta" || word === "ct" || META_BARE.has(word))) {
        const parsed = this.parseRelational(table, tokens, i, steps);
        i = parsed.next;
        if (parsed.verdict) verdict = parsed.verdict;
        continue;
      }
      if (word !== null && OTHER_EXPRESSION_HEADS.has(word)) {
        i = unknownUntilBoundary(i);
        continue;
      }
      i = unknownUntilBoundary(i);
    }
    return { location, text: renderTokens(tokens), steps, verdict, ...(comment !== undefined ? { comment } : {}), understood: ruleIsUnderstood(steps, verdict) };
  }

  /**
   * `key [& mask] [op] value [/ mask]`, `key set value` (a statement) or `key vmap { … }`.
   * Returns the index after the expression.
   */
  private parseRelational(table: MutableTable, tokens: Token[], start: number, steps: RuleStep[]): { next: number; verdict?: RuleVerdict } {
    const file = this.file;
    let i = start;
    const head = tokens[i]!.text;
    let key: NftKey | null = null;
    if (PAYLOAD_HEADS.has(head)) {
      const field = tokens[i + 1];
      if (field && field.kind === "word" && !BOUNDARY.has(field.text)) {
        key = { kind: "payload", protocol: head, field: field.text };
        i += 2;
      } else {
        // `ip protocol` without field? A bare protocol word: not an expression we know.
        i += 1;
      }
    } else if (head === "meta") {
      const field = tokens[i + 1];
      if (field) {
        key = { kind: "meta", key: field.text };
        i += 2;
      } else i += 1;
    } else if (head === "ct") {
      const field = tokens[i + 1];
      if (field && (field.text === "original" || field.text === "reply")) {
        return { next: this.unknownSpan(tokens, start, steps, STATEMENT_HEADS) };
      }
      if (field) {
        key = { kind: "ct", key: field.text };
        i += 2;
      } else i += 1;
    } else {
      key = { kind: "meta", key: head };
      i += 1;
    }
    if (!key) return { next: this.unknownSpan(tokens, start, steps) };

    // Statement: `meta mark set …`, `ct mark set …`.
    if (tokens[i]?.text === "set") {
      const end = statementEnd(tokens, i + 1);
      const valueTokens = tokens.slice(i + 1, end);
      if (key.kind === "meta" && key.key === "mark") {
        const single = valueTokens.length === 1 ? parseMark(valueTokens[0]!.text) : null;
        steps.push({ kind: "set-mark", value: single, text: renderTokens(tokens.slice(start, end)), location: loc(file, tokens[start]!, tokens[end - 1]!) });
      } else if (key.kind === "ct" && key.key === "state") {
        steps.push({ kind: "not-understood", text: renderTokens(tokens.slice(start, end)), location: loc(file, tokens[start]!, tokens[end - 1]!) });
      }
      return { next: end };
    }

    // Bitwise mask: `mark and 0x8000 == 0x8000`, `tcp flags & (fin|syn|rst|ack) == syn`.
    let mask: NftAtom | null = null;
    if (tokens[i]?.text === "&" || tokens[i]?.text === "and") {
      const parsed = readAtom(tokens, i + 1);
      if (!parsed) return { next: this.unknownSpan(tokens, start, steps) };
      mask = parsed.atom;
      i = parsed.next;
    }
    if (tokens[i] && (tokens[i]!.text === "|" || tokens[i]!.text === "or" || tokens[i]!.text === "^" || tokens[i]!.text === "xor" || tokens[i]!.text === "<<" || tokens[i]!.text === ">>" || tokens[i]!.text === ".")) {
      // Concatenations and arithmetic span several expression heads: read up to the next statement.
      return { next: this.unknownSpan(tokens, start, steps, STATEMENT_HEADS) };
    }

    if (tokens[i]?.text === "vmap") {
      const keySpec = buildNftMatch(key, null, "==", { kind: "atoms", atoms: [], set: true }, null, table.family, "", loc(file, tokens[start]!));
      const keyMatch = keySpec[0];
      const next = tokens[i + 1];
      if (!keyMatch || keyMatch.kind !== "match" || !next) return { next: this.unknownSpan(tokens, start, steps) };
      const { field, requiresProtocols, requiresFamily } = keyMatch.match;
      const keyPart = { field, ...(requiresProtocols ? { requiresProtocols } : {}), ...(requiresFamily ? { requiresFamily } : {}) };
      if (next.text === "@") {
        const name = tokens[i + 2]?.text ?? "";
        const end = i + 3;
        const text = renderTokens(tokens.slice(start, end));
        return { next: end, verdict: { kind: "vmap-ref", key: { ...keyPart, text, location: loc(file, tokens[start]!, tokens[end - 1]!) }, name } };
      }
      if (next.text !== "{") return { next: this.unknownSpan(tokens, start, steps) };
      const close = skipBraces(tokens, i + 1);
      const text = renderTokens(tokens.slice(start, close));
      const location = loc(file, tokens[start]!, tokens[close - 1]!);
      const valueType = valueTypeOfKey(key, table.family);
      const entries: { value: SetElements; verdict: SimpleVerdict }[] = [];
      for (const element of splitElements(tokens.slice(i + 2, close - 1))) {
        const parsed = parseMapElement(element);
        const elements = parsed && valueType ? elementsOf(valueType, [parsed.atom]) : null;
        if (!parsed || !elements || !parsed.verdict) {
          steps.push({ kind: "not-understood", text, location });
          return { next: close };
        }
        entries.push({ value: elements, verdict: parsed.verdict });
      }
      return { next: close, verdict: { kind: "vmap", key: { ...keyPart, text, location }, entries } };
    }

    let op: NftOp = "implicit";
    const opToken = tokens[i];
    if (opToken && OPS[opToken.text] !== undefined && !(opToken.kind === "word" && tokens[i + 1] === undefined)) {
      op = OPS[opToken.text]!;
      i++;
    }
    const value = readRight(tokens, i);
    if (!value) return { next: this.unknownSpan(tokens, start, steps) };
    i = value.next;
    let maskAfter: NftAtom | null = null;
    if (tokens[i]?.text === "/" && key.kind === "payload" && key.field === "flags") {
      const parsed = readFlagList(tokens, i + 1);
      if (parsed) {
        maskAfter = parsed.atom;
        i = parsed.next;
      }
    }
    const text = renderTokens(tokens.slice(start, i));
    steps.push(...buildNftMatch(key, mask, op, value.right, maskAfter, table.family, text, loc(file, tokens[start]!, tokens[i - 1]!)));
    return { next: i };
  }

  private unknownSpan(tokens: Token[], start: number, steps: RuleStep[], stopAt: ReadonlySet<string> = BOUNDARY): number {
    let k = start + 1;
    while (k < tokens.length && !(tokens[k]!.kind === "word" && stopAt.has(tokens[k]!.text))) {
      if (tokens[k]!.text === "{") k = skipBraces(tokens, k);
      else k++;
    }
    steps.push({ kind: "not-understood", text: renderTokens(tokens.slice(start, k)), location: loc(this.file, tokens[start]!, tokens[k - 1]!) });
    return k;
  }
}

function parseMark(text: string): number | null {
  if (/^0x[0-9a-f]{1,8}$/iu.test(text)) return parseInt(text.slice(2), 16);
  if (/^\d{1,10}$/u.test(text) && Number(text) <= 0xffffffff) return Number(text);
  return null;
}

/** Index after the `{ … }` starting at `open`. */
function skipBraces(tokens: readonly Token[], open: number): number {
  let depth = 0;
  let k = open;
  while (k < tokens.length) {
    const t = tokens[k]!;
    if (t.kind === "punct" && t.text === "{") depth++;
    if (t.kind === "punct" && t.text === "}") {
      depth--;
      if (depth === 0) return k + 1;
    }
    k++;
  }
  return k;
}

function untilComment(tokens: readonly Token[], from: number): number {
  let k = from + 1;
  while (k < tokens.length && tokens[k]!.text !== "comment") k++;
  return k;
}

const SET_VALUE_OPERATORS = new Set(["or", "|", "and", "&", "xor", "^", "<<", ">>"]);
const TWO_WORD_OPERANDS = new Set(["ct", "meta", "ip", "ip6", "tcp", "udp", "th"]);

/**
 * End of a `set` statement's value: one operand (`0x1`, `mark`, `ct mark`) and any `or`/`and`/…
 * operand pairs after it (`meta mark set mark or 0x4000`). What follows is the next expression
 * of the rule (`meta mark set 0x1 tcp dport vmap { … }`). A map lookup (`… map { … }`) reads up
 * to the next verdict or statement.
 */
function statementEnd(tokens: readonly Token[], from: number): number {
  let k = from;
  const operand = (): void => {
    k += TWO_WORD_OPERANDS.has(tokens[k]?.text ?? "") && tokens[k + 1] !== undefined ? 2 : 1;
  };
  operand();
  while (k < tokens.length && SET_VALUE_OPERATORS.has(tokens[k]!.text)) {
    k++;
    operand();
  }
  if (tokens[k]?.text === "map") {
    while (k < tokens.length && !(tokens[k]!.kind === "word" && BOUNDARY.has(tokens[k]!.text))) k++;
  }
  return Math.min(k, tokens.length);
}

function tokenAtom(t: Token): NftAtom {
  return t.kind === "string" ? { kind: "word", text: t.text, quoted: true } : { kind: "word", text: t.text };
}

/** One value: a word, a string, `(a|b)` or `a|b` flag combinations. */
function readAtom(tokens: readonly Token[], from: number): { atom: NftAtom; next: number } | null {
  const t = tokens[from];
  if (!t) return null;
  if (t.text === "(") {
    const names: string[] = [];
    let k = from + 1;
    while (k < tokens.length && tokens[k]!.text !== ")") {
      if (tokens[k]!.text !== "|" && tokens[k]!.text !== ",") names.push(tokens[k]!.text);
      k++;
    }
    return { atom: { kind: "flags", names, or: true }, next: k + 1 };
  }
  if (t.kind !== "word" && t.kind !== "string") return null;
  if (tokens[from + 1]?.text === "|") {
    const names = [t.text];
    let k = from + 1;
    while (tokens[k]?.text === "|" && tokens[k + 1]) {
      names.push(tokens[k + 1]!.text);
      k += 2;
    }
    return { atom: { kind: "flags", names, or: true }, next: k };
  }
  return { atom: tokenAtom(t), next: from + 1 };
}

function readFlagList(tokens: readonly Token[], from: number): { atom: NftAtom; next: number } | null {
  const first = readAtom(tokens, from);
  if (!first) return null;
  const names = first.atom.kind === "flags" ? [...first.atom.names] : first.atom.kind === "word" ? [first.atom.text] : [];
  let k = first.next;
  while (tokens[k]?.text === "," && tokens[k + 1]) {
    names.push(tokens[k + 1]!.text);
    k += 2;
  }
  // `a | b` alone stays one OR-ed value; with commas it is a list.
  const or = k === first.next && first.atom.kind === "flags" && first.atom.or === true;
  return { atom: { kind: "flags", names, ...(or ? { or: true } : {}) }, next: k };
}

/** `value`, `a,b,c` (flag lists), `{ a, b }`, `@set`. */
function readRight(tokens: readonly Token[], from: number): { right: NftRight; next: number } | null {
  const t = tokens[from];
  if (!t) return null;
  if (t.text === "@") {
    const name = tokens[from + 1];
    return name ? { right: { kind: "set-ref", name: name.text }, next: from + 2 } : null;
  }
  if (t.text === "{") {
    const close = skipBraces(tokens, from);
    const atoms: NftAtom[] = [];
    for (const element of splitElements(tokens.slice(from + 1, close - 1))) {
      const parsed = element.length === 1 ? tokenAtom(element[0]!) : readAtom(element, 0)?.atom;
      if (!parsed || (element.length > 1 && element[1]!.text !== "|")) return null;
      atoms.push(parsed);
    }
    return { right: { kind: "atoms", atoms, set: true }, next: close };
  }
  if (t.kind === "word" && STATEMENT_HEADS.has(t.text)) return null;
  const first = readAtom(tokens, from);
  if (!first) return null;
  const atoms: NftAtom[] = [first.atom];
  let k = first.next;
  while (tokens[k]?.text === "," && tokens[k + 1]) {
    const next = readAtom(tokens, k + 1);
    if (!next) break;
    atoms.push(next.atom);
    k = next.next;
  }
  return { right: { kind: "atoms", atoms, set: false }, next: k };
}

/** Elements of `{ … }` split on commas at depth 0 (annotations such as `timeout 1h` stay attached). */
function splitElements(tokens: readonly Token[]): Token[][] {
  const out: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === "newline") continue;
    if (t.text === "{") depth++;
    if (t.text === "}") depth--;
    if (depth === 0 && t.kind === "punct" && t.text === ",") {
      if (current.length > 0) out.push(current);
      current = [];
      continue;
    }
    current.push(t);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** `value : verdict` (verdict maps) — also `value:verdict` written without spaces. */
function parseMapElement(element: Token[]): { atom: NftAtom; verdict: SimpleVerdict | null } | null {
  let tokens = element;
  if (tokens.length === 1 && tokens[0]!.kind === "word" && /:(accept|drop|return|continue)$/u.test(tokens[0]!.text)) {
    const [value, verdict] = [tokens[0]!.text.slice(0, tokens[0]!.text.lastIndexOf(":")), tokens[0]!.text.slice(tokens[0]!.text.lastIndexOf(":") + 1)];
    return { atom: { kind: "word", text: value }, verdict: simpleVerdict(verdict) };
  }
  const colon = tokens.findIndex((t) => t.text === ":");
  if (colon !== 1) return null;
  const verdictTokens = tokens.slice(colon + 1);
  tokens = tokens.slice(0, colon);
  const word = verdictTokens[0]?.text;
  if (!word) return null;
  return { atom: tokenAtom(tokens[0]!), verdict: simpleVerdict(word, verdictTokens[1]?.text) };
}

function typeofKeyType(words: string[], family: NetfilterFamily): string {
  const [a, b] = words;
  if (!a) return "";
  const key: NftKey | null =
    a === "meta" && b ? { kind: "meta", key: b } : a === "ct" && b ? { kind: "ct", key: b } : b && PAYLOAD_HEADS.has(a) ? { kind: "payload", protocol: a, field: b } : META_BARE.has(a) ? { kind: "meta", key: a } : null;
  if (!key || words.length > 2 + (a === "meta" || a === "ct" || PAYLOAD_HEADS.has(a) ? 0 : -1)) return words.join(" ");
  const type = valueTypeOfKey(key, family);
  switch (type) {
    case "address4":
      return "ipv4_addr";
    case "address6":
      return "ipv6_addr";
    case "port":
      return "inet_service";
    case "proto":
      return "inet_proto";
    case "iface":
      return "ifname";
    case "ctstate":
      return "ct_state";
    case "mark":
      return "mark";
    default:
      return words.join(" ");
  }
}

function buildSet(name: string, location: SourceLocation, keyType: string, verdictMap: boolean, elementTokens: Token[], dynamic: boolean): NamedSet {
  const base = { name, location, keyType };
  if (dynamic) return { ...base, elements: null, unknownReason: "the set is updated at runtime (dynamic/timeout); a dump is only a snapshot" };
  const valueType = setValueType(keyType);
  if (!valueType) return { ...base, elements: null, unknownReason: `key type ${keyType || "(none)"} is not modelled` };
  const atoms: NftAtom[] = [];
  const verdicts: SimpleVerdict[] = [];
  for (const element of splitElements(elementTokens)) {
    if (verdictMap) {
      const parsed = parseMapElement(element);
      if (!parsed || !parsed.verdict) return { ...base, elements: null, unknownReason: `element ${renderTokens(element)} is not understood` };
      atoms.push(parsed.atom);
      verdicts.push(parsed.verdict);
      continue;
    }
    // Drop per-element annotations (`timeout 1h expires 10m`, `counter packets …`, `comment "…"`).
    const value = element[0];
    if (!value) continue;
    atoms.push(tokenAtom(value));
  }
  const elements = elementsOf(valueType, atoms);
  if (!elements) return { ...base, elements: null, unknownReason: "an element is not understood" };
  return verdictMap ? { ...base, elements, verdicts } : { ...base, elements };
}

function renderTokens(tokens: readonly Token[]): string {
  let out = "";
  let previous: Token | null = null;
  for (const t of tokens) {
    const text = t.kind === "string" ? JSON.stringify(t.text) : t.kind === "var" ? `$${t.text}` : t.text;
    if (previous && !(previous.line === t.line && previous.endColumn === t.column)) out += " ";
    out += text;
    previous = t;
  }
  return out;
}

export function parseNftText(file: string, text: string): NetfilterParseResult {
  const parser = new Parser(file, tokenize(text));
  try {
    parser.parse();
  } catch (error) {
    parser.diagnostics.push(diagnostic("error", "internal-error", `nft parser failed: ${error instanceof Error ? error.message : String(error)}`, file));
  }
  const tables = parser.result().map((table) => ({
    family: table.family,
    name: table.name,
    location: table.location,
    chains: [...table.chains.values()].map((c): NetfilterChain => ({ name: c.name, location: c.location, base: c.base, rules: c.rules })),
    sets: [...table.sets.values()],
  }));
  return { ruleset: { kind: "netfilter", format: "nft", file, families: ["ipv4", "ipv6"], tables }, diagnostics: parser.diagnostics };
}

/** True when `text` looks like nft syntax (for format sniffing). */
export function looksLikeNft(text: string): boolean {
  // `[ \t]*`, not `\s*`: with the m flag, `^\s*` at every line start re-scans all the blank
  // lines after it, quadratic in a run of newlines (47,000 of them took 3 s).
  return /^[ \t]*(table\s+(ip|ip6|inet|arp|bridge|netdev)\s+\S+\s*\{|flush\s+ruleset)/mu.test(text);
}
