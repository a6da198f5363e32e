import type { Diagnostic } from "../model/diagnostic.js";
import type { SourceLocation } from "../model/source.js";
import { spanOnLine } from "../model/source.js";

/**
 * Observed sockets from `ss` and `netstat` captures.
 *
 * ss (iproute2 misc/ss.c): rows `[Netid] State Recv-Q Send-Q Local:Port Peer:Port [Process]`; the
 * Netid column appears when several protocols are listed (`ss -peaonmi` as sosreport stores it,
 * where `-m`/`-i` details follow on tab-indented continuation lines). Addresses come from
 * inet_addr_print(): IPv4 as is, IPv6 bracketed (`[::1]`), `*` for an in6addr_any socket that is
 * not v6only (dual stack; older ss also printed `*` for 0.0.0.0 and unbracketed `:::11211`),
 * `%iface` after the address of a socket bound to a device (`127.0.0.53%lo:53`). Processes are
 * `users:(("memcached",pid=1234,fd=26))` (older: `("memcached",1234,26)`).
 * For LISTEN sockets Send-Q is the accept backlog in force, min(backlog, somaxconn)
 * (tcp_diag: idiag_wqueue = sk_max_ack_backlog) and Recv-Q the current accept queue.
 *
 * netstat (net-tools): `Proto Recv-Q Send-Q Local Foreign State [User Inode] [PID/Program] [Timer]`;
 * tcp6 rows print `:::22`, `::1:323`; UDP rows have an empty State. netstat reads /proc/net/tcp,
 * where a listener's Send-Q is always 0: it says nothing about the backlog.
 */
export type SocketTool = "ss" | "netstat";
export type SocketProtocol = "tcp" | "udp";

export interface SocketEndpoint {
  /** As printed. */
  readonly raw: string;
  /** The address without brackets or `%iface`; null for a wildcard. */
  readonly address: string | null;
  readonly port: number | null;
  readonly wildcard: boolean;
  /** `any`: ss's `*` (an IPv6 socket accepting IPv4 too, or an old ss's 0.0.0.0). */
  readonly family: "ipv4" | "ipv6" | "any" | "unknown";
  /** `%iface` scope or SO_BINDTODEVICE interface. */
  readonly interface: string | null;
  /** The IPv4 address of an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`). */
  readonly mappedIpv4: string | null;
}

export interface SocketProcess {
  readonly name: string;
  readonly pid: number;
  readonly fd: number | null;
}

export interface ListeningSocket {
  readonly protocol: SocketProtocol;
  readonly local: SocketEndpoint;
  /** For LISTEN: connections waiting in the accept queue. null when the capture hides queues (`ss -Q`). */
  readonly recvQ: number | null;
  readonly sendQ: number | null;
  /** ss on a TCP LISTEN socket: the accept backlog in force (Send-Q). null otherwise. */
  readonly acceptBacklog: number | null;
  readonly processes: SocketProcess[];
  /** ss -e: `v6only:1` / `v6only:0` when shown. */
  readonly v6only: boolean | null;
  readonly location: SourceLocation;
  readonly localLocation: SourceLocation;
}

export interface SocketConnection {
  readonly protocol: SocketProtocol;
  /** Normalized: ESTABLISHED, TIME_WAIT, CLOSE_WAIT, SYN_SENT, SYN_RECV, FIN_WAIT1, … */
  readonly state: string;
  readonly local: SocketEndpoint;
  readonly peer: SocketEndpoint;
  readonly recvQ: number | null;
  readonly sendQ: number | null;
  readonly processes: SocketProcess[];
  readonly location: SourceLocation;
}

export interface SocketTable {
  readonly file: string;
  readonly tool: SocketTool | null;
  readonly listening: ListeningSocket[];
  /** Non-listening TCP sockets (ESTABLISHED and the other connection states). */
  readonly connections: SocketConnection[];
  readonly diagnostics: Diagnostic[];
}

interface Token {
  readonly text: string;
  readonly start: number;
}

/** Whitespace split with offsets, no regular expression. */
function tokens(line: string): Token[] {
  const out: Token[] = [];
  let k = 0;
  while (k < line.length) {
    while (k < line.length && (line[k] === " " || line[k] === "\t")) k++;
    if (k >= line.length) break;
    const start = k;
    while (k < line.length && line[k] !== " " && line[k] !== "\t") k++;
    out.push({ text: line.slice(start, k), start });
  }
  return out;
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\n|\r/u);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

const SS_STATES: Record<string, string> = {
  LISTEN: "LISTEN",
  ESTAB: "ESTABLISHED",
  "SYN-SENT": "SYN_SENT",
  "SYN-RECV": "SYN_RECV",
  "FIN-WAIT-1": "FIN_WAIT1",
  "FIN-WAIT-2": "FIN_WAIT2",
  "TIME-WAIT": "TIME_WAIT",
  UNCONN: "UNCONN",
  "CLOSE-WAIT": "CLOSE_WAIT",
  "LAST-ACK": "LAST_ACK",
  CLOSING: "CLOSING",
  CLOSED: "CLOSE",
  UNKNOWN: "UNKNOWN",
};

const NETSTAT_STATES = new Set([
  "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "UNKNOWN",
]);

/** Detects the tool from the header or the first data row. */
export function detectSocketTool(text: string): SocketTool | null {
  for (const line of splitLines(text).slice(0, 20)) {
    const first = tokens(line)[0]?.text;
    if (!first) continue;
    if (first === "Netid" || first === "State") return "ss";
    if (first === "Active" || first === "Proto") return "netstat";
    if (/^(tcp|udp)6?$/u.test(first) && /^\d+$/u.test(tokens(line)[1]?.text ?? "")) return "netstat";
    if (SS_STATES[first] !== undefined || SS_STATES[tokens(line)[1]?.text ?? ""] !== undefined) return "ss";
  }
  return null;
}

/** Parses an `ss` or `netstat` capture, whichever it is. */
export function parseSocketTable(file: string, text: string): SocketTable {
  const tool = detectSocketTool(text);
  if (tool === "netstat") return parseNetstat(file, text);
  if (tool === "ss") return parseSs(file, text);
  const empty = text.trim() === "";
  return {
    file,
    tool: null,
    listening: [],
    connections: [],
    diagnostics: empty ? [] : [{ severity: "warning", code: "sockets-unknown-format", message: "neither ss nor netstat output", file, line: 1, column: 1 }],
  };
}

const USERS_ENTRY = /\("((?:[^"\\]|\\.)*)",(?:pid=)?(\d+),(?:fd=)?(\d+)\)/gu;

function parseSsProcesses(rest: string): SocketProcess[] {
  const at = rest.indexOf("users:(");
  if (at < 0) return [];
  const out: SocketProcess[] = [];
  USERS_ENTRY.lastIndex = at;
  for (let m = USERS_ENTRY.exec(rest); m; m = USERS_ENTRY.exec(rest)) {
    out.push({ name: m[1]!, pid: Number(m[2]), fd: Number(m[3]) });
  }
  return out;
}

export function parseSs(file: string, text: string): SocketTable {
  const diagnostics: Diagnostic[] = [];
  const listening: ListeningSocket[] = [];
  const connections: SocketConnection[] = [];
  let hasNetid: boolean | null = null;
  let hasQueues = true;
  splitLines(text).forEach((line, index) => {
    const lineNumber = index + 1;
    if (line.trim() === "") return;
    if (line[0] === " " || line[0] === "\t") return; // -m/-i/-e continuation lines
    const row = tokens(line);
    const first = row[0]!.text;
    if (first === "Netid" || first === "State") {
      hasNetid = first === "Netid";
      hasQueues = line.includes("Recv-Q");
      return;
    }
    const withNetid = hasNetid ?? (SS_STATES[first] === undefined && SS_STATES[row[1]?.text ?? ""] !== undefined);
    const offset = withNetid ? 1 : 0;
    const netid = withNetid ? first : null;
    const stateToken = row[offset];
    const state = stateToken ? SS_STATES[stateToken.text] : undefined;
    if (state === undefined) {
      diagnostics.push({ severity: "note", code: "sockets-unreadable-row", message: "row does not start with an ss socket state", file, line: lineNumber, column: 1 });
      return;
    }
    let protocol: SocketProtocol | null;
    if (netid === null) protocol = state === "UNCONN" ? "udp" : "tcp";
    else protocol = netid === "tcp" ? "tcp" : netid === "udp" ? "udp" : null;
    if (protocol === null) return; // unix, netlink, raw, packet, …
    const queueColumns = hasQueues ? 2 : 0;
    const recvQ = hasQueues ? row[offset + 1] : undefined;
    const sendQ = hasQueues ? row[offset + 2] : undefined;
    const local = row[offset + 1 + queueColumns];
    const peer = row[offset + 2 + queueColumns];
    const queuesOk = !hasQueues || (recvQ !== undefined && sendQ !== undefined && /^\d+$/u.test(recvQ.text) && /^\d+$/u.test(sendQ.text));
    if (!local || !peer || !queuesOk) {
      diagnostics.push({ severity: "note", code: "sockets-unreadable-row", message: "row lacks Recv-Q, Send-Q or addresses", file, line: lineNumber, column: 1 });
      return;
    }
    const recv = recvQ ? Number(recvQ.text) : null;
    const send = sendQ ? Number(sendQ.text) : null;
    const localEndpoint = parseSsEndpoint(local.text);
    const peerEndpoint = parseSsEndpoint(peer.text);
    const rest = line.slice(peer.start + peer.text.length);
    const processes = parseSsProcesses(rest);
    const v6onlyMatch = /(?:^|\s)v6only:([01])(?:\s|$)/u.exec(rest);
    const location = spanOnLine(file, lineNumber, row[0]!.start + 1, line.trimEnd().length - row[0]!.start);
    const localLocation = spanOnLine(file, lineNumber, local.start + 1, local.text.length);
    if (state === "LISTEN" || (protocol === "udp" && state === "UNCONN")) {
      listening.push({
        protocol,
        local: localEndpoint,
        recvQ: recv,
        sendQ: send,
        acceptBacklog: protocol === "tcp" && state === "LISTEN" ? send : null,
        processes,
        v6only: v6onlyMatch ? v6onlyMatch[1] === "1" : null,
        location,
        localLocation,
      });
      return;
    }
    if (protocol !== "tcp") return;
    connections.push({ protocol, state, local: localEndpoint, peer: peerEndpoint, recvQ: recv, sendQ: send, processes, location });
  });
  return { file, tool: "ss", listening, connections, diagnostics };
}

/** `0.0.0.0:11211`, `[::1]:11211`, `*:11211`, `127.0.0.53%lo:53`, `[fe80::1]%eth0:22`, `:::22`. */
export function parseSsEndpoint(raw: string): SocketEndpoint {
  const colon = raw.lastIndexOf(":");
  if (colon < 0) return { raw, address: null, port: null, wildcard: raw === "*", family: raw === "*" ? "any" : "unknown", interface: null, mappedIpv4: null };
  const portText = raw.slice(colon + 1);
  const port = /^\d+$/u.test(portText) ? Number(portText) : null;
  let host = raw.slice(0, colon);
  let iface: string | null = null;
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    const inner = close >= 0 ? host.slice(1, close) : host.slice(1);
    const after = close >= 0 ? host.slice(close + 1) : "";
    if (after.startsWith("%")) iface = after.slice(1);
    host = inner;
  }
  const percent = host.indexOf("%");
  if (percent >= 0) {
    iface = iface ?? host.slice(percent + 1);
    host = host.slice(0, percent);
  }
  return endpoint(raw, host, port, iface);
}

/** netstat prints `addr:port` with the last colon separating (`:::22`, `::1:323`, `0.0.0.0:*`). */
export function parseNetstatEndpoint(raw: string): SocketEndpoint {
  const colon = raw.lastIndexOf(":");
  if (colon < 0) return { raw, address: null, port: null, wildcard: false, family: "unknown", interface: null, mappedIpv4: null };
  const portText = raw.slice(colon + 1);
  let host = raw.slice(0, colon);
  let iface: string | null = null;
  const percent = host.indexOf("%");
  if (percent >= 0) {
    iface = host.slice(percent + 1);
    host = host.slice(0, percent);
  }
  return endpoint(raw, host, /^\d+$/u.test(portText) ? Number(portText) : null, iface);
}

function endpoint(raw: string, host: string, port: number | null, iface: string | null): SocketEndpoint {
  if (host === "*" || host === "") return { raw, address: null, port, wildcard: true, family: "any", interface: iface, mappedIpv4: null };
  const isV6 = host.includes(":");
  const wildcard = host === "0.0.0.0" || host === "::";
  const mapped = isV6 && host.toLowerCase().startsWith("::ffff:") && host.slice(7).includes(".") ? host.slice(7) : null;
  return {
    raw,
    address: wildcard ? null : host,
    port,
    wildcard,
    family: isV6 ? "ipv6" : /^\d{1,3}(\.\d{1,3}){3}$/u.test(host) ? "ipv4" : "unknown",
    interface: iface,
    mappedIpv4: mapped,
  };
}

const NETSTAT_TIMERS = new Set(["off", "on", "keepalive", "timewait", "probe"]);

/** Drops netstat -o's trailing `off (0.00/0/0)` timer column, without a regular expression. */
function stripNetstatTimer(rest: string): string {
  const trimmed = rest.trimEnd();
  if (!trimmed.endsWith(")")) return rest;
  const open = trimmed.lastIndexOf("(");
  if (open < 0) return rest;
  const before = trimmed.slice(0, open).trimEnd();
  const space = Math.max(before.lastIndexOf(" "), before.lastIndexOf("\t"));
  const word = before.slice(space + 1);
  if (!NETSTAT_TIMERS.has(word) && !word.startsWith("unkn-")) return rest;
  return before.slice(0, space + 1);
}

export function parseNetstat(file: string, text: string): SocketTable {
  const diagnostics: Diagnostic[] = [];
  const listening: ListeningSocket[] = [];
  const connections: SocketConnection[] = [];
  let extendedColumns = false;
  let inInternetSection = true;
  splitLines(text).forEach((line, index) => {
    const lineNumber = index + 1;
    if (line.trim() === "") return;
    if (line.startsWith("Active ")) {
      inInternetSection = line.startsWith("Active Internet");
      return;
    }
    const row = tokens(line);
    const first = row[0]!.text;
    if (first === "Proto") {
      extendedColumns = line.includes(" User ") && line.includes("Inode");
      return;
    }
    if (!inInternetSection) return;
    const protocol: SocketProtocol | null = first === "tcp" || first === "tcp6" ? "tcp" : first === "udp" || first === "udp6" ? "udp" : null;
    if (protocol === null) return;
    const recvQ = row[1];
    const sendQ = row[2];
    const local = row[3];
    const foreign = row[4];
    if (!recvQ || !sendQ || !local || !foreign || !/^\d+$/u.test(recvQ.text) || !/^\d+$/u.test(sendQ.text)) {
      diagnostics.push({ severity: "note", code: "sockets-unreadable-row", message: "row lacks Recv-Q, Send-Q or addresses", file, line: lineNumber, column: 1 });
      return;
    }
    const stateToken = row[5];
    const hasState = stateToken !== undefined && NETSTAT_STATES.has(stateToken.text);
    const state = hasState ? stateToken.text : protocol === "udp" ? "UNCONN" : "UNKNOWN";
    let restStart = hasState ? stateToken.start + stateToken.text.length : foreign.start + foreign.text.length;
    let rest = stripNetstatTimer(line.slice(restStart));
    if (extendedColumns) {
      // Skip the User and Inode columns.
      const extra = tokens(rest);
      const inode = extra[1];
      if (inode) {
        restStart = inode.start + inode.text.length;
        rest = rest.slice(restStart);
      }
    }
    const processes = parseNetstatProcess(rest.trim());
    const location = spanOnLine(file, lineNumber, 1, line.trimEnd().length);
    const localLocation = spanOnLine(file, lineNumber, local.start + 1, local.text.length);
    const localEndpoint = parseNetstatEndpoint(local.text);
    if (state === "LISTEN" || (protocol === "udp" && state === "UNCONN")) {
      listening.push({
        protocol,
        local: localEndpoint,
        recvQ: Number(recvQ.text),
        sendQ: Number(sendQ.text),
        acceptBacklog: null,
        processes,
        v6only: null,
        location,
        localLocation,
      });
      return;
    }
    if (protocol !== "tcp") return;
    connections.push({
      protocol,
      state,
      local: localEndpoint,
      peer: parseNetstatEndpoint(foreign.text),
      recvQ: Number(recvQ.text),
      sendQ: Number(sendQ.text),
      processes,
      location,
    });
  });
  return { file, tool: "netstat", listening, connections, diagnostics };
}

/** `1234/memcached`, `3002/sshd: core [pr` (names may hold spaces), `-`. */
function parseNetstatProcess(text: string): SocketProcess[] {
  const slash = text.indexOf("/");
  if (slash <= 0) return [];
  const pid = text.slice(0, slash);
  if (!/^\d+$/u.test(pid)) return [];
  return [{ name: text.slice(slash + 1).trim(), pid: Number(pid), fd: null }];
}

/** Listeners on a port, TCP unless another protocol is given. */
export function listenersOnPort(table: SocketTable, port: number, protocol: SocketProtocol = "tcp"): ListeningSocket[] {
  return table.listening.filter((l) => l.protocol === protocol && l.local.port === port);
}
