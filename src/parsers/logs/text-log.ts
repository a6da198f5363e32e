import { readLines } from "./line-reader.js";
import type { LogReadOptions, LogRecord, RecordSyntax, TimestampSource } from "./record.js";
import { DEFAULT_MAX_LINE_BYTES, DiagnosticLimiter, SYSLOG_SEVERITY_NAMES } from "./record.js";
import type { YearlessTime } from "./timestamps.js";
import { MONTHS, parseIsoTime, YearResolver, zoneOffsetMinutes } from "./timestamps.js";

/**
 * Line-oriented logs, one syntax detected per line so that mixed files (Kolla's
 * `/var/log/kolla/**`, a syslog with oslo.log lines forwarded into it) read as well as pure ones:
 *
 * - RFC 3164 / journalctl `short`, `short-precise`: `May  1 16:08:03[.123456] host tag[pid]: msg`
 * - journalctl `short-iso`, `short-iso-precise`, rsyslog RFC 3339: `2024-05-01T16:08:03+0000 host tag: msg`
 * - journalctl `short-full`: `Wed 2024-05-01 16:08:03 UTC host tag: msg`
 * - journalctl `short-unix`: `1714579683.123456 host tag: msg`
 * - RFC 5424: `<PRI>1 2024-05-01T16:08:03.123Z host app procid msgid [sd] msg`
 * - oslo.log: `2024-05-01 16:08:03.123 1234 ERROR keystonemiddleware.auth_token [-] msg`
 * - `docker logs --timestamps`: `2024-05-01T16:08:03.123456789Z msg`
 * - anything else: a plain message without time.
 *
 * journalctl indents the continuation lines of a multi-line message; such a line becomes its own
 * record carrying its header's time, host and tag.
 */
export type TextMode = "text" | "docker-text";

export interface TextLineContext {
  readonly years: YearResolver;
  readonly utcOffsetMinutes: number;
  readonly mode: TextMode;
}

export interface ParsedTextLine {
  readonly syntax: RecordSyntax;
  readonly timestamp: number | null;
  readonly timestampSource: TimestampSource;
  readonly zoneAssumed?: boolean;
  readonly yearMissing?: boolean;
  readonly host?: string;
  readonly program?: string;
  readonly pid?: number;
  readonly level?: string;
  readonly logger?: string;
  readonly message: string;
}

// Every pattern is anchored, fixed-width where it can be, and has no quantified group that can
// match the same text two ways: linear time on any input.
const BSD_STAMP = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? /u;
const FULL_STAMP = /^[A-Z][a-z]{2} (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?) ([A-Za-z][A-Za-z0-9_/+-]{0,40}|[+-]\d{2}:?\d{2}) /u;
const OSLO_PREFIX = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?) (\d{1,10}) ([A-Z]{1,10}) ([^ ]{1,200})(?: |$)/u;
const UNIX_STAMP = /^(\d{9,11})(?:\.(\d{1,9}))? /u;
const PRI = /^<(\d{1,3})>/u;
const JOURNAL_SPAN_END = /(?:end|ends) at (?:[A-Z][a-z]{2} )?(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?: ([A-Za-z][A-Za-z0-9_/+-]{0,40}|[+-]\d{2}:?\d{2}))?\. --$/u;

/** journalctl's `-- Logs begin at …, end at … --` (or `-- Journal begins at …, ends at … --`) end time. */
export function journalHeaderEnd(line: string, utcOffsetMinutes: number): number | null {
  if (!line.startsWith("-- ")) return null;
  const match = JOURNAL_SPAN_END.exec(line);
  if (!match) return null;
  const zone = match[2];
  const offset = zone === undefined ? utcOffsetMinutes : (zoneOffsetMinutes(zone) ?? utcOffsetMinutes);
  const parsed = parseIsoTime(match[1]!, offset);
  return parsed?.timestamp ?? null;
}

/** journalctl's own marker lines (`-- Reboot --`, `-- No entries --`, the span header). */
export function isJournalMarker(line: string): boolean {
  return line.startsWith("-- ") && line.endsWith(" --");
}

export function parseTextLine(line: string, context: TextLineContext): ParsedTextLine {
  if (context.mode === "docker-text") return parseDockerTimestampLine(line, context) ?? plain(line);
  const first = line.charCodeAt(0);
  if (first === 0x3c /* < */) {
    const pri = PRI.exec(line);
    if (pri) {
      const severity = SYSLOG_SEVERITY_NAMES[Number(pri[1]) % 8];
      const body = line.slice(pri[0].length);
      const parsed = body.startsWith("1 ") ? parseRfc5424(body.slice(2), context) : parseAfterPri(body, context);
      return parsed.level || !severity ? parsed : { ...parsed, level: severity };
    }
    return plain(line);
  }
  return parseAfterPri(line, context);
}

function parseAfterPri(line: string, context: TextLineContext): ParsedTextLine {
  const first = line.charCodeAt(0);
  if (first >= 0x41 && first <= 0x5a /* A-Z */) {
    const bsd = BSD_STAMP.exec(line);
    if (bsd) {
      const month = MONTHS[bsd[1]!];
      if (month !== undefined) {
        const time: YearlessTime = {
          month,
          day: Number(bsd[2]),
          hour: Number(bsd[3]),
          minute: Number(bsd[4]),
          second: Number(bsd[5]),
          ...(bsd[6] === undefined ? {} : { fraction: bsd[6] }),
        };
        const resolved = context.years.resolve(time);
        const header = splitHostAndTag(line.slice(bsd[0].length));
        return {
          syntax: "rfc3164",
          timestamp: resolved?.timestamp ?? null,
          timestampSource: resolved?.source ?? "none",
          zoneAssumed: true,
          ...(context.years.hasYear ? {} : { yearMissing: true }),
          ...header,
        };
      }
    }
    const full = FULL_STAMP.exec(line);
    if (full) {
      const zone = zoneOffsetMinutes(full[2]!);
      const parsed = parseIsoTime(full[1]!, zone ?? context.utcOffsetMinutes);
      return {
        syntax: "journal-short-full",
        timestamp: parsed?.timestamp ?? null,
        timestampSource: parsed ? "record" : "none",
        ...(zone === null ? { zoneAssumed: true } : {}),
        ...splitHostAndTag(line.slice(full[0].length)),
      };
    }
    return plain(line);
  }
  if (first >= 0x30 && first <= 0x39 /* 0-9 */) {
    if (line.startsWith("1 ") && line.charCodeAt(2) >= 0x30 && line.charCodeAt(2) <= 0x39) return parseRfc5424(line.slice(2), context);
    const oslo = OSLO_PREFIX.exec(line);
    if (oslo) return parseOslo(line, oslo, context);
    if (line.charCodeAt(4) === 0x2d /* - */ && line.charCodeAt(10) === 0x54 /* T */) {
      const space = line.indexOf(" ");
      const stamp = space === -1 ? line : line.slice(0, space);
      const parsed = parseIsoTime(stamp, context.utcOffsetMinutes);
      if (parsed) {
        const rest = space === -1 ? "" : line.slice(space + 1);
        const header = splitHostAndTag(rest);
        // Docker writes UTC with `Z` and no host/tag; syslog daemons and journalctl write an offset.
        if (stamp.endsWith("Z") && header.program === undefined) {
          return { syntax: "docker-timestamp", timestamp: parsed.timestamp, timestampSource: "record", message: rest };
        }
        return {
          syntax: "rfc3339-syslog",
          timestamp: parsed.timestamp,
          timestampSource: "record",
          ...(parsed.zoneExplicit ? {} : { zoneAssumed: true }),
          ...header,
        };
      }
    }
    const unix = UNIX_STAMP.exec(line);
    if (unix) {
      return {
        syntax: "journal-short-unix",
        timestamp: Number(unix[1]) * 1000 + Number(`0.${unix[2] ?? "0"}`) * 1000,
        timestampSource: "record",
        ...splitHostAndTag(line.slice(unix[0].length)),
      };
    }
  }
  return plain(line);
}

function plain(line: string): ParsedTextLine {
  return { syntax: "plain", timestamp: null, timestampSource: "none", message: line };
}

function parseDockerTimestampLine(line: string, context: TextLineContext): ParsedTextLine | null {
  const space = line.indexOf(" ");
  if (space < 19) return null;
  const parsed = parseIsoTime(line.slice(0, space), context.utcOffsetMinutes);
  if (!parsed) return null;
  return { syntax: "docker-timestamp", timestamp: parsed.timestamp, timestampSource: "record", message: line.slice(space + 1) };
}

function parseOslo(line: string, match: RegExpExecArray, context: TextLineContext): ParsedTextLine {
  const parsed = parseIsoTime(match[1]!, context.utcOffsetMinutes);
  let message = line.slice(match[0].length);
  // `[req-… user project …] ` or `[-] `: the request context, not part of the message.
  if (message.startsWith("[")) {
    const close = message.indexOf("] ");
    if (close !== -1) message = message.slice(close + 2);
    else if (message.endsWith("]")) message = "";
  }
  const logger = match[4]!;
  return {
    syntax: "oslo",
    timestamp: parsed?.timestamp ?? null,
    timestampSource: parsed ? "record" : "none",
    zoneAssumed: true,
    pid: Number(match[2]),
    level: match[3]!,
    logger,
    message,
  };
}

/** RFC 5424 after `VERSION SP`: TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]. */
function parseRfc5424(body: string, context: TextLineContext): ParsedTextLine {
  const fields: string[] = [];
  let position = 0;
  for (let i = 0; i < 5; i++) {
    const space = body.indexOf(" ", position);
    if (space === -1) return plain(body);
    fields.push(body.slice(position, space));
    position = space + 1;
  }
  const [stamp, host, app, procId] = fields as [string, string, string, string, string];
  position = skipStructuredData(body, position);
  let message = position < body.length ? body.slice(position + (body.charCodeAt(position) === 0x20 ? 1 : 0)) : "";
  if (message.charCodeAt(0) === 0xfeff) message = message.slice(1);
  const parsed = stamp === "-" ? null : parseIsoTime(stamp, context.utcOffsetMinutes);
  const pid = /^\d{1,10}$/u.test(procId) ? Number(procId) : undefined;
  return {
    syntax: "rfc5424",
    timestamp: parsed?.timestamp ?? null,
    timestampSource: parsed ? "record" : "none",
    ...(parsed && !parsed.zoneExplicit ? { zoneAssumed: true } : {}),
    ...(host === "-" ? {} : { host }),
    ...(app === "-" ? {} : { program: app }),
    ...(pid === undefined ? {} : { pid }),
    message,
  };
}

/** Index just after STRUCTURED-DATA (`-` or `[id k="v" …]…`, with `\"`, `\\`, `\]` escapes). */
function skipStructuredData(body: string, start: number): number {
  if (body.charCodeAt(start) === 0x2d /* - */) return start + 1;
  let position = start;
  while (body.charCodeAt(position) === 0x5b /* [ */) {
    let inQuotes = false;
    position++;
    for (; position < body.length; position++) {
      const code = body.charCodeAt(position);
      if (inQuotes && code === 0x5c /* \ */) position++;
      else if (code === 0x22 /* " */) inQuotes = !inQuotes;
      else if (!inQuotes && code === 0x5d /* ] */) break;
    }
    position++;
  }
  return Math.min(position, body.length);
}

export interface HostAndTag {
  readonly host?: string;
  readonly program?: string;
  readonly pid?: number;
  readonly message: string;
}

/** `host tag[pid]: message` → its parts. A tag is one word ending in `:` (RFC 3164 §4.1.3). */
export function splitHostAndTag(rest: string): HostAndTag {
  const space = rest.indexOf(" ");
  if (space <= 0) return rest.length > 0 && rest.endsWith(":") ? { message: "" } : { message: rest };
  const host = rest.slice(0, space);
  const after = rest.slice(space + 1);
  const tag = splitTag(after);
  return { host, ...tag };
}

export function splitTag(text: string): { program?: string; pid?: number; message: string } {
  let colon = text.indexOf(": ");
  if (colon === -1 && text.endsWith(":")) colon = text.length - 1;
  if (colon <= 0 || colon > 256) return { message: text };
  const tag = text.slice(0, colon);
  if (tag.includes(" ")) return { message: text };
  const message = text.slice(colon + 2);
  const open = tag.lastIndexOf("[");
  if (open > 0 && tag.endsWith("]")) {
    const pidText = tag.slice(open + 1, -1);
    if (/^\d{1,10}$/u.test(pidText)) return { program: tag.slice(0, open), pid: Number(pidText), message };
  }
  return { program: tag, message };
}

/** Reads a line-oriented log (see the module comment) as records. */
export async function* readTextLog(chunks: AsyncIterable<Buffer>, options: LogReadOptions, mode: TextMode = "text"): AsyncGenerator<LogRecord> {
  const diagnostics = new DiagnosticLimiter(options.file, options.onDiagnostic);
  const utcOffsetMinutes = options.utcOffsetMinutes ?? 0;
  const years = new YearResolver(options.year, utcOffsetMinutes);
  const context: TextLineContext = { years, utcOffsetMinutes, mode };
  const filter = options.filter ?? null;
  let yearWarned = false;
  try {
    for await (const raw of readLines(chunks, {
      filter,
      maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
      alwaysFirstLine: mode === "text",
      trackHeaders: mode === "text",
      onLongLine: (line, bytes) => diagnostics.report("warning", "log-line-too-long", `line ${line} is at least ${bytes} bytes long (a reader streaming the log stops counting there); skipped`, line),
    })) {
      const text = raw.bytes.toString("utf8");
      if (raw.line === 1 && mode === "text") {
        const end = journalHeaderEnd(text, utcOffsetMinutes);
        if (end !== null) years.useFileEnd(end);
        if (filter && !filter.matches(raw.bytes)) continue;
      }
      if (mode === "text" && isJournalMarker(text)) continue;
      let parsed: ParsedTextLine;
      if (raw.header && mode === "text") {
        const header = parseTextLine(raw.header.bytes.toString("utf8"), context);
        parsed = { ...header, syntax: "journal-continuation", message: text.trim() };
      } else {
        parsed = parseTextLine(text, context);
      }
      if (parsed.yearMissing && !yearWarned) {
        yearWarned = true;
        diagnostics.report(
          "note",
          "log-year-unknown",
          "timestamps in this file have no year and none was given (bundle date, file header or --year): their times are left empty",
          raw.line,
        );
      }
      yield toRecord(options, raw.line, parsed);
    }
  } catch (error) {
    diagnostics.report("warning", "log-read-error", `the log could not be read to the end (${errorText(error)}); records before the error were kept`);
  } finally {
    diagnostics.finish();
  }
}

function toRecord(options: LogReadOptions, line: number, parsed: ParsedTextLine): LogRecord {
  return {
    file: options.file,
    line,
    timestamp: parsed.timestamp,
    timestampSource: parsed.timestamp === null ? "none" : parsed.timestampSource,
    ...(parsed.zoneAssumed && parsed.timestamp !== null ? { zoneAssumed: true } : {}),
    syntax: parsed.syntax,
    ...(parsed.host === undefined ? {} : { host: parsed.host }),
    ...(parsed.program === undefined ? {} : { program: parsed.program }),
    ...(parsed.pid === undefined ? {} : { pid: parsed.pid }),
    ...(parsed.level === undefined ? {} : { level: parsed.level }),
    ...(parsed.logger === undefined ? {} : { logger: parsed.logger }),
    ...(options.containerName === undefined ? {} : { containerName: options.containerName }),
    message: parsed.message,
  };
}

export function errorText(error: unknown): string {
  if (error && typeof error === "object") {
    const code = "code" in error && typeof error.code === "string" ? error.code : undefined;
    const message = "message" in error && typeof error.message === "string" ? error.message : undefined;
    return [code, message].filter(Boolean).join(": ") || "read error";
  }
  return String(error);
}
