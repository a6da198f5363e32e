import type { ServerEntry } from "./deployment.js";
import type { SourceLocation } from "./source.js";
import { redactUrlUserinfo } from "../redact.js";

/**
 * How each client library reads one entry of its server list.
 *
 * - `swift`: `swift.common.utils.ipaddrs.parse_socket_string` — `host[:port]`, IPv6 only as
 *   `[addr]` or `[addr]:port`; an unbracketed IPv6 or `inet6:` prefix raises
 *   `ValueError("IPv6 addresses must be between '[]'")` and the proxy does not start.
 * - `python-memcached`: keystonemiddleware's pool and oslo.cache's `memcache_pool` /
 *   `dogpile.cache.memcached` — `host:port`, `inet6:[addr]:port`, `unix:/path`; an IPv6 address
 *   without `inet6:` is not parsed as IPv6 (oslo.cache `memcache_servers` help text).
 * - `other`: pymemcache and the rest — only the generic checks.
 */
export type ServerSyntax = "swift" | "python-memcached" | "other";

export const DEFAULT_MEMCACHED_PORT = 11211;

/** An entry whose text is a template expression (Jinja, ERB, Helm): its value is unknown. */
export function isTemplated(text: string): boolean {
  return /\{\{|\{%|<%|\$\{|\$\(/u.test(text);
}

export function parseServerEntry(raw: string, syntax: ServerSyntax, location: SourceLocation | null): ServerEntry {
  // `user:password@host:port` is no valid entry for any client, but its password must not
  // reach the model (messages quote the entry).
  const entry = redactUrlUserinfo(raw.trim());
  const base = { raw: entry, location };
  if (entry === "") return { ...base, host: null, port: null, family: "invalid", problem: "an empty entry (a stray comma)" };
  if (isTemplated(entry)) return { ...base, host: null, port: null, family: "hostname" };
  if (/\s/u.test(entry)) {
    const hint = entry.includes("#") || entry.includes(";") ? " — INI files have no inline comments, so the comment is part of the value" : "";
    return { ...base, host: null, port: null, family: "invalid", problem: `'${entry}' contains white space${hint}` };
  }

  let rest = entry;
  let prefix: "inet6" | "unix" | "inet" | null = null;
  const proto = /^(inet6|unix|inet):/u.exec(rest);
  if (proto) {
    prefix = proto[1] as "inet6" | "unix" | "inet";
    rest = rest.slice(proto[0].length);
  }
  if (prefix === "unix") {
    const problem = syntax === "swift" ? "Swift cannot use a 'unix:' entry: it only connects over TCP" : undefined;
    return { ...base, host: rest, port: null, family: "unix", ...(problem ? { problem } : {}) };
  }

  let host: string;
  let portText: string | null = null;
  let bracketed = false;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0) return { ...base, host: null, port: null, family: "invalid", problem: `'${entry}' has '[' without a closing ']'` };
    host = rest.slice(1, close);
    bracketed = true;
    const after = rest.slice(close + 1);
    if (after !== "") {
      if (!after.startsWith(":")) return { ...base, host: null, port: null, family: "invalid", problem: `'${entry}' has text after ']' that is not ':port'` };
      portText = after.slice(1);
    }
  } else {
    const colons = rest.split(":").length - 1;
    if (colons > 1) {
      // Unbracketed IPv6 (or garbage): the last group may or may not be a port.
      host = rest;
      const family = looksLikeIpv6(rest) ? "ipv6" : "invalid";
      // Only an address that parses as IPv6 is called one: `user:password@host:port` (credentials
      // memcached has no syntax for) or other text with several colons is named for what it is.
      const what =
        family === "ipv6"
          ? null
          : rest.includes("@")
            ? `'${entry}' looks like credentials (user:password@host:port), which memcached server lists cannot carry`
            : `'${entry}' has more than one ':' outside brackets`;
      const swiftReads = `Swift splits it at ':' and refuses to start ("IPv6 addresses must be between '[]'")`;
      const problem = what !== null
        ? syntax === "swift"
          ? `${what}; ${swiftReads}: write host:port`
          : `${what}: write host:port`
        : syntax === "swift"
          ? `'${entry}' is an IPv6 address without brackets; Swift refuses to start ("IPv6 addresses must be between '[]'"): write [addr]:port`
          : syntax === "python-memcached"
            ? `'${entry}' is an IPv6 address without 'inet6:[…]'; python-memcached cannot parse it: write inet6:[addr]:port`
            : `'${entry}' is an IPv6 address without brackets, so its port cannot be told apart: write [addr]:port`;
      return { ...base, host, port: null, family, problem };
    }
    const colon = rest.indexOf(":");
    host = colon < 0 ? rest : rest.slice(0, colon);
    portText = colon < 0 ? null : rest.slice(colon + 1);
  }

  let port: number | null = DEFAULT_MEMCACHED_PORT;
  if (portText !== null) {
    if (isTemplated(portText)) port = null;
    else if (!/^\d{1,6}$/u.test(portText)) return { ...base, host, port: null, family: "invalid", problem: `'${portText}' in '${entry}' is not a port number` };
    else {
      port = Number(portText);
      if (port < 1 || port > 65535) return { ...base, host, port, family: "invalid", problem: `port ${port} in '${entry}' is outside 1–65535` };
    }
  } else if (syntax === "python-memcached") {
    // python-memcached also defaults to 11211 when the port is omitted.
    port = DEFAULT_MEMCACHED_PORT;
  }

  const family = bracketed || looksLikeIpv6(host) ? "ipv6" : /^\d{1,3}(\.\d{1,3}){3}$/u.test(host) ? "ipv4" : "hostname";
  if (host === "") return { ...base, host: null, port, family: "invalid", problem: `'${entry}' has no host` };
  if (family === "ipv4" && host.split(".").some((octet) => Number(octet) > 255)) {
    return { ...base, host, port, family: "invalid", problem: `'${host}' is not a valid IPv4 address` };
  }
  if (family === "ipv6") {
    if (syntax === "swift" && prefix === "inet6") {
      return { ...base, host, port, family, problem: `Swift does not accept the 'inet6:' prefix in '${entry}' and refuses to start ("IPv6 addresses must be between '[]'"): write [${host}]:${port ?? DEFAULT_MEMCACHED_PORT}` };
    }
    if (syntax === "python-memcached" && prefix !== "inet6") {
      return { ...base, host, port, family, problem: `'${entry}' is IPv6 without the 'inet6:' prefix; python-memcached cannot parse it: write inet6:[${host}]:${port ?? DEFAULT_MEMCACHED_PORT}` };
    }
  }
  return { ...base, host, port, family };
}

function looksLikeIpv6(text: string): boolean {
  return /^[0-9A-Fa-f:.]+(%[\w.-]+)?$/u.test(text) && text.includes(":");
}

/**
 * Splits a comma-separated server list into entries with the offset of each inside the value,
 * so that each entry can point at its own columns.
 */
export function splitServerList(value: string): { text: string; offset: number }[] {
  const parts: { text: string; offset: number }[] = [];
  let offset = 0;
  for (const piece of value.split(",")) {
    const leading = piece.length - piece.trimStart().length;
    parts.push({ text: piece.trim(), offset: offset + leading });
    offset += piece.length + 1;
  }
  return parts;
}

/** A normalized `host:port` key for comparing server lists across clients. */
export function serverKey(entry: ServerEntry): string {
  const host = (entry.host ?? entry.raw).toLowerCase();
  if (entry.family === "unix") return `unix:${host}`;
  const port = entry.port ?? DEFAULT_MEMCACHED_PORT;
  return entry.family === "ipv6" ? `[${host}]:${port}` : `${host}:${port}`;
}

const LOOPBACK_NAMES = new Set(["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"]);

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return LOOPBACK_NAMES.has(h) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/u.test(h) || h === "::1" || h === "0:0:0:0:0:0:0:1";
}
