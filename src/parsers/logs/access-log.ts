import { MONTHS, parseIsoTime, utcMillis } from "./timestamps.js";

/**
 * Swift proxy-logging access lines (swift/common/middleware/proxy_logging.py). The line is the
 * proxy's `log_msg_template` formatted by `LogStringFormatter(default='-', quote=True)`: every
 * value URL-quoted (so it has no spaces) and `-` when empty (doc/source/logs.rst).
 */

/**
 * The default template: the 21 fields Swift has used since `log_msg_template` exists, plus
 * `{access_user_id}` which recent releases append. Lines with 21 fields parse with it too.
 */
export const DEFAULT_LOG_MSG_TEMPLATE =
  "{client_ip} {remote_addr} {end_time.datetime} {method} {path} {protocol} {status_int} {referer} {user_agent} " +
  "{auth_token} {bytes_recvd} {bytes_sent} {client_etag} {transaction_id} {headers} {request_time} {source} " +
  "{log_info} {start_time} {end_time} {policy_index} {access_user_id}";

export interface ProxyAccessLine {
  /** `status_int` (what the proxy logged), else `wire_status_int`. */
  readonly status: number;
  readonly method: string | null;
  /** As logged: URL-quoted (Swift quotes already-quoted paths again). */
  readonly path: string | null;
  readonly protocol: string | null;
  readonly clientIp: string | null;
  readonly remoteAddr: string | null;
  readonly txnId: string | null;
  /**
   * `swift.source` of middleware subrequests (`TA`, `SLO`, …); null for `-`. A request is
   * counted once, on its line with no source (proxy-logging may log a txn twice).
   */
  readonly source: string | null;
  /** Seconds. */
  readonly requestTime: number | null;
  /** End of the request, epoch ms (UTC; Swift formats these with `time.gmtime`). */
  readonly time: number | null;
  readonly userAgent: string | null;
  readonly policyIndex: string | null;
  readonly fieldCount: number;
}

export interface AccessLogParser {
  readonly template: string;
  readonly fieldCount: number;
  /** Parses a message (the syslog tag already removed; a leading `proxy-server:` is tolerated). */
  parse(message: string): ProxyAccessLine | null;
}

export interface CompiledAccessLog {
  readonly parser: AccessLogParser;
  /** Why the template cannot be used, or what it lacks (empty when fine). */
  readonly problems: string[];
}

type TokenPart = { readonly literal: string } | { readonly field: string };

interface Token {
  readonly parts: readonly TokenPart[];
  /** Set when the token is exactly one field with no literal text. */
  readonly onlyField?: string;
}

/** `{name.attr!conv:spec}` → `name.attr` (Python's str.format field, as string.Formatter parses it). */
function fieldKey(inner: string): string {
  let end = inner.length;
  const bang = inner.indexOf("!");
  const colon = inner.indexOf(":");
  if (bang !== -1) end = Math.min(end, bang);
  if (colon !== -1) end = Math.min(end, colon);
  return inner.slice(0, end).trim();
}

function tokenize(templateToken: string, problems: string[]): Token {
  const parts: TokenPart[] = [];
  let literal = "";
  let position = 0;
  while (position < templateToken.length) {
    const char = templateToken[position]!;
    if (char === "{" && templateToken[position + 1] === "{") {
      literal += "{";
      position += 2;
    } else if (char === "}" && templateToken[position + 1] === "}") {
      literal += "}";
      position += 2;
    } else if (char === "{") {
      const close = templateToken.indexOf("}", position);
      if (close === -1) {
        problems.push(`unclosed "{" in ${JSON.stringify(templateToken)}`);
        literal += templateToken.slice(position);
        break;
      }
      if (literal) parts.push({ literal });
      literal = "";
      const previous = parts[parts.length - 1];
      const field = fieldKey(templateToken.slice(position + 1, close));
      if (previous && "field" in previous) problems.push(`fields {${previous.field}} and {${field}} touch: the line cannot be split between them`);
      parts.push({ field });
      position = close + 1;
    } else {
      literal += char;
      position++;
    }
  }
  if (literal) parts.push({ literal });
  const only = parts.length === 1 && "field" in parts[0]! ? parts[0].field : undefined;
  return only === undefined ? { parts } : { parts, onlyField: only };
}

/** Matches one line token against a template token; fields take text up to the next literal. */
function matchToken(token: Token, text: string, values: Map<string, string>): boolean {
  if (token.onlyField !== undefined) {
    values.set(token.onlyField, text);
    return true;
  }
  let position = 0;
  const parts = token.parts;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if ("literal" in part) {
      if (!text.startsWith(part.literal, position)) return false;
      position += part.literal.length;
      continue;
    }
    const next = parts[i + 1];
    let end = text.length;
    if (next && "literal" in next) {
      end = text.indexOf(next.literal, position);
      if (end === -1) return false;
    }
    values.set(part.field, text.slice(position, end));
    position = end;
  }
  return position === text.length;
}

const OPTIONAL_TRAILING_FIELD = "access_user_id";

/**
 * Compiles a `log_msg_template` into a line parser. Splitting is on spaces, as Swift's docs
 * promise; each template token may mix literal text and fields (`acc:{account}`).
 */
export function compileAccessLogTemplate(template: string): CompiledAccessLog {
  const problems: string[] = [];
  const tokens = template.split(/\s+/u).filter((token) => token.length > 0).map((token) => tokenize(token, problems));
  const fields = new Set(tokens.flatMap((token) => token.parts.flatMap((part) => ("field" in part ? [part.field] : []))));
  if (!fields.has("status_int") && !fields.has("wire_status_int")) problems.push("the template has no {status_int}: statuses cannot be read");
  const isDefault = tokens.length > 0 && template.trim().split(/\s+/u).join(" ") === DEFAULT_LOG_MSG_TEMPLATE;
  const lastOptional = tokens[tokens.length - 1]?.onlyField === OPTIONAL_TRAILING_FIELD;
  const minTokens = tokens.length - (lastOptional ? 1 : 0);
  // Swift's docs: new values may be appended to the default line; a custom template is exact.
  const maxTokens = isDefault ? Number.MAX_SAFE_INTEGER : tokens.length;
  const usable = fields.has("status_int") || fields.has("wire_status_int");

  const parser: AccessLogParser = {
    template,
    fieldCount: tokens.length,
    parse(message: string): ProxyAccessLine | null {
      if (!usable) return null;
      const words = splitOnSpaces(message, maxTokens === Number.MAX_SAFE_INTEGER ? tokens.length + 8 : maxTokens + 1);
      if (words === null) return null;
      const attempt = (from: number): ProxyAccessLine | null => {
        const count = words.length - from;
        if (count < minTokens || count > maxTokens) return null;
        const values = new Map<string, string>();
        for (let i = 0; i < tokens.length && i + from < words.length; i++) {
          if (!matchToken(tokens[i]!, words[i + from]!, values)) return null;
        }
        return interpret(values, count);
      };
      // A console or docker copy keeps Swift's `proxy-server: ` prefix.
      return attempt(0) ?? (words[0]?.endsWith(":") ? attempt(1) : null);
    },
  };
  return { parser, problems };
}

/** Space-separated words, or null when there are more than `limit` (not this template's line). */
function splitOnSpaces(text: string, limit: number): string[] | null {
  const words: string[] = [];
  let position = 0;
  const length = text.length;
  while (position < length) {
    while (position < length && text.charCodeAt(position) === 0x20) position++;
    if (position >= length) break;
    let end = text.indexOf(" ", position);
    if (end === -1) end = length;
    words.push(text.slice(position, end));
    if (words.length > limit) return null;
    position = end;
  }
  return words;
}

function dash(value: string | undefined): string | null {
  return value === undefined || value === "-" || value === "" ? null : value;
}

function interpret(values: Map<string, string>, fieldCount: number): ProxyAccessLine | null {
  const statusText = dash(values.get("status_int")) ?? dash(values.get("wire_status_int"));
  if (statusText === null || !/^[1-5]\d\d$/u.test(statusText)) return null;
  const method = dash(values.get("method"));
  if (method !== null && !/^[A-Z][A-Z_-]{0,19}$/u.test(method)) return null;
  const requestTimeText = dash(values.get("request_time"));
  const requestTime = requestTimeText !== null && /^\d{1,9}(?:\.\d{1,12})?$/u.test(requestTimeText) ? Number(requestTimeText) : null;
  const time = requestEndTime(values, requestTime);
  if (time === undefined) return null;
  return {
    status: Number(statusText),
    method,
    path: dash(values.get("path")),
    protocol: dash(values.get("protocol")),
    clientIp: dash(values.get("client_ip")),
    remoteAddr: dash(values.get("remote_addr")),
    txnId: dash(values.get("transaction_id")),
    source: dash(values.get("source")),
    requestTime,
    time,
    userAgent: dash(values.get("user_agent")),
    policyIndex: dash(values.get("policy_index")),
    fieldCount,
  };
}

/**
 * The request's end time from whichever timestamp fields the template has. Undefined when a
 * timestamp field is present but unreadable (then this is not an access line of this template).
 */
function requestEndTime(values: Map<string, string>, requestTime: number | null): number | null | undefined {
  // Every time field must read (else this is not this template's line); the most precise wins:
  // raw epoch floats, then the second-resolution renderings. Single strftime directives
  // (`{end_time.H}`) are parts of a time and are not used.
  let best: number | null = null;
  for (const base of ["end_time", "start_time"] as const) {
    for (const transformer of TIME_TRANSFORMERS) {
      const key = transformer ? `${base}.${transformer}` : base;
      const value = dash(values.get(key));
      if (value === null) continue;
      const parsed = parseTimestampField(transformer, value);
      if (parsed === null) return undefined;
      if (best === null) best = base === "start_time" && requestTime !== null ? parsed + requestTime * 1000 : parsed;
    }
  }
  return best;
}

const TIME_TRANSFORMERS = ["", "ns", "us", "ms", "s", "iso8601", "datetime", "asctime"] as const;

function parseTimestampField(transformer: (typeof TIME_TRANSFORMERS)[number], value: string): number | null {
  switch (transformer) {
    case "":
    case "s":
      return /^\d{1,12}(?:\.\d{1,12})?$/u.test(value) ? Number(value) * 1000 : null;
    case "ms":
      return /^\d{1,15}(?:\.\d{1,12})?$/u.test(value) ? Number(value) : null;
    case "us":
      return /^\d{1,18}$/u.test(value) ? Number(value) / 1000 : null;
    case "ns":
      return /^\d{1,21}$/u.test(value) ? Number(value) / 1e6 : null;
    case "datetime":
      return parseSwiftDatetime(value);
    case "iso8601":
      return parseIsoTime(safeDecode(value))?.timestamp ?? null;
    case "asctime":
      return parseAsctime(safeDecode(value));
  }
}

/** `%d/%b/%Y/%H/%M/%S` in UTC (swift/common/utils `StrFormatTime.datetime`). */
export function parseSwiftDatetime(value: string): number | null {
  const parts = value.split("/");
  if (parts.length !== 6) return null;
  const [day, monthName, year, hour, minute, second] = parts as [string, string, string, string, string, string];
  const month = MONTHS[monthName];
  if (month === undefined) return null;
  for (const part of [day, year, hour, minute, second]) if (!/^\d{1,4}$/u.test(part)) return null;
  return utcMillis(+year, month, +day, +hour, +minute, +second);
}

const ASCTIME = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/u;

function parseAsctime(value: string): number | null {
  const match = ASCTIME.exec(value);
  if (!match) return null;
  const month = MONTHS[match[1]!];
  if (month === undefined) return null;
  return utcMillis(+match[6]!, month, +match[2]!, +match[3]!, +match[4]!, +match[5]!);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export const DEFAULT_ACCESS_LOG_PARSER: AccessLogParser = compileAccessLogTemplate(DEFAULT_LOG_MSG_TEMPLATE).parser;
