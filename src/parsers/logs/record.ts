import type { Diagnostic } from "../../model/diagnostic.js";
import type { ByteFilter } from "./byte-filter.js";

/**
 * The common shape every log reader yields, whatever the export format. A record is one log
 * message: one line of a text log, one journald entry, one docker json-file entry (partial
 * entries joined). Readers are async iterators so that nothing holds a whole log in memory.
 */
export interface LogRecord {
  /** Display path of the file (as given by the caller). */
  readonly file: string;
  /** 1-based line of the record's first line in the (decompressed) file. */
  readonly line: number;
  /**
   * Epoch milliseconds (UTC), or null when the record has no usable time. The fractional part
   * keeps sub-millisecond precision where the source has it (journald µs, docker ns).
   */
  readonly timestamp: number | null;
  /** Where the timestamp (and for year-less stamps, its year) came from. */
  readonly timestampSource: TimestampSource;
  /** True when the stamp had no zone and `utcOffsetMinutes` (default UTC) was assumed. */
  readonly zoneAssumed?: boolean;
  /** How the record was written: which line syntax or export format. */
  readonly syntax: RecordSyntax;
  readonly host?: string;
  /** Syslog tag / SYSLOG_IDENTIFIER / `_COMM`, or the oslo.log logger's service. */
  readonly program?: string;
  /** systemd unit that wrote the record (`_SYSTEMD_UNIT`). */
  readonly unit?: string;
  /** The unit a systemd message is *about* (journald `UNIT` / `USER_UNIT`). */
  readonly subjectUnit?: string;
  readonly pid?: number;
  /** Level name as written (`ERROR`, `WARNING`) or syslog priority name (`err`, `info`). */
  readonly level?: string;
  /** oslo.log logger name (`keystonemiddleware.auth_token`). */
  readonly logger?: string;
  readonly containerName?: string;
  readonly stream?: "stdout" | "stderr";
  readonly message: string;
  /** journald printed `null` for the message (field over 4096 bytes without `--all`). */
  readonly messageOmitted?: boolean;
}

export type RecordSyntax =
  | "rfc3164"
  | "rfc5424"
  | "rfc3339-syslog"
  | "journal-short-full"
  | "journal-short-unix"
  | "journal-continuation"
  | "oslo"
  | "docker-timestamp"
  | "plain"
  | "journal-json"
  | "journal-export"
  | "docker-json";

/**
 * Where a year-less timestamp's year comes from: the bundle (its `date` file), the file itself
 * (`-- Logs begin at … --` header of a journalctl export), the user's flag, or a plain guess.
 */
export type YearSource = "bundle-year" | "file-year" | "flag-year" | "assumed-year";

/** `record`: the record carries a full date. `none`: no timestamp at all. */
export type TimestampSource = "record" | YearSource | "none";

export interface YearHint {
  readonly year: number;
  readonly source: YearSource;
  /**
   * When the log is known to end before this instant (the bundle's collection time), each
   * year-less stamp gets the latest year that does not put it after this instant (the rule
   * syslog readers use). Without it, `year` is the year of the file's first record and a
   * month going backwards (Dec → Jan) moves to the next year.
   */
  readonly referenceTime?: number;
}

/** Export formats the readers understand. `text` covers every line-oriented syntax. */
export type LogFormat = "journal-json" | "journal-export" | "docker-json" | "docker-text" | "text";

export interface LogReadOptions {
  /** Display path put on records and diagnostics. */
  readonly file: string;
  /** Year for stamps without one (RFC 3164, journalctl `short`, `short-precise`). */
  readonly year?: YearHint;
  /** Offset of zone-less stamps (RFC 3164, oslo.log, `short*`) from UTC; default 0. */
  readonly utcOffsetMinutes?: number;
  /**
   * Byte prefilter: records whose bytes contain none of its needles may be skipped before they
   * are decoded (and so are never checked for syntax: a torn line is reported only when read).
   * A record that contains one is never skipped.
   */
  readonly filter?: ByteFilter | null;
  /** Container name for docker logs (else read from `config.v2.json` beside a json-file log). */
  readonly containerName?: string;
  /** A longer line (or journald field) is skipped with a diagnostic. Default 1 MiB. */
  readonly maxLineBytes?: number;
  readonly onDiagnostic?: (diagnostic: Diagnostic) => void;
}

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/** At most this many diagnostics of one code per file; the rest are counted in one summary. */
export const MAX_DIAGNOSTICS_PER_CODE = 20;

/**
 * Forwards diagnostics to the caller, at most `MAX_DIAGNOSTICS_PER_CODE` per code, so a
 * gigabyte of garbage cannot turn into a gigabyte of diagnostics.
 */
export class DiagnosticLimiter {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly file: string,
    private readonly sink: ((diagnostic: Diagnostic) => void) | undefined,
  ) {}

  report(severity: Diagnostic["severity"], code: string, message: string, line?: number): void {
    const count = (this.counts.get(code) ?? 0) + 1;
    this.counts.set(code, count);
    if (count > MAX_DIAGNOSTICS_PER_CODE || !this.sink) return;
    this.sink({ severity, code, message, file: this.file, ...(line === undefined ? {} : { line }) });
  }

  /** Emits one summary per code that went over the limit. Call once at the end of the file. */
  finish(): void {
    if (!this.sink) return;
    for (const [code, count] of [...this.counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (count > MAX_DIAGNOSTICS_PER_CODE) {
        this.sink({
          severity: "note",
          code,
          message: `${count - MAX_DIAGNOSTICS_PER_CODE} more ${code} diagnostics in this file were not listed`,
          file: this.file,
        });
      }
    }
  }
}

/** syslog/journald PRIORITY → name (RFC 5424 §6.2.1 severities). */
export const SYSLOG_SEVERITY_NAMES = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"] as const;
