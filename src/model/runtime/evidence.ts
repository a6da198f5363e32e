import type { CounterSourceKind } from "../../parsers/logs/counters.js";
import type { LogFormat, YearSource } from "../../parsers/logs/record.js";
import type { SourceLocation } from "../source.js";

/**
 * Runtime evidence in the deployment model: what the logs and counter dumps showed, kept as
 * aggregates (counts, first and last occurrence, per-minute and per-second counts) and the few
 * evidence lines the rules point at — never every line, so memory stays bounded whatever the
 * size of the logs. Correlation (src/model/runtime/correlate.ts) is pure functions over this.
 */
export interface RuntimeEvidence {
  readonly logSources: LogSource[];
  readonly counterSources: CounterSource[];
  /** Per (host, server as printed): Swift's memcache client errors. `ALL` = every server failing. */
  readonly memcacheErrors: MemcacheErrorSeries[];
  /** Per host with proxy access lines or Swift memcache errors: 503/401 traffic and the txn join. */
  readonly proxies: ProxyTraffic[];
  /** Per (host, condition): memcached's own messages and the replies Swift logged. */
  readonly memcachedMessages: ConditionSeries[];
  /** Per (host, problem): keystonemiddleware / oslo.cache errors and warnings. */
  readonly tokenCacheErrors: ConditionSeries[];
  /** Per (host, unit or container): memcached starts, stops and exits. */
  readonly lifecycle: LifecycleSeries[];
  /** Per (host, port): kernel `Possible SYN flooding` lines. */
  readonly synFloods: ConditionSeries[];
}

/** One evidence line: where, and when (epoch ms, UTC; null when the line has no usable time). */
export interface Occurrence {
  readonly time: number | null;
  readonly location: SourceLocation;
}

/** What reading one log file yields besides its events: how much, which span of time, which year. */
export interface LogReadFigures {
  readonly format: LogFormat;
  /** Records read (after the byte prefilter: lines that cannot matter are never decoded). */
  readonly records: number;
  readonly events: number;
  readonly firstTime: number | null;
  readonly lastTime: number | null;
  /** Where year-less timestamps got their year: `bundle-year`, `file-year`, `flag-year`, `assumed-year`; null when none was needed. */
  readonly yearSource: YearSource | null;
  readonly year: number | null;
}

export interface LogSource extends LogReadFigures {
  readonly file: string;
  readonly hostId: string;
  /** For `proxy-access` parsing: the proxy's `log_msg_template` location, or null for Swift's default template. */
  readonly accessTemplate: SourceLocation | null;
}

export interface CounterValue {
  readonly name: string;
  readonly value: number;
  readonly location: SourceLocation;
}

export interface CounterSource {
  readonly file: string;
  readonly hostId: string;
  readonly kind: CounterSourceKind;
  /** memcached-tool's header names the server it asked. */
  readonly server?: string;
  /** Numeric counters only, the last of each name. */
  readonly counters: CounterValue[];
}

export interface MemcacheErrorSeries {
  readonly hostId: string;
  /** As printed (`192.0.2.11:11211`), or `ALL` for `All memcached servers error-limited` / `ALL: … No more memcached servers to try`. */
  readonly server: string;
  readonly serverHost: string | null;
  readonly serverPort: number | null;
  /** Programs that logged them (`proxy-server`, `object-expirer`, …). */
  readonly programs: string[];
  readonly count: number;
  readonly first: Occurrence;
  readonly last: Occurrence;
  /** Counts by what happened: `Error connecting: ECONNREFUSED`, `Timeout connecting`, `Error limiting`, … */
  readonly kinds: Record<string, number>;
  /** Lines that carried ` (txn: …)`. */
  readonly withTxn: number;
  /** Epoch seconds with at least one error, and the count in that second (sorted). */
  readonly seconds: [number, number][];
}

export interface MinuteCounts {
  /** Epoch ms of the minute's start (UTC). */
  readonly minute: number;
  readonly status503: number;
  readonly status401: number;
  readonly memcacheErrors: number;
}

/** One 503 or 401 request line (counted once: on its line without `source`). */
export interface AccessOccurrence extends Occurrence {
  readonly txnId: string | null;
  readonly path: string | null;
  readonly method: string | null;
}

export interface ProxyTraffic {
  readonly hostId: string;
  readonly status503: number;
  readonly status401: number;
  readonly first503: Occurrence | null;
  readonly first401: Occurrence | null;
  /** Minutes with a 503, a 401 or a memcache error, sorted: the human report's timeline. */
  readonly minutes: MinuteCounts[];
  /** Transactions that logged a backend error (`ERROR with Object server …`, `Object PUT returning 503`). */
  readonly backendErrors: number;
  /** The request lines and transaction ids the correlation needs (bounded; see TransactionLedger). */
  readonly ledger: TransactionLedger;
}

/** At most this many 503/401 lines and memcache/backend txn ids are kept per host; the rest are counted. */
export const LEDGER_LIMIT = 50_000;

/**
 * The per-host evidence for the transaction join: 503 and 401 request lines (time, txn,
 * location) and the txn ids seen on memcache error lines and backend error lines. It can be
 * large, so `--format json` prints its size, not its content.
 */
export class TransactionLedger {
  readonly status503: AccessOccurrence[] = [];
  readonly status401: AccessOccurrence[] = [];
  /** txn id → servers named on that transaction's memcache error lines (`ALL` included). */
  readonly memcacheTxns = new Map<string, Set<string>>();
  readonly backendTxns = new Set<string>();
  /** Lines not kept because a limit was reached. */
  dropped = 0;

  addAccess(list: AccessOccurrence[], occurrence: AccessOccurrence): void {
    if (list.length < LEDGER_LIMIT) list.push(occurrence);
    else this.dropped++;
  }

  addMemcacheTxn(txnId: string, server: string): void {
    const servers = this.memcacheTxns.get(txnId);
    if (servers) servers.add(server);
    else if (this.memcacheTxns.size < LEDGER_LIMIT) this.memcacheTxns.set(txnId, new Set([server]));
    else this.dropped++;
  }

  addBackendTxn(txnId: string): void {
    if (this.backendTxns.size < LEDGER_LIMIT) this.backendTxns.add(txnId);
    else this.dropped++;
  }

  toJSON(): Record<string, number> {
    return { status503Lines: this.status503.length, status401Lines: this.status401.length, memcacheTxns: this.memcacheTxns.size, backendTxns: this.backendTxns.size, dropped: this.dropped };
  }
}

export interface ConditionSeries {
  readonly hostId: string;
  /** What happened (`too-many-open-connections`, `pool-exhausted`, port for SYN floods, …). */
  readonly condition: string;
  /** Detail shown in messages: the server or pool named, when the lines say. */
  readonly subjects: string[];
  readonly count: number;
  readonly first: Occurrence;
  readonly last: Occurrence;
}

export interface LifecycleSeries {
  readonly hostId: string;
  /** `memcached.service`, or the container name. */
  readonly subject: string;
  readonly via: "systemd" | "docker";
  /** Start (or restart) lines, oldest first (at most 1000 kept). */
  readonly starts: Occurrence[];
  /** Stop, exit, failure and kill lines. */
  readonly stops: number;
  readonly lastStop: Occurrence | null;
}

export function emptyRuntime(): RuntimeEvidence {
  return { logSources: [], counterSources: [], memcacheErrors: [], proxies: [], memcachedMessages: [], tokenCacheErrors: [], lifecycle: [], synFloods: [] };
}
