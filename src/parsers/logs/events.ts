import type { AccessLogParser, ProxyAccessLine } from "./access-log.js";
import { DEFAULT_ACCESS_LOG_PARSER } from "./access-log.js";
import { ByteFilter } from "./byte-filter.js";
import type { LogRecord } from "./record.js";
import type { SwiftMemcacheEvent } from "./swift-messages.js";
import { parseSwiftMemcacheMessage } from "./swift-messages.js";

export type { AccessLogParser, CompiledAccessLog, ProxyAccessLine } from "./access-log.js";
export { compileAccessLogTemplate, DEFAULT_ACCESS_LOG_PARSER, DEFAULT_LOG_MSG_TEMPLATE } from "./access-log.js";
export type {
  MemcacheAction,
  MemcachedReply,
  MemcacheServerRef,
  SwiftAllServersFailing,
  SwiftErrorLimited,
  SwiftMemcacheError,
  SwiftMemcacheEvent,
} from "./swift-messages.js";
export { parseServerRef, parseSwiftMemcacheMessage, stripSwiftSuffixes } from "./swift-messages.js";

/**
 * Events: what a log message *means* for the memcached control path, independent of the export
 * format it came from. A message yields at most one event; most yield none.
 */
export type LogEvent =
  | SwiftMemcacheEvent
  | ProxyAccessEvent
  | MemcachedServerEvent
  | TokenCacheEvent
  | MemcachedLifecycleEvent
  | SynFloodEvent;

export interface ProxyAccessEvent extends ProxyAccessLine {
  readonly kind: "proxy-access";
}

/** memcached's own messages (memcached.c, proto_parser.c; REFERENCE-openstack.md §5.1, §1.5a). */
export interface MemcachedServerEvent {
  readonly kind: "memcached-message";
  readonly condition:
    | "too-many-open-connections"
    | "accept-emfile"
    | "rlimit-failed"
    | "out-of-memory"
    | "object-too-large"
    | "item-size-above-memory";
}

/** keystonemiddleware / oslo.cache (REFERENCE-openstack.md §2.1, §2.2). */
export interface TokenCacheEvent {
  readonly kind: "token-cache-error";
  readonly problem: "pool-exhausted" | "decrypt-verify-failed" | "in-process-cache" | "eventlet-unsafe-pool" | "host-marked-dead";
  readonly poolId?: string;
  /** Pool exhaustion: the `connection_get_timeout` waited. */
  readonly seconds?: number;
  /** host-marked-dead: the server. */
  readonly server?: string;
}

export interface MemcachedLifecycleEvent {
  readonly kind: "memcached-lifecycle";
  readonly action: "starting" | "started" | "stopping" | "stopped" | "exited" | "failed" | "restart-scheduled" | "killed" | "died" | "restarted";
  readonly via: "systemd" | "docker";
  /** The systemd unit (`memcached.service`) or container name. */
  readonly subject?: string;
  /** `Main process exited, code=exited, status=71/OSERR` → `exited`, `71/OSERR`. */
  readonly exitCode?: string;
  readonly exitStatus?: string;
}

/**
 * Kernel `TCP: request_sock_TCP: Possible SYN flooding on port <port | addr:port | [v6]:port>.
 * Sending cookies.` or `Dropping request.` (net/ipv4/tcp_input.c); host-wide, per listener.
 */
export interface SynFloodEvent {
  readonly kind: "kernel-syn-flood";
  readonly address: string | null;
  readonly port: number;
  readonly action: "sending-cookies" | "dropping-request";
}

/**
 * Needles for the byte prefilter: every message `extractEvent` turns into an event contains at
 * least one of them (tested), except access lines, for which only the statuses that matter are
 * searched (`503 `, `401 `: the status field is followed by a space in any template that
 * separates fields with spaces). Few and rare needles: the prefilter costs one native scan per
 * needle per chunk, so each needle is a pass over the whole log.
 */
export const EVENT_NEEDLES: readonly string[] = [
  // Swift ("to memcached", "in memcached", "memcached servers"), memcached units and
  // containers, oslo.cache's "Memcached pool" and "oslo_cache._memcache_pool", docker's
  // "name=memcached", Swift's "failed set: SERVER_ERROR …" replies.
  "emcache",
  "Error limiting",
  // memcached: "Too many open connections", "accept4(): Too many open files".
  "many open",
  "rlimit",
  // memcached replies: "SERVER_ERROR out of memory storing object", "… object too large for cache".
  "SERVER_ERROR",
  "Cannot set item",
  "SYN flood",
  // oslo.cache "Unable to get a connection from pool id …", keystonemiddleware's warnings.
  "from pool id",
  "Failed to decrypt",
  "token cache",
  "eventlet-unsafe",
];

export const ACCESS_STATUS_NEEDLES: readonly string[] = ["503 ", "401 "];

/** The default prefilter: events plus 503 and 401 access lines. */
export const DEFAULT_EVENT_FILTER = new ByteFilter([...EVENT_NEEDLES, ...ACCESS_STATUS_NEEDLES]);

export interface ExtractOptions {
  /** The proxy's compiled `log_msg_template`; the default template when absent; null to skip access lines. */
  readonly accessLog?: AccessLogParser | null;
}

type EventSource = Pick<LogRecord, "message"> & Partial<Pick<LogRecord, "program" | "unit" | "subjectUnit" | "containerName" | "logger">>;

/** The event a record's message carries, or null. */
export function extractEvent(record: EventSource, options: ExtractOptions = {}): LogEvent | null {
  const message = record.message;
  const swift = parseSwiftMemcacheMessage(message);
  if (swift) return swift;
  const token = parseTokenCacheMessage(message);
  if (token) return token;
  const kernel = parseSynFlood(message);
  if (kernel) return kernel;
  const lifecycle = parseLifecycle(record);
  if (lifecycle) return lifecycle;
  const server = parseMemcachedMessage(message);
  if (server) return server;
  const access = options.accessLog === undefined ? DEFAULT_ACCESS_LOG_PARSER : options.accessLog;
  if (access) {
    const line = access.parse(message);
    if (line) return { kind: "proxy-access", ...line };
  }
  return null;
}

const POOL_EXHAUSTED = "Unable to get a connection from pool id ";

export function parseTokenCacheMessage(message: string): TokenCacheEvent | null {
  const pool = message.indexOf(POOL_EXHAUSTED);
  if (pool !== -1) {
    // `… pool id %(id)s after %(seconds)s seconds.` (oslo_cache/_memcache_pool.py acquire()).
    const rest = message.slice(pool + POOL_EXHAUSTED.length);
    const after = rest.indexOf(" after ");
    const poolId = after === -1 ? undefined : rest.slice(0, after);
    const secondsText = after === -1 ? "" : rest.slice(after + 7, rest.indexOf(" ", after + 7) === -1 ? undefined : rest.indexOf(" ", after + 7));
    const seconds = /^\d{1,6}(?:\.\d{1,6})?$/u.test(secondsText) ? Number(secondsText) : undefined;
    return {
      kind: "token-cache-error",
      problem: "pool-exhausted",
      ...(poolId && !poolId.includes(" ") ? { poolId } : {}),
      ...(seconds !== undefined ? { seconds } : {}),
    };
  }
  if (message.includes("Failed to decrypt/verify cache data")) return { kind: "token-cache-error", problem: "decrypt-verify-failed" };
  if (message.includes("Using the in-process token cache is deprecated")) return { kind: "token-cache-error", problem: "in-process-cache" };
  if (message.includes("Using the eventlet-unsafe cache pool is deprecated")) return { kind: "token-cache-error", problem: "eventlet-unsafe-pool" };
  const dead = message.indexOf("Marked host ");
  if (dead !== -1 && message.startsWith("Memcached pool ")) {
    const rest = message.slice(dead + "Marked host ".length);
    const end = rest.indexOf(" dead until ");
    if (end > 0) return { kind: "token-cache-error", problem: "host-marked-dead", server: rest.slice(0, end) };
  }
  return null;
}

// "Possible" since 2.6.3x; 2.6-era kernels printed "possible" (net/ipv4/tcp_input.c tcp_syn_flood_action).
const SYN_FLOOD = "ossible SYN flooding on port ";

export function parseSynFlood(message: string): SynFloodEvent | null {
  const at = message.indexOf(SYN_FLOOD);
  if (at === -1) return null;
  const rest = message.slice(at + SYN_FLOOD.length);
  const stop = rest.indexOf(". ");
  if (stop <= 0) return null;
  const target = rest.slice(0, stop);
  const after = rest.slice(stop + 2);
  const action = after.startsWith("Sending cookies") ? "sending-cookies" : after.startsWith("Dropping request") ? "dropping-request" : null;
  if (!action) return null;
  // Older kernels print the port alone; newer ones `addr:port` / `[v6]:port`.
  const colon = target.lastIndexOf(":");
  const portText = colon === -1 ? target : target.slice(colon + 1);
  if (!/^\d{1,5}$/u.test(portText)) return null;
  let address: string | null = colon === -1 ? null : target.slice(0, colon);
  if (address && address.startsWith("[") && address.endsWith("]")) address = address.slice(1, -1);
  return { kind: "kernel-syn-flood", address, port: Number(portText), action };
}

function mentionsMemcached(text: string | undefined): boolean {
  return text !== undefined && text.toLowerCase().includes("memcache");
}

/**
 * systemd's job messages (`Started memcached.service - memcached daemon.`, older `Started
 * memcached daemon.`), unit results (`memcached.service: Main process exited, code=…,
 * status=…`), and `docker events` lines (`container start <id> (…, name=memcached)`).
 */
export function parseLifecycle(record: EventSource): MemcachedLifecycleEvent | null {
  const message = record.message.trimEnd();
  const subjectUnit = record.subjectUnit;
  for (const [verb, action] of [
    ["Started ", "started"],
    ["Stopped ", "stopped"],
    ["Starting ", "starting"],
    ["Stopping ", "stopping"],
  ] as const) {
    if (!message.startsWith(verb)) continue;
    const what = message.slice(verb.length);
    if (!mentionsMemcached(what) && !mentionsMemcached(subjectUnit)) return null;
    const unit = subjectUnit ?? unitIn(what);
    return { kind: "memcached-lifecycle", action, via: "systemd", ...(unit ? { subject: unit } : {}) };
  }
  const unitColon = message.indexOf(".service: ");
  if (unitColon !== -1) {
    const unit = message.slice(0, unitColon + ".service".length);
    if (!unit.includes(" ") && mentionsMemcached(unit)) {
      const rest = message.slice(unitColon + ".service: ".length);
      if (rest.startsWith("Main process exited, ")) {
        const code = keyValue(rest, "code=");
        const status = keyValue(rest, "status=");
        return {
          kind: "memcached-lifecycle",
          action: "exited",
          via: "systemd",
          subject: unit,
          ...(code ? { exitCode: code } : {}),
          ...(status ? { exitStatus: status } : {}),
        };
      }
      if (rest.startsWith("Failed with result ")) return { kind: "memcached-lifecycle", action: "failed", via: "systemd", subject: unit };
      if (rest.startsWith("Scheduled restart job")) return { kind: "memcached-lifecycle", action: "restart-scheduled", via: "systemd", subject: unit };
    }
  }
  if (message.startsWith("container ")) {
    const parts = message.split(" ", 3);
    const verb = parts[1];
    const actions: Record<string, MemcachedLifecycleEvent["action"]> = {
      start: "started",
      stop: "stopped",
      die: "died",
      kill: "killed",
      restart: "restarted",
    };
    const action = verb === undefined ? undefined : actions[verb];
    const open = message.indexOf(" (");
    if (action && open !== -1 && message.endsWith(")")) {
      const name = attribute(message.slice(open + 2, -1), "name");
      if (mentionsMemcached(name)) return { kind: "memcached-lifecycle", action, via: "docker", ...(name ? { subject: name } : {}) };
    }
  }
  return null;
}

function unitIn(text: string): string | undefined {
  const end = text.indexOf(".service");
  if (end === -1) return undefined;
  const start = text.lastIndexOf(" ", end) + 1;
  const unit = text.slice(start, end + ".service".length);
  return unit.length > ".service".length ? unit : undefined;
}

function keyValue(text: string, key: string): string | undefined {
  const at = text.indexOf(key);
  if (at === -1) return undefined;
  const rest = text.slice(at + key.length);
  let end = rest.length;
  for (const stop of [",", " "]) {
    const index = rest.indexOf(stop);
    if (index !== -1 && index < end) end = index;
  }
  const value = rest.slice(0, end).replace(/\.$/u, "");
  return value.length > 0 ? value : undefined;
}

/** `image=…, name=memcached, …` → the value of `key`. */
function attribute(attributes: string, key: string): string | undefined {
  for (const pair of attributes.split(", ")) {
    if (pair.startsWith(`${key}=`)) return pair.slice(key.length + 1);
  }
  return undefined;
}

export function parseMemcachedMessage(message: string): MemcachedServerEvent | null {
  if (message.includes("Too many open connections")) return { kind: "memcached-message", condition: "too-many-open-connections" };
  if (message.includes("Too many open files") && message.includes("accept")) return { kind: "memcached-message", condition: "accept-emfile" };
  if (message.includes("failed to set rlimit for open files")) return { kind: "memcached-message", condition: "rlimit-failed" };
  if (message.includes("SERVER_ERROR out of memory")) return { kind: "memcached-message", condition: "out-of-memory" };
  if (message.includes("SERVER_ERROR object too large for cache")) return { kind: "memcached-message", condition: "object-too-large" };
  if (message.includes("Cannot set item size limit higher than 1/2 of memory max")) return { kind: "memcached-message", condition: "item-size-above-memory" };
  return null;
}
