import type { TimestampSource, YearHint } from "./record.js";

export const MONTHS: Readonly<Record<string, number>> = {
  Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12,
};

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** "5" → 500, "123456" → 123.456, "123456789" → 123.456789 (ms). */
export function fractionMillis(digits: string | undefined): number {
  if (!digits) return 0;
  return Number(`0.${digits}`) * 1000;
}

/** Epoch ms of a UTC wall-clock time, or null when a field is out of range (no silent rollover). */
export function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second: number, fraction?: string): number | null {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 60) return null;
  return Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59)) + fractionMillis(fraction);
}

/** `Z`, `+0200`, `+02:00`, `-05` → minutes east of UTC; null when not a numeric zone. */
export function zoneOffsetMinutes(zone: string): number | null {
  if (zone === "Z" || zone === "z" || zone === "UTC" || zone === "GMT" || zone === "UT") return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/u.exec(zone);
  if (!match) return null;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? "0");
  if (minutes > 18 * 60) return null;
  return match[1] === "-" ? -minutes : minutes;
}

export interface ParsedTime {
  readonly timestamp: number;
  /** False when the text had no zone and the caller's offset was assumed. */
  readonly zoneExplicit: boolean;
}

// Fixed-width fields, optional fraction of 1–9 digits, optional zone: no nested quantifiers.
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/u;

/**
 * RFC 3339 / ISO 8601 as docker (`2016-03-02T22:58:51.338462311Z`), journald `short-iso`
 * (`+0000`), rsyslog (`+00:00`) and oslo.log (`2024-05-01 16:08:03.123`, no zone) write it.
 */
export function parseIsoTime(text: string, utcOffsetMinutes = 0): ParsedTime | null {
  const match = ISO_TIME.exec(text);
  if (!match) return null;
  const base = utcMillis(+match[1]!, +match[2]!, +match[3]!, +match[4]!, +match[5]!, +match[6]!, match[7]);
  if (base === null) return null;
  const zone = match[8];
  const offset = zone === undefined ? utcOffsetMinutes : zoneOffsetMinutes(zone);
  if (offset === null) return null;
  return { timestamp: base - offset * 60_000, zoneExplicit: zone !== undefined };
}

/** A year-less wall-clock time (RFC 3164, journalctl `short`). */
export interface YearlessTime {
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly fraction?: string;
}

/**
 * Gives year-less stamps their year, per file. With a reference time (the bundle's date), each
 * stamp takes the latest year that does not put it after the reference (plus a day of slack for
 * zones). Without one, the hint's year is the first record's, and a month going backwards by
 * two or more (Dec → Jan) starts the next year.
 */
export class YearResolver {
  private year: number | null;
  private lastMonth: number | null = null;
  private source: TimestampSource;
  private referenceTime: number | undefined;

  constructor(hint: YearHint | undefined, private readonly utcOffsetMinutes: number) {
    this.year = hint?.year ?? null;
    this.source = hint?.source ?? "none";
    this.referenceTime = hint?.referenceTime;
  }

  /**
   * The file states its own time span (journalctl's `-- Logs begin at …, end at … --`): that
   * beats a bundle-wide guess, but not the user's explicit flag.
   */
  useFileEnd(endTime: number): void {
    if (this.source === "flag-year") return;
    this.year = new Date(endTime).getUTCFullYear();
    this.referenceTime = endTime;
    this.source = "file-year";
    this.lastMonth = null;
  }

  get hasYear(): boolean {
    return this.year !== null;
  }

  resolve(time: YearlessTime): { timestamp: number; source: TimestampSource } | null {
    if (this.year === null) return null;
    const offset = this.utcOffsetMinutes * 60_000;
    if (this.referenceTime !== undefined) {
      const slack = 24 * 3600_000;
      let year = new Date(this.referenceTime).getUTCFullYear() + 1;
      // Feb 29 may need to go back up to 4 years to exist at all.
      for (let tries = 0; tries < 6; tries++, year--) {
        const base = utcMillis(year, time.month, time.day, time.hour, time.minute, time.second, time.fraction);
        if (base !== null && base - offset <= this.referenceTime + slack) return { timestamp: base - offset, source: this.source };
      }
      return null;
    }
    let year = this.year;
    if (this.lastMonth !== null && this.lastMonth - time.month >= 2) {
      // Logs run forward: a month two or more back is the next year (Dec → Jan, or Nov → Jan
      // when the filter skipped December). One month back is an out-of-order line.
      year = ++this.year;
      this.lastMonth = time.month;
    } else if (this.lastMonth === 1 && time.month === 12) {
      // A straggler from before the rollover (Dec after Jan): last year, and no state change.
      year--;
    } else {
      this.lastMonth = time.month;
    }
    const base = utcMillis(year, time.month, time.day, time.hour, time.minute, time.second, time.fraction);
    return base === null ? null : { timestamp: base - offset, source: this.source };
  }
}
