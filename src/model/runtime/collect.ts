import type { CounterSet } from "../../parsers/logs/counters.js";
import type { SwiftBackendErrorEvent } from "../../parsers/logs/backend-errors.js";
import type { LogEvent, SwiftMemcacheError } from "../../parsers/logs/events.js";
import { spanOnLine } from "../source.js";
import type {
  AccessOccurrence,
  ConditionSeries,
  CounterSource,
  LifecycleSeries,
  LogSource,
  MemcacheErrorSeries,
  MinuteCounts,
  Occurrence,
  ProxyTraffic,
  RuntimeEvidence,
} from "./evidence.js";
import { TransactionLedger } from "./evidence.js";

/**
 * One event as the readers hand it over (in-process or from a worker thread): the record's line,
 * time and program, the message (for the snippet of an evidence line) and what it means.
 */
export interface IngestedEvent {
  readonly line: number;
  readonly time: number | null;
  readonly program?: string;
  /** The message, already redacted (tokens masked) and cut to `MAX_SNIPPET` characters. */
  readonly text: string;
  readonly event: LogEvent | SwiftBackendErrorEvent;
}

export const MAX_SNIPPET = 400;
const MAX_STARTS = 1000;
const ACCESS_SNIPPETS = 1000;
/** Snippets kept before the first look for ones no longer evidence. */
const PRUNE_FLOOR = 4096;

interface MutableSeries {
  count: number;
  first: Occurrence;
  last: Occurrence;
}

interface ErrorAccumulator extends MutableSeries {
  hostId: string;
  server: string;
  serverHost: string | null;
  serverPort: number | null;
  programs: Set<string>;
  kinds: Map<string, number>;
  withTxn: number;
  seconds: Map<number, number>;
}

interface ConditionAccumulator extends MutableSeries {
  hostId: string;
  condition: string;
  subjects: Set<string>;
}

interface ProxyAccumulator {
  hostId: string;
  status503: number;
  status401: number;
  first503: Occurrence | null;
  first401: Occurrence | null;
  minutes: Map<number, { status503: number; status401: number; memcacheErrors: number }>;
  backendErrors: number;
  ledger: TransactionLedger;
}

interface LifecycleAccumulator {
  hostId: string;
  subject: string;
  via: "systemd" | "docker";
  starts: Occurrence[];
  stops: number;
  lastStop: Occurrence | null;
}

/** The words Swift's line says: `Error connecting: ECONNREFUSED`, `Timeout talking`, `Error setting a value: too-many-connections`. */
export function errorKind(error: SwiftMemcacheError): string {
  const detail = error.reply ?? error.errnoName ?? (error.traceback ? "traceback" : undefined);
  return `${error.failure} ${error.action}${detail ? `: ${detail}` : ""}`;
}

/** False for an event that RuntimeCollector.add ignores (access lines other than a client's 503 or 401): it need not be kept. */
export function collectorUses(ingested: IngestedEvent): boolean {
  const event = ingested.event;
  return event.kind !== "proxy-access" || (event.source === null && (event.status === 503 || event.status === 401));
}

/**
 * Folds ingested events into the bounded aggregates of RuntimeEvidence. Files may be fed in any
 * order and interleaved (worker threads): everything kept is order-independent or sorted at the
 * end, so the result is deterministic.
 */
export class RuntimeCollector {
  private readonly logSources: LogSource[] = [];
  private readonly counterSources: CounterSource[] = [];
  private readonly errors = new Map<string, ErrorAccumulator>();
  private readonly proxies = new Map<string, ProxyAccumulator>();
  private readonly memcachedMessages = new Map<string, ConditionAccumulator>();
  private readonly tokenCache = new Map<string, ConditionAccumulator>();
  private readonly synFloods = new Map<string, ConditionAccumulator>();
  private readonly lifecycle = new Map<string, LifecycleAccumulator>();
  /** Text of the lines findings may point at, keyed `file:line`. */
  readonly snippets = new Map<string, string>();

  private pruneAt = PRUNE_FLOOR;

  add(file: string, hostId: string, ingested: IngestedEvent): void {
    if (this.snippets.size >= this.pruneAt) this.pruneSnippets();
    const location = spanOnLine(file, ingested.line, 1, ingested.text.length);
    const occurrence: Occurrence = { time: ingested.time, location };
    const event = ingested.event;
    const keep = () => this.snippets.set(`${file}:${ingested.line}`, ingested.program ? `${ingested.program}: ${ingested.text}` : ingested.text);
    switch (event.kind) {
      case "swift-memcache-error":
      case "swift-memcache-error-limited":
      case "swift-memcache-all-failing": {
        const server = event.kind === "swift-memcache-all-failing" ? null : event.server;
        const raw = server?.raw ?? "ALL";
        const kind =
          event.kind === "swift-memcache-error" ? errorKind(event) : event.kind === "swift-memcache-error-limited" ? "Error limiting server" : event.reason === "no-more-servers" ? "No more memcached servers to try" : "All memcached servers error-limited";
        const key = `${hostId}\0${raw}`;
        let acc = this.errors.get(key);
        if (!acc) {
          acc = { hostId, server: raw, serverHost: server?.host ?? null, serverPort: server?.port ?? null, programs: new Set(), kinds: new Map(), withTxn: 0, seconds: new Map(), count: 0, first: occurrence, last: occurrence };
          this.errors.set(key, acc);
        }
        if (this.bump(acc, occurrence)) keep();
        if (ingested.program) acc.programs.add(ingested.program);
        acc.kinds.set(kind, (acc.kinds.get(kind) ?? 0) + 1);
        if (ingested.time !== null) {
          const second = Math.floor(ingested.time / 1000);
          acc.seconds.set(second, (acc.seconds.get(second) ?? 0) + 1);
        }
        const proxy = this.proxy(hostId);
        this.minute(proxy, ingested.time).memcacheErrors++;
        if (event.txnId) {
          acc.withTxn++;
          proxy.ledger.addMemcacheTxn(event.txnId, raw);
        }
        if (event.kind === "swift-memcache-error" && (event.reply === "too-many-connections" || event.reply === "out-of-memory" || event.reply === "object-too-large")) {
          if (this.condition(this.memcachedMessages, hostId, `reply-${event.reply}`, occurrence, raw)) keep();
        }
        return;
      }
      case "proxy-access": {
        if (event.source !== null || (event.status !== 503 && event.status !== 401)) return;
        const proxy = this.proxy(hostId);
        const time = ingested.time ?? event.time;
        const access: AccessOccurrence = { time, location, txnId: event.txnId, path: event.path, method: event.method };
        const bucket = this.minute(proxy, time);
        const droppedBefore = proxy.ledger.dropped;
        if (event.status === 503) {
          proxy.status503++;
          bucket.status503++;
          if (!proxy.first503 || earlier(access, proxy.first503)) proxy.first503 = access;
          proxy.ledger.addAccess(proxy.ledger.status503, access);
        } else {
          proxy.status401++;
          bucket.status401++;
          if (!proxy.first401 || earlier(access, proxy.first401)) proxy.first401 = access;
          proxy.ledger.addAccess(proxy.ledger.status401, access);
        }
        // Text is kept for the first lines only (findings point at the first blamed ones); the
        // rest keep their location and time, so memory stays bounded by LEDGER_LIMIT.
        const list = event.status === 503 ? proxy.ledger.status503 : proxy.ledger.status401;
        if (proxy.ledger.dropped === droppedBefore && list.length <= ACCESS_SNIPPETS) keep();
        return;
      }
      case "swift-backend-error": {
        const proxy = this.proxy(hostId);
        proxy.backendErrors++;
        if (event.txnId) proxy.ledger.addBackendTxn(event.txnId);
        return;
      }
      case "memcached-message":
        if (this.condition(this.memcachedMessages, hostId, event.condition, occurrence, null)) keep();
        return;
      case "token-cache-error":
        if (this.condition(this.tokenCache, hostId, event.problem, occurrence, event.server ?? event.poolId ?? null)) keep();
        return;
      case "kernel-syn-flood":
        if (this.condition(this.synFloods, hostId, String(event.port), occurrence, event.address ? `${event.address}:${event.port}` : null)) keep();
        return;
      case "memcached-lifecycle": {
        const subject = event.subject ?? (event.via === "docker" ? "memcached" : "memcached.service");
        const key = `${hostId}\0${subject}`;
        let acc = this.lifecycle.get(key);
        if (!acc) this.lifecycle.set(key, (acc = { hostId, subject, via: event.via, starts: [], stops: 0, lastStop: null }));
        if (event.action === "started" || event.action === "restarted") {
          if (acc.starts.length < MAX_STARTS) {
            acc.starts.push(occurrence);
            keep();
          }
        } else if (event.action === "stopped" || event.action === "exited" || event.action === "failed" || event.action === "killed" || event.action === "died") {
          acc.stops++;
          if (!acc.lastStop || !earlier(occurrence, acc.lastStop)) {
            acc.lastStop = occurrence;
            keep();
          }
        }
        return;
      }
    }
  }

  addLogSource(source: LogSource): void {
    this.logSources.push(source);
  }

  addCounters(hostId: string, set: CounterSet): void {
    const byName = new Map<string, CounterSource["counters"][number]>();
    for (const counter of set.counters) {
      if (counter.numeric === null) continue;
      byName.set(counter.name, { name: counter.name, value: counter.numeric, location: counter.location });
    }
    this.counterSources.push({ file: set.file, hostId, kind: set.kind, ...(set.server ? { server: set.server } : {}), counters: [...byName.values()] });
  }

  finish(): RuntimeEvidence {
    const byKey = <T>(map: Map<string, T>) => [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);
    const series = (acc: ConditionAccumulator): ConditionSeries => ({ hostId: acc.hostId, condition: acc.condition, subjects: [...acc.subjects].sort(), count: acc.count, first: acc.first, last: acc.last });
    return {
      logSources: [...this.logSources].sort((a, b) => (a.file < b.file ? -1 : 1)),
      counterSources: [...this.counterSources].sort((a, b) => (a.file < b.file ? -1 : 1)),
      memcacheErrors: byKey(this.errors).map(
        (acc): MemcacheErrorSeries => ({
          hostId: acc.hostId,
          server: acc.server,
          serverHost: acc.serverHost,
          serverPort: acc.serverPort,
          programs: [...acc.programs].sort(),
          count: acc.count,
          first: acc.first,
          last: acc.last,
          kinds: Object.fromEntries([...acc.kinds].sort(([a], [b]) => (a < b ? -1 : 1))),
          withTxn: acc.withTxn,
          seconds: [...acc.seconds].sort((a, b) => a[0] - b[0]),
        }),
      ),
      proxies: byKey(this.proxies).map((acc): ProxyTraffic => {
        const sort = (list: AccessOccurrence[]) => list.sort((a, b) => compareOccurrences(a, b));
        sort(acc.ledger.status503);
        sort(acc.ledger.status401);
        const minutes: MinuteCounts[] = [...acc.minutes].sort((a, b) => a[0] - b[0]).map(([minute, counts]) => ({ minute, ...counts }));
        return { hostId: acc.hostId, status503: acc.status503, status401: acc.status401, first503: acc.first503, first401: acc.first401, minutes, backendErrors: acc.backendErrors, ledger: acc.ledger };
      }),
      memcachedMessages: byKey(this.memcachedMessages).map(series),
      tokenCacheErrors: byKey(this.tokenCache).map(series),
      lifecycle: byKey(this.lifecycle).map((acc): LifecycleSeries => ({ ...acc, starts: acc.starts.sort(compareOccurrences) })),
      synFloods: byKey(this.synFloods).map(series),
    };
  }

  /**
   * Drops the text of lines that are no longer evidence: each new `last` of a series keeps its
   * line, so the snippets grew with every error line of a big log. Every occurrence the evidence
   * holds keeps its text; the map is looked at again when it has doubled.
   */
  private pruneSnippets(): void {
    const live = new Set<string>();
    const mark = (occurrence: Occurrence | null) => {
      if (occurrence) live.add(`${occurrence.location.file}:${occurrence.location.line}`);
    };
    for (const map of [this.errors, this.memcachedMessages, this.tokenCache, this.synFloods]) {
      for (const acc of map.values()) {
        mark(acc.first);
        mark(acc.last);
      }
    }
    for (const proxy of this.proxies.values()) {
      mark(proxy.first503);
      mark(proxy.first401);
      for (const access of proxy.ledger.status503) mark(access);
      for (const access of proxy.ledger.status401) mark(access);
    }
    for (const acc of this.lifecycle.values()) {
      for (const start of acc.starts) mark(start);
      mark(acc.lastStop);
    }
    for (const key of this.snippets.keys()) if (!live.has(key)) this.snippets.delete(key);
    this.pruneAt = Math.max(PRUNE_FLOOR, 2 * this.snippets.size);
  }

  /** Counts an occurrence; true when it became the series' first or last (its line is evidence). */
  private bump(acc: MutableSeries, occurrence: Occurrence): boolean {
    acc.count++;
    if (acc.count === 1) return true;
    let changed = false;
    if (earlier(occurrence, acc.first)) {
      acc.first = occurrence;
      changed = true;
    }
    if (!earlier(occurrence, acc.last)) {
      acc.last = occurrence;
      changed = true;
    }
    return changed;
  }

  private condition(map: Map<string, ConditionAccumulator>, hostId: string, condition: string, occurrence: Occurrence, subject: string | null): boolean {
    const key = `${hostId}\0${condition}`;
    let acc = map.get(key);
    if (!acc) map.set(key, (acc = { hostId, condition, subjects: new Set(), count: 0, first: occurrence, last: occurrence }));
    if (subject) acc.subjects.add(subject);
    return this.bump(acc, occurrence);
  }

  private proxy(hostId: string): ProxyAccumulator {
    let acc = this.proxies.get(hostId);
    if (!acc) this.proxies.set(hostId, (acc = { hostId, status503: 0, status401: 0, first503: null, first401: null, minutes: new Map(), backendErrors: 0, ledger: new TransactionLedger() }));
    return acc;
  }

  private minute(proxy: ProxyAccumulator, time: number | null): { status503: number; status401: number; memcacheErrors: number } {
    // Lines without a time still count in the totals; the timeline shows them under minute -1.
    const minute = time === null ? -1 : Math.floor(time / 60_000) * 60_000;
    let bucket = proxy.minutes.get(minute);
    if (!bucket) proxy.minutes.set(minute, (bucket = { status503: 0, status401: 0, memcacheErrors: 0 }));
    return bucket;
  }
}

/** Time order (timeless lines last), then file and line: deterministic whatever the read order. */
export function compareOccurrences(a: Occurrence, b: Occurrence): number {
  const ta = a.time ?? Number.POSITIVE_INFINITY;
  const tb = b.time ?? Number.POSITIVE_INFINITY;
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.location.file !== b.location.file) return a.location.file < b.location.file ? -1 : 1;
  return a.location.line - b.location.line;
}

function earlier(a: Occurrence, b: Occurrence): boolean {
  return compareOccurrences(a, b) < 0;
}

