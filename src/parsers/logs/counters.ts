import type { Diagnostic } from "../../model/diagnostic.js";
import type { SourceLocation } from "../../model/source.js";
import { spanOnLine } from "../../model/source.js";

/**
 * Counter dumps: small command outputs, read whole (the caller loads them with the config-file
 * reader). Every value is located on its line so a finding can point at `rejected_connections 12`.
 *
 * - memcached `stats` / `stats settings`: raw protocol lines (`STAT curr_connections 12`) or
 *   `memcached-tool <addr> stats|settings` tables as sosreport stores them
 *   (`#127.0.0.1:11211   Field       Value` then `%24s %12s` rows; memcached scripts/memcached-tool).
 * - `netstat -s` (net-tools): `TcpExt:` sections with sentences; the two that matter are mapped
 *   to their kernel names (`N times the listen queue of a socket overflowed` → ListenOverflows,
 *   `N SYNs to LISTEN sockets dropped` → ListenDrops).
 * - `nstat -zas`: `TcpExtListenOverflows   12   0.0`.
 * - `/proc/net/netstat` (and `/proc/net/snmp`): header/value line pairs per `Prefix:`.
 *
 * Kernel counters are named as nstat names them (`TcpExtListenOverflows`) whatever the source.
 */
export type CounterSourceKind = "memcached-stats" | "memcached-settings" | "netstat-statistics" | "nstat" | "proc-net-netstat";

export interface Counter {
  readonly name: string;
  /** The value as written. */
  readonly value: string;
  /** The value as a number when it is one (`1.6.18` is not). */
  readonly numeric: number | null;
  /** The value's span. */
  readonly location: SourceLocation;
}

export interface CounterSet {
  readonly file: string;
  readonly kind: CounterSourceKind;
  /** memcached-tool's header names the server it asked (`127.0.0.1:11211`). */
  readonly server?: string;
  readonly counters: Counter[];
  readonly diagnostics: Diagnostic[];
}

/** The last counter of that name (a repeated dump: the latest wins), or undefined. */
export function counterValue(set: CounterSet, name: string): Counter | undefined {
  for (let i = set.counters.length - 1; i >= 0; i--) if (set.counters[i]!.name === name) return set.counters[i];
  return undefined;
}

function numeric(value: string): number | null {
  return /^-?\d{1,20}(?:\.\d{1,20})?$/u.test(value) ? Number(value) : null;
}

function lines(text: string): string[] {
  return text.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
}

function counter(file: string, lineNumber: number, line: string, name: string, value: string, from: number): Counter {
  const column = line.indexOf(value, from) + 1;
  return { name, value, numeric: numeric(value), location: spanOnLine(file, lineNumber, Math.max(column, 1), value.length) };
}

const SETTINGS_KEYS = new Set(["maxconns", "tcp_backlog", "growth_factor", "maxconns_fast", "item_size_max", "chunk_size"]);

/** memcached `stats` or `stats settings`, raw or as a memcached-tool table. */
export function parseMemcachedStats(file: string, text: string, kind?: "memcached-stats" | "memcached-settings"): CounterSet {
  const counters: Counter[] = [];
  const diagnostics: Diagnostic[] = [];
  let server: string | undefined;
  const all = lines(text);
  for (let index = 0; index < all.length; index++) {
    const line = all[index]!;
    const lineNumber = index + 1;
    const trimmed = line.trim();
    if (trimmed.length === 0 || trimmed === "END") continue;
    if (trimmed.startsWith("#")) {
      // memcached-tool header: `#127.0.0.1:11211   Field       Value`.
      const address = trimmed.slice(1).split(/\s+/u)[0];
      if (address && (trimmed.endsWith(" Value") || trimmed.endsWith(" Count"))) server = address;
      continue;
    }
    let body = trimmed;
    let offset = line.indexOf(trimmed);
    if (body.startsWith("STAT ")) {
      body = body.slice(5);
      offset += 5;
    }
    const space = body.search(/\s/u);
    if (space <= 0) {
      diagnostics.push({ severity: "note", code: "memcached-stats-syntax", message: `line ${lineNumber} is not a "name value" pair; ignored`, file, line: lineNumber });
      continue;
    }
    const name = body.slice(0, space);
    const value = body.slice(space).trim();
    if (value.length === 0) {
      diagnostics.push({ severity: "note", code: "memcached-stats-syntax", message: `line ${lineNumber} has no value; ignored`, file, line: lineNumber });
      continue;
    }
    counters.push(counter(file, lineNumber, line, name, value, offset + space));
  }
  const detected = kind ?? (counters.some((c) => SETTINGS_KEYS.has(c.name)) ? "memcached-settings" : "memcached-stats");
  return { file, kind: detected, ...(server ? { server } : {}), counters, diagnostics };
}

/** net-tools statistics.c sentences → kernel counter names (older releases said "ignored"). */
const NETSTAT_SENTENCES: readonly (readonly [string, string])[] = [
  ["times the listen queue of a socket overflowed", "TcpExtListenOverflows"],
  ["SYNs to LISTEN sockets dropped", "TcpExtListenDrops"],
  ["SYNs to LISTEN sockets ignored", "TcpExtListenDrops"],
  ["SYN cookies sent", "TcpExtSyncookiesSent"],
];

/** `netstat -s`. Sentences are kept as `Section: sentence` names; known ones also get kernel names. */
export function parseNetstatStatistics(file: string, text: string): CounterSet {
  const counters: Counter[] = [];
  let section = "";
  const all = lines(text);
  for (let index = 0; index < all.length; index++) {
    const line = all[index]!;
    const lineNumber = index + 1;
    if (line.trim().length === 0) continue;
    if (!line.startsWith(" ") && !line.startsWith("\t")) {
      if (line.trimEnd().endsWith(":")) section = line.trim().slice(0, -1);
      continue;
    }
    const trimmed = line.trim();
    // `    TCPBacklogDrop: 12` (netstat prints fields it has no sentence for by name).
    const named = /^([A-Za-z][A-Za-z0-9]{0,63}): (\d{1,20})$/u.exec(trimmed);
    if (named) {
      counters.push(counter(file, lineNumber, line, `${section}${named[1]}`, named[2]!, line.indexOf(":")));
      continue;
    }
    const leading = /^(\d{1,20}) (.{1,200})$/u.exec(trimmed);
    if (leading) {
      const sentence = leading[2]!;
      const value = leading[1]!;
      const known = NETSTAT_SENTENCES.find(([phrase]) => sentence === phrase);
      counters.push(counter(file, lineNumber, line, known ? known[1] : `${section}: ${sentence}`, value, 0));
    }
  }
  return { file, kind: "netstat-statistics", counters, diagnostics: [] };
}

/** `nstat -zas` / `nstat -az`: `Name value rate`, `#kernel` header. */
export function parseNstat(file: string, text: string): CounterSet {
  const counters: Counter[] = [];
  const all = lines(text);
  for (let index = 0; index < all.length; index++) {
    const line = all[index]!;
    const match = /^([A-Za-z][A-Za-z0-9_]{0,127})\s{1,64}(\d{1,20})(?:\s|$)/u.exec(line);
    if (match) counters.push(counter(file, index + 1, line, match[1]!, match[2]!, match[1]!.length));
  }
  return { file, kind: "nstat", counters, diagnostics: [] };
}

/** `/proc/net/netstat` or `/proc/net/snmp`: `TcpExt: A B C` followed by `TcpExt: 1 2 3`. */
export function parseProcNetNetstat(file: string, text: string): CounterSet {
  const counters: Counter[] = [];
  const diagnostics: Diagnostic[] = [];
  const all = lines(text);
  for (let index = 0; index + 1 < all.length; index++) {
    const header = all[index]!;
    const values = all[index + 1]!;
    const colon = header.indexOf(":");
    if (colon <= 0) continue;
    const prefix = header.slice(0, colon);
    if (!values.startsWith(`${prefix}:`)) continue;
    const names = header.slice(colon + 1).trim().split(/\s+/u);
    if (names.some((name) => /^\d/u.test(name))) continue;
    const numbers = values.slice(colon + 1).trim().split(/\s+/u);
    if (names.length !== numbers.length) {
      diagnostics.push({ severity: "warning", code: "proc-net-netstat-syntax", message: `${prefix}: ${names.length} names but ${numbers.length} values`, file, line: index + 2 });
    }
    let from = colon + 1;
    for (let i = 0; i < Math.min(names.length, numbers.length); i++) {
      const value = numbers[i]!;
      const found = counter(file, index + 2, values, `${prefix}${names[i]!}`, value, from);
      counters.push(found);
      from = found.location.column - 1 + value.length;
    }
    index++;
  }
  return { file, kind: "proc-net-netstat", counters, diagnostics };
}

/** Which counter dump a file is, from its sosreport-mangled path and its content. */
export function sniffCounterKind(displayPath: string, text: string): CounterSourceKind | null {
  const base = displayPath.slice(displayPath.lastIndexOf("/") + 1);
  if (/memcached-tool.*_settings$/u.test(base)) return "memcached-settings";
  if (/memcached-tool.*_stats$/u.test(base)) return "memcached-stats";
  if (/^netstat_.*-s$|^netstat_-s/u.test(base) || base === "netstat-s") return "netstat-statistics";
  if (/^nstat/u.test(base)) return "nstat";
  if (base === "netstat" && displayPath.includes("proc/net")) return "proc-net-netstat";
  const head = text.slice(0, 4096);
  if (/^(?:STAT \S+ |#\S+\s+Field\s+Value)/mu.test(head)) {
    return /(?:^|\s)(?:maxconns|tcp_backlog|growth_factor)\s/mu.test(text) ? "memcached-settings" : "memcached-stats";
  }
  if (/^TcpExt: [A-Za-z]/mu.test(head)) return "proc-net-netstat";
  if (/^#kernel$/mu.test(head)) return "nstat";
  if (/^(?:Ip|Tcp|TcpExt|Udp):$/mu.test(head)) return "netstat-statistics";
  return null;
}

/** Parses a counter dump of the given (or sniffed) kind; null when it is none of them. */
export function parseCounterFile(file: string, text: string, kind?: CounterSourceKind): CounterSet | null {
  const resolved = kind ?? sniffCounterKind(file, text);
  switch (resolved) {
    case "memcached-stats":
    case "memcached-settings":
      return parseMemcachedStats(file, text, resolved);
    case "netstat-statistics":
      return parseNetstatStatistics(file, text);
    case "nstat":
      return parseNstat(file, text);
    case "proc-net-netstat":
      return parseProcNetNetstat(file, text);
    case null:
    case undefined:
      return null;
  }
}
