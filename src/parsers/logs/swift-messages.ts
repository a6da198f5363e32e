/**
 * Swift's memcache client messages (swift/common/memcached.py), both shapes:
 *
 * - ≤ 2.31: `Timeout %(action)s to memcached: %(server)s`,
 *   `Error %(action)s to memcached: %(server)s: %(err)s`, and `… %(server)s` + `#012Traceback…`
 * - ≥ 2.32: `… %(server)s: with key_prefix %(key_prefix)s, method %(method)s[, config_timeout
 *   %(config_timeout)s][, time_spent %(time_spent)s][, %(err)s]`, and since 2.33
 *   `Error connecting to memcached: ALL: with key_prefix …, method …: No more memcached servers to try`
 * - `Error setting value in memcached: %(server)s: %(msg)s`, `Error limiting server %s`,
 *   `All memcached servers error-limited` (what 2.30.1 prints; REFERENCE-openstack.md §1.5a).
 *
 * SwiftLogFormatter (swift/common/utils/logs.py) turns newlines into `#012`, appends the
 * traceback after `#012`, then ` (txn: <id>)` and, for non-INFO records, ` (client_ip: <ip>)`.
 *
 * Parsed with indexOf/slice and fixed prefixes only: no regular expression, so no backtracking.
 */

export type MemcacheAction = "connecting" | "getting a connection" | "talking";

export interface MemcacheServerRef {
  /** As printed (`192.0.2.11:11211`, `[2001:db8::1]:11211`, `memcache-01.lab.invalid:11211`). */
  readonly raw: string;
  readonly host: string;
  readonly port: number | null;
}

/** What memcached answered, or how the exchange broke, when the error text says so. */
export type MemcachedReply = "too-many-connections" | "out-of-memory" | "object-too-large" | "incomplete-read";

export interface SwiftMemcacheError {
  readonly kind: "swift-memcache-error";
  readonly failure: "Timeout" | "Error";
  /** `setting a value`: the `Error setting value in memcached` line (a non-STORED reply). */
  readonly action: MemcacheAction | "setting a value";
  readonly server: MemcacheServerRef;
  readonly shape: "legacy" | "detailed" | "set-reply";
  readonly keyPrefix?: string;
  readonly method?: string;
  /** Seconds: connect_timeout, pool_timeout or io_timeout, by action. */
  readonly configTimeout?: number;
  readonly timeSpent?: number;
  /** The error text after the server (or the last traceback line). */
  readonly errorText?: string;
  readonly errno?: number;
  /** `ECONNREFUSED`, `ETIMEDOUT`, … from the errno number, the name printed, or Swift's wording. */
  readonly errnoName?: string;
  readonly reply?: MemcachedReply;
  readonly traceback?: boolean;
  readonly txnId?: string;
  readonly clientIp?: string;
}

export interface SwiftErrorLimited {
  readonly kind: "swift-memcache-error-limited";
  readonly server: MemcacheServerRef;
  readonly txnId?: string;
  readonly clientIp?: string;
}

export interface SwiftAllServersFailing {
  readonly kind: "swift-memcache-all-failing";
  /** `All memcached servers error-limited` (≤ 2.32) or `ALL: … No more memcached servers to try` (≥ 2.33). */
  readonly reason: "all-error-limited" | "no-more-servers";
  readonly action?: MemcacheAction;
  readonly keyPrefix?: string;
  readonly method?: string;
  readonly txnId?: string;
  readonly clientIp?: string;
}

export type SwiftMemcacheEvent = SwiftMemcacheError | SwiftErrorLimited | SwiftAllServersFailing;

const ERRNO_NAMES: Readonly<Record<number, string>> = {
  [-3]: "EAI_AGAIN",
  [-2]: "EAI_NONAME",
  [-5]: "EAI_NODATA",
  32: "EPIPE",
  101: "ENETUNREACH",
  104: "ECONNRESET",
  110: "ETIMEDOUT",
  111: "ECONNREFUSED",
  113: "EHOSTUNREACH",
};

/** Swift's LogAdapter.exception wording for common socket errors (swift/common/utils). */
const ERROR_WORDING: readonly (readonly [string, string])[] = [
  ["Connection refused", "ECONNREFUSED"],
  ["Connection reset", "ECONNRESET"],
  ["Host unreachable", "EHOSTUNREACH"],
  ["No route to host", "EHOSTUNREACH"],
  ["Network unreachable", "ENETUNREACH"],
  ["Network is unreachable", "ENETUNREACH"],
  ["Connection timeout", "ETIMEDOUT"],
  ["Connection timed out", "ETIMEDOUT"],
  ["Broken pipe", "EPIPE"],
  ["Name or service not known", "EAI_NONAME"],
  ["Temporary failure in name resolution", "EAI_AGAIN"],
];

const KNOWN_ERRNO_NAMES = new Set(Object.values(ERRNO_NAMES));

export interface SwiftSuffixes {
  readonly body: string;
  readonly txnId?: string;
  readonly clientIp?: string;
}

/** Splits off ` (txn: …)` and ` (client_ip: …)` (in that order at the end of the line). */
export function stripSwiftSuffixes(message: string): SwiftSuffixes {
  let body = message.trimEnd();
  let clientIp: string | undefined;
  let txnId: string | undefined;
  const clientValue = trailingParenthesised(body, " (client_ip: ");
  if (clientValue) {
    clientIp = clientValue.value;
    body = clientValue.before;
  }
  const txnValue = trailingParenthesised(body, " (txn: ");
  if (txnValue) {
    txnId = txnValue.value;
    body = txnValue.before;
  }
  return { body, ...(txnId ? { txnId } : {}), ...(clientIp ? { clientIp } : {}) };
}

function trailingParenthesised(text: string, opener: string): { before: string; value: string } | null {
  if (!text.endsWith(")")) return null;
  const at = text.lastIndexOf(opener);
  if (at === -1) return null;
  const value = text.slice(at + opener.length, -1);
  if (value.length === 0 || value.includes(" ") || value.includes(")")) return null;
  return { before: text.slice(0, at), value };
}

export function parseServerRef(raw: string): MemcacheServerRef {
  if (raw.startsWith("[")) {
    const close = raw.indexOf("]");
    if (close !== -1) {
      const host = raw.slice(1, close);
      const rest = raw.slice(close + 1);
      const port = rest.startsWith(":") && /^\d{1,5}$/u.test(rest.slice(1)) ? Number(rest.slice(1)) : null;
      return { raw, host, port };
    }
  }
  const colon = raw.lastIndexOf(":");
  if (colon > 0 && raw.indexOf(":") === colon && /^\d{1,5}$/u.test(raw.slice(colon + 1))) {
    return { raw, host: raw.slice(0, colon), port: Number(raw.slice(colon + 1)) };
  }
  return { raw, host: raw, port: null };
}

const MARKER = " to memcached: ";
const ACTIONS: readonly MemcacheAction[] = ["getting a connection", "connecting", "talking"];
const SET_MARKER = "Error setting value in memcached: ";
const LIMIT_MARKER = "Error limiting server ";
const ALL_LIMITED = "All memcached servers error-limited";
const NO_MORE = "No more memcached servers to try";

/** A Swift memcache client event in a message, or null. */
export function parseSwiftMemcacheMessage(message: string): SwiftMemcacheEvent | null {
  if (!message.includes("emcache")) {
    if (!message.includes(LIMIT_MARKER)) return null;
  }
  const { body, txnId, clientIp } = stripSwiftSuffixes(message);
  const ids = { ...(txnId ? { txnId } : {}), ...(clientIp ? { clientIp } : {}) };

  const marker = body.indexOf(MARKER);
  if (marker !== -1) {
    const parsed = parseActionLine(body, marker);
    if (parsed) return { ...parsed, ...ids };
  }
  const set = body.indexOf(SET_MARKER);
  if (set !== -1) {
    const { server, tail } = splitServer(body.slice(set + SET_MARKER.length));
    if (server) {
      const errorText = tail.startsWith(": ") ? tail.slice(2) : tail.startsWith(":") ? tail.slice(1).trim() : undefined;
      return {
        kind: "swift-memcache-error",
        failure: "Error",
        action: "setting a value",
        server: parseServerRef(server),
        shape: "set-reply",
        ...(errorText ? describeError(errorText) : {}),
        ...ids,
      };
    }
  }
  const limit = body.indexOf(LIMIT_MARKER);
  if (limit !== -1) {
    const { server } = splitServer(body.slice(limit + LIMIT_MARKER.length));
    if (server) return { kind: "swift-memcache-error-limited", server: parseServerRef(server), ...ids };
  }
  if (body.includes(ALL_LIMITED)) return { kind: "swift-memcache-all-failing", reason: "all-error-limited", ...ids };
  return null;
}

type ActionLine = Omit<SwiftMemcacheError, "txnId" | "clientIp"> | Omit<SwiftAllServersFailing, "txnId" | "clientIp">;

function parseActionLine(body: string, marker: number): ActionLine | null {
  const before = body.slice(0, marker);
  let action: MemcacheAction | undefined;
  let failure: "Timeout" | "Error" | undefined;
  for (const candidate of ACTIONS) {
    for (const kind of ["Timeout", "Error"] as const) {
      const phrase = `${kind} ${candidate}`;
      if (!before.endsWith(phrase)) continue;
      const start = before.length - phrase.length;
      const previous = start === 0 ? " " : before[start - 1]!;
      if (previous === " " || previous === ":" || previous === "\t") {
        action = candidate;
        failure = kind;
      }
    }
    if (action) break;
  }
  if (!action || !failure) return null;
  const { server, tail } = splitServer(body.slice(marker + MARKER.length));
  if (!server) return null;

  let rest = tail;
  let shape: "legacy" | "detailed" = "legacy";
  let keyPrefix: string | undefined;
  let method: string | undefined;
  let configTimeout: number | undefined;
  let timeSpent: number | undefined;
  if (rest.startsWith(": with key_prefix ")) {
    shape = "detailed";
    rest = rest.slice(": with key_prefix ".length);
    const methodAt = rest.indexOf(", method ");
    if (methodAt === -1) {
      keyPrefix = rest;
      rest = "";
    } else {
      keyPrefix = rest.slice(0, methodAt);
      rest = rest.slice(methodAt + ", method ".length);
      let end = 0;
      while (end < rest.length && isWordChar(rest.charCodeAt(end))) end++;
      method = rest.slice(0, end);
      rest = rest.slice(end);
    }
    if (rest.startsWith(", config_timeout ")) {
      const number = leadingNumber(rest.slice(", config_timeout ".length));
      configTimeout = number.value;
      rest = number.rest;
    }
    if (rest.startsWith(", time_spent ")) {
      const number = leadingNumber(rest.slice(", time_spent ".length));
      timeSpent = number.value;
      rest = number.rest;
    }
    if (rest.startsWith(", ")) rest = `: ${rest.slice(2)}`;
  }
  let errorText: string | undefined;
  let traceback = false;
  if (rest.startsWith(": ")) errorText = rest.slice(2);
  else if (rest.startsWith("#012")) errorText = rest;
  if (errorText !== undefined && errorText.includes("#012")) {
    traceback = errorText.includes("Traceback");
    const lines = errorText.split("#012").map((line) => line.trim()).filter((line) => line.length > 0);
    const head = errorText.startsWith("#012") ? undefined : lines[0];
    errorText = traceback ? lines[lines.length - 1] : head;
  }

  if (server === "ALL" || errorText === NO_MORE) {
    return {
      kind: "swift-memcache-all-failing",
      reason: "no-more-servers",
      action,
      ...(keyPrefix !== undefined ? { keyPrefix } : {}),
      ...(method ? { method } : {}),
    };
  }
  return {
    kind: "swift-memcache-error",
    failure,
    action,
    server: parseServerRef(server),
    shape,
    ...(keyPrefix !== undefined ? { keyPrefix } : {}),
    ...(method ? { method } : {}),
    ...(configTimeout !== undefined ? { configTimeout } : {}),
    ...(timeSpent !== undefined ? { timeSpent } : {}),
    ...(errorText ? describeError(errorText) : {}),
    ...(traceback ? { traceback } : {}),
  };
}

/** The server token (no spaces; a trailing `:` and any `#012…` belong to what follows). */
function splitServer(text: string): { server: string | null; tail: string } {
  let end = text.indexOf(" ");
  if (end === -1) end = text.length;
  let token = text.slice(0, end);
  let tail = text.slice(end);
  const hash = token.indexOf("#012");
  if (hash !== -1) {
    tail = token.slice(hash) + tail;
    token = token.slice(0, hash);
  }
  if (token.endsWith(":")) {
    token = token.slice(0, -1);
    tail = `:${tail}`;
  }
  return { server: token.length > 0 ? token : null, tail };
}

function isWordChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
}

function leadingNumber(text: string): { value: number | undefined; rest: string } {
  let end = 0;
  while (end < text.length) {
    const code = text.charCodeAt(end);
    const numeric = (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x65 || code === 0x45 || code === 0x2d || code === 0x2b;
    if (!numeric) break;
    end++;
  }
  const value = Number(text.slice(0, end));
  return { value: end > 0 && Number.isFinite(value) ? value : undefined, rest: text.slice(end) };
}

/** errno, its name and memcached's reply from an error text. */
export function describeError(errorText: string): Pick<SwiftMemcacheError, "errorText" | "errno" | "errnoName" | "reply"> {
  let errno: number | undefined;
  const errnoAt = errorText.indexOf("[Errno ");
  if (errnoAt !== -1) {
    const number = leadingNumber(errorText.slice(errnoAt + "[Errno ".length));
    if (number.value !== undefined && Number.isInteger(number.value)) errno = number.value;
  }
  let errnoName = errno !== undefined ? ERRNO_NAMES[errno] : undefined;
  if (!errnoName) {
    for (const name of KNOWN_ERRNO_NAMES) if (errorText.includes(name)) errnoName = name;
  }
  if (!errnoName) {
    for (const [wording, name] of ERROR_WORDING) if (errorText.includes(wording)) errnoName = name;
  }
  let reply: MemcachedReply | undefined;
  if (errorText.includes("Too many open connections")) reply = "too-many-connections";
  else if (errorText.includes("out of memory")) reply = "out-of-memory";
  else if (errorText.includes("object too large for cache")) reply = "object-too-large";
  else if (errorText.includes("incomplete read")) reply = "incomplete-read";
  return {
    errorText,
    ...(errno !== undefined ? { errno } : {}),
    ...(errnoName ? { errnoName } : {}),
    ...(reply ? { reply } : {}),
  };
}
