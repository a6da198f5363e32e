import type { CacheClient, Deployment, ServerEntry } from "../deployment.js";
import type { AccessOccurrence, CounterSource, MemcacheErrorSeries, Occurrence, ProxyTraffic } from "./evidence.js";
import { compareOccurrences } from "./collect.js";

/**
 * Correlation: pure functions over the runtime evidence of a deployment. Which servers a proxy
 * fails to reach, how and when; which 503s memcached caused (transaction join, or the window
 * fallback when every configured server fails); restarts across hosts; 401 bursts after a cache
 * loss. Windows come from the rule settings.
 */
export interface CorrelationSettings {
  /** Width of the window around a 503 (centred) in which every configured server must fail, seconds. */
  readonly causeWindowSeconds: number;
  /** All memcached instances starting within this many seconds = restarted together. */
  readonly restartWindowSeconds: number;
  /** How long after a cache loss 401s count as a burst, seconds. */
  readonly authBurstWindowSeconds: number;
  /** How many 401s in that window make a burst. */
  readonly authBurstMinimum: number;
}

/** The Swift proxy cache client of a host: the server list the proxy really uses. */
export function proxyCacheClient(deployment: Deployment, hostId: string): CacheClient | undefined {
  return deployment.cacheClients.find((c) => c.kind === "swift-proxy" && c.hostId === hostId && c.mode === "own-servers");
}

/** The configured entry a logged server refers to (same host and port; Swift's default port 11211). */
export function matchServerEntry(entries: readonly ServerEntry[], series: Pick<MemcacheErrorSeries, "server" | "serverHost" | "serverPort">): ServerEntry | undefined {
  return entries.find((e) => e.host !== null && e.host.toLowerCase() === series.serverHost?.toLowerCase() && (e.port ?? 11211) === (series.serverPort ?? 11211));
}

export function errorSeriesOn(deployment: Deployment, hostId: string): MemcacheErrorSeries[] {
  return deployment.runtime.memcacheErrors.filter((s) => s.hostId === hostId);
}

export interface CauseGuess {
  /** Short name: `refused`, `connect-timeout`, `unreachable`, `name-or-pool`, `overloaded`, `memory`, `unknown`. */
  readonly cause: string;
  /** The sentence messages use. */
  readonly text: string;
}

const CAUSES: readonly { cause: string; text: string; test: (kind: string) => boolean }[] = [
  { cause: "refused", text: "connections refused: memcached is down or listens on another address or port", test: (k) => k.includes("ECONNREFUSED") },
  { cause: "unreachable", text: "host unreachable: the memcached host is down, unrouted, or a firewall rejects with ICMP", test: (k) => k.includes("EHOSTUNREACH") || k.includes("ENETUNREACH") },
  { cause: "connect-timeout", text: "timeouts connecting: a firewall drops the packets, or memcached's accept backlog is full", test: (k) => k.startsWith("Timeout connecting") || k.includes("ETIMEDOUT") },
  { cause: "name-or-pool", text: "no connection from the pool in time: the server name does not resolve, or memcache_max_connections is too low for the load", test: (k) => k.includes("getting a connection") || k.includes("EAI_") },
  { cause: "memory", text: "memcached refuses to store values: out of memory or items too large (-m, -I)", test: (k) => k.includes("out-of-memory") || k.includes("object-too-large") },
  {
    cause: "overloaded",
    text: "errors while talking: memcached is overloaded, stalled, or at its connection limit (-c)",
    test: (k) => k.includes("talking") || k.includes("setting a value") || k.includes("too-many-connections") || k.includes("incomplete-read") || k.includes("EPIPE") || k.includes("ECONNRESET"),
  },
];

/** The likely cause of a set of errors, from the kind of error that dominates. */
export function guessCause(kinds: Readonly<Record<string, number>>): CauseGuess {
  const totals = new Map<string, number>();
  for (const [kind, count] of Object.entries(kinds)) {
    const cause = CAUSES.find((c) => c.test(kind));
    if (cause) totals.set(cause.cause, (totals.get(cause.cause) ?? 0) + count);
  }
  let best: (typeof CAUSES)[number] | undefined;
  let bestCount = 0;
  for (const cause of CAUSES) {
    const count = totals.get(cause.cause) ?? 0;
    if (count > bestCount) {
      best = cause;
      bestCount = count;
    }
  }
  return best ? { cause: best.cause, text: best.text } : { cause: "unknown", text: "the error lines do not say why (only error-limiting lines)" };
}

export function mergeKinds(series: readonly MemcacheErrorSeries[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const s of series) for (const [kind, count] of Object.entries(s.kinds)) kinds[kind] = (kinds[kind] ?? 0) + count;
  return kinds;
}

/** True when the series has an error in [from, to] (epoch seconds). */
export function failsBetween(series: MemcacheErrorSeries, from: number, to: number): boolean {
  const seconds = series.seconds;
  let low = 0;
  let high = seconds.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (seconds[mid]![0] < from) low = mid + 1;
    else high = mid;
  }
  return low < seconds.length && seconds[low]![0] <= to;
}

export interface EveryServerFailing {
  /** Whether the host's configured list (or an `ALL` line) shows every server failing at some point. */
  readonly failing: boolean;
  /** How it is known: the configured list, Swift's own `ALL` lines, or not at all. */
  readonly basis: "configured-servers" | "all-servers-line" | "none";
  readonly client?: CacheClient;
}

/**
 * "Every configured server failing" for a proxy host, over the whole log: each entry of the
 * proxy's effective server list has errors, or Swift itself said so (`ALL`). Without the proxy's
 * configuration only Swift's own `ALL` lines can say it.
 */
export function everyServerFailing(deployment: Deployment, hostId: string): EveryServerFailing {
  const series = errorSeriesOn(deployment, hostId);
  const client = proxyCacheClient(deployment, hostId);
  const usable = client?.servers.filter((s) => s.family !== "invalid" && s.family !== "unix") ?? [];
  if (client && usable.length > 0 && usable.every((entry) => series.some((s) => s.server !== "ALL" && matchServerEntry([entry], s)))) {
    return { failing: true, basis: "configured-servers", client };
  }
  if (series.some((s) => s.server === "ALL")) return { failing: true, basis: "all-servers-line", ...(client ? { client } : {}) };
  return { failing: false, basis: "none", ...(client ? { client } : {}) };
}

/** Every configured server (or `ALL`) has an error within the window centred on `time`. */
export function everyServerFailingAt(deployment: Deployment, hostId: string, time: number, windowSeconds: number): boolean {
  const series = errorSeriesOn(deployment, hostId);
  const center = time / 1000;
  const from = Math.floor(center - windowSeconds / 2);
  const to = Math.ceil(center + windowSeconds / 2);
  const all = series.find((s) => s.server === "ALL");
  if (all && failsBetween(all, from, to)) return true;
  const client = proxyCacheClient(deployment, hostId);
  const usable = client?.servers.filter((s) => s.family !== "invalid" && s.family !== "unix") ?? [];
  if (usable.length === 0) return false;
  return usable.every((entry) => series.some((s) => s.server !== "ALL" && matchServerEntry([entry], s) && failsBetween(s, from, to)));
}

export interface ProxyBlame {
  readonly hostId: string;
  readonly traffic: ProxyTraffic;
  /** 503s whose transaction also logged a memcache error, and no backend error. */
  readonly byTransaction: AccessOccurrence[];
  /** 503s without transaction ids inside a window in which every configured server failed. */
  readonly byWindow: AccessOccurrence[];
  /** 503s whose transaction logged a memcache error *and* a backend error (not blamed). */
  readonly backendExplained: number;
  /** 503s with no memcache error within the window around them. */
  readonly unexplained: AccessOccurrence[];
  /** Servers named on the blamed transactions' error lines (txn join) or configured (window). */
  readonly servers: string[];
  /** The memcache error series of the host. */
  readonly errors: MemcacheErrorSeries[];
}

const blameCache = new WeakMap<Deployment, Map<string, ProxyBlame[]>>();

/** Which 503s of each proxy host memcached caused, by evidence only. */
export function blame503s(deployment: Deployment, settings: CorrelationSettings): ProxyBlame[] {
  const key = String(settings.causeWindowSeconds);
  const cached = blameCache.get(deployment)?.get(key);
  if (cached) return cached;
  const results: ProxyBlame[] = [];
  for (const traffic of deployment.runtime.proxies) {
    if (traffic.status503 === 0) continue;
    const errors = errorSeriesOn(deployment, traffic.hostId);
    const ledger = traffic.ledger;
    const errorsCarryNoTxn = errors.length > 0 && errors.every((s) => s.withTxn === 0);
    const byTransaction: AccessOccurrence[] = [];
    const byWindow: AccessOccurrence[] = [];
    const unexplained: AccessOccurrence[] = [];
    const servers = new Set<string>();
    let backendExplained = 0;
    const half = settings.causeWindowSeconds / 2;
    for (const line of ledger.status503) {
      const txnServers = line.txnId ? ledger.memcacheTxns.get(line.txnId) : undefined;
      if (txnServers) {
        if (ledger.backendTxns.has(line.txnId!)) backendExplained++;
        else {
          byTransaction.push(line);
          for (const server of txnServers) servers.add(server);
        }
        continue;
      }
      const eligible = line.txnId === null || errorsCarryNoTxn;
      if (eligible && line.time !== null && everyServerFailingAt(deployment, traffic.hostId, line.time, settings.causeWindowSeconds)) {
        byWindow.push(line);
        continue;
      }
      const near = line.time === null ? errors.length > 0 : errors.some((s) => failsBetween(s, Math.floor(line.time! / 1000 - half), Math.ceil(line.time! / 1000 + half)));
      if (!near) unexplained.push(line);
    }
    if (byWindow.length > 0) {
      const client = proxyCacheClient(deployment, traffic.hostId);
      for (const entry of client?.servers ?? []) servers.add(entry.raw);
      if (!client) servers.add("ALL");
    }
    results.push({ hostId: traffic.hostId, traffic, byTransaction, byWindow, backendExplained, unexplained, servers: [...servers].sort(), errors });
  }
  const perDeployment = blameCache.get(deployment) ?? new Map<string, ProxyBlame[]>();
  perDeployment.set(key, results);
  blameCache.set(deployment, perDeployment);
  return results;
}

export interface RestartStart {
  readonly hostId: string;
  readonly instance: string;
  /** Epoch ms of the start. */
  readonly time: number;
  /** The journald/docker line, or the `uptime` counter the start was computed from. */
  readonly location: Occurrence["location"];
  readonly from: "log" | "uptime";
}

export interface RestartGroup {
  readonly starts: RestartStart[];
  readonly instances: number;
  readonly spanSeconds: number;
}

/** memcached's `stats`: start = `time` − `uptime` (both in the same dump). */
export function statsStart(source: CounterSource): RestartStart | null {
  if (source.kind !== "memcached-stats") return null;
  const uptime = source.counters.find((c) => c.name === "uptime");
  const time = source.counters.find((c) => c.name === "time");
  if (!uptime || !time) return null;
  return { hostId: source.hostId, instance: source.server ?? source.file, time: (time.value - uptime.value) * 1000, location: uptime.location, from: "uptime" };
}

/**
 * All (≥ 2) memcached instances starting within one window: the earliest window that holds a
 * start of every instance known from logs, stats dumps or launch configurations (by host).
 */
export function restartedTogether(deployment: Deployment, windowSeconds: number): RestartGroup | null {
  const starts: RestartStart[] = [];
  for (const series of deployment.runtime.lifecycle) {
    for (const start of series.starts) {
      if (start.time !== null) starts.push({ hostId: series.hostId, instance: series.subject, time: start.time, location: start.location, from: "log" });
    }
  }
  for (const source of deployment.runtime.counterSources) {
    const start = statsStart(source);
    if (start) starts.push(start);
  }
  const hosts = new Set([...starts.map((s) => s.hostId), ...deployment.memcachedInstances.map((i) => i.hostId)]);
  if (hosts.size < 2) return null;
  starts.sort((a, b) => a.time - b.time || (a.location.file < b.location.file ? -1 : a.location.file > b.location.file ? 1 : a.location.line - b.location.line));
  const inWindow = new Map<string, number>();
  let left = 0;
  for (let right = 0; right < starts.length; right++) {
    const start = starts[right]!;
    inWindow.set(start.hostId, (inWindow.get(start.hostId) ?? 0) + 1);
    while (start.time - starts[left]!.time > windowSeconds * 1000) {
      const leaving = starts[left]!.hostId;
      const count = inWindow.get(leaving)! - 1;
      if (count === 0) inWindow.delete(leaving);
      else inWindow.set(leaving, count);
      left++;
    }
    if (inWindow.size === hosts.size) {
      const firstPerHost = new Map<string, RestartStart>();
      for (const s of starts.slice(left, right + 1)) if (!firstPerHost.has(s.hostId)) firstPerHost.set(s.hostId, s);
      const chosen = [...firstPerHost.values()];
      return { starts: chosen, instances: hosts.size, spanSeconds: Math.round((chosen[chosen.length - 1]!.time - chosen[0]!.time) / 1000) };
    }
  }
  return null;
}

export interface AuthBurst {
  readonly hostId: string;
  readonly count: number;
  readonly first401: AccessOccurrence;
  /** What the cache loss was: a restart, or the end of a run of memcache errors. */
  readonly after: { readonly kind: "restart" | "errors-ended"; readonly time: number; readonly location: Occurrence["location"] };
}

/** Ends of runs of memcache errors on a host (errors more than `gapSeconds` apart start a new run). */
export function errorRunEnds(series: readonly MemcacheErrorSeries[], gapSeconds: number): number[] {
  const seconds = [...new Set(series.flatMap((s) => s.seconds.map(([second]) => second)))].sort((a, b) => a - b);
  const ends: number[] = [];
  for (let i = 0; i < seconds.length; i++) {
    const next = seconds[i + 1];
    if (next === undefined || next - seconds[i]! > gapSeconds) ends.push(seconds[i]!);
  }
  return ends;
}

/** A burst of 401s right after memcached restarted (any host) or after the host's memcache errors ended. */
export function authBursts(deployment: Deployment, settings: CorrelationSettings): AuthBurst[] {
  const restarts: AuthBurst["after"][] = [];
  for (const series of deployment.runtime.lifecycle) for (const start of series.starts) if (start.time !== null) restarts.push({ kind: "restart", time: start.time, location: start.location });
  const bursts: AuthBurst[] = [];
  for (const traffic of deployment.runtime.proxies) {
    if (traffic.status401 < settings.authBurstMinimum) continue;
    const errors = errorSeriesOn(deployment, traffic.hostId);
    const lastError = [...errors].sort((a, b) => compareOccurrences(b.last, a.last))[0];
    const anchors: AuthBurst["after"][] = [...restarts];
    for (const end of errorRunEnds(errors, settings.causeWindowSeconds)) {
      const location = lastError && lastError.last.time !== null && Math.floor(lastError.last.time / 1000) === end ? lastError.last.location : (errors.find((s) => s.seconds.some(([second]) => second === end)) ?? errors[0])!.last.location;
      anchors.push({ kind: "errors-ended", time: end * 1000, location });
    }
    anchors.sort((a, b) => a.time - b.time);
    const lines = traffic.ledger.status401.filter((l) => l.time !== null);
    for (const anchor of anchors) {
      const inside = lines.filter((l) => l.time! >= anchor.time && l.time! <= anchor.time + settings.authBurstWindowSeconds * 1000);
      if (inside.length >= settings.authBurstMinimum) {
        bursts.push({ hostId: traffic.hostId, count: inside.length, first401: inside[0]!, after: anchor });
        break;
      }
    }
  }
  return bursts;
}

/** `2024-05-01 16:08:03Z` (UTC, second resolution) for messages; `unknown time` for null. */
export function formatTime(time: number | null): string {
  if (time === null) return "unknown time";
  return `${new Date(Math.floor(time / 1000) * 1000).toISOString().replace("T", " ").replace(".000Z", "Z")}`;
}
