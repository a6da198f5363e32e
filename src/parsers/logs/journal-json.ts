import type { ByteFilter } from "./byte-filter.js";
import { peekChunks, readLines } from "./line-reader.js";
import type { LogReadOptions, LogRecord, RecordSyntax } from "./record.js";
import { DEFAULT_MAX_LINE_BYTES, DiagnosticLimiter, SYSLOG_SEVERITY_NAMES } from "./record.js";
import { errorText } from "./text-log.js";

/**
 * journald exports as JSON: `journalctl -o json` (one object per line) and `-o json-pretty`
 * (indented objects one after another, or wrapped in a JSON array as some tools save them).
 *
 * systemd's JSON rules (systemd.journal-fields(7), journalctl(1) `--output=json`): a field whose
 * data is not valid UTF-8 or holds control characters is an array of byte values; a field that
 * occurs more than once is an array of values; a field over 4096 bytes is `null` unless `--all`.
 */

/** The journald fields a record is made of, as text (null: journald printed `null`). */
export type JournalFieldReader = (name: string) => string | null | undefined;

export function journalRecord(
  fields: JournalFieldReader,
  options: LogReadOptions,
  line: number,
  syntax: RecordSyntax,
): LogRecord {
  const realtime = fields("__REALTIME_TIMESTAMP") ?? fields("_SOURCE_REALTIME_TIMESTAMP");
  const micros = realtime && /^\d{1,20}$/u.test(realtime) ? Number(realtime) : null;
  const message = fields("MESSAGE");
  const pidText = fields("SYSLOG_PID") ?? fields("_PID");
  const priority = fields("PRIORITY");
  const level = priority && /^[0-7]$/u.test(priority) ? SYSLOG_SEVERITY_NAMES[Number(priority)] : undefined;
  const host = fields("_HOSTNAME");
  const program = fields("SYSLOG_IDENTIFIER") ?? fields("_COMM");
  const unit = fields("_SYSTEMD_UNIT") ?? fields("_SYSTEMD_USER_UNIT");
  const subjectUnit = fields("UNIT") ?? fields("USER_UNIT");
  const containerName = fields("CONTAINER_NAME") ?? options.containerName;
  return {
    file: options.file,
    line,
    timestamp: micros === null ? null : micros / 1000,
    timestampSource: micros === null ? "none" : "record",
    syntax,
    ...(host ? { host } : {}),
    ...(program ? { program } : {}),
    ...(unit ? { unit } : {}),
    ...(subjectUnit ? { subjectUnit } : {}),
    ...(pidText && /^\d{1,10}$/u.test(pidText) ? { pid: Number(pidText) } : {}),
    ...(level ? { level } : {}),
    ...(containerName ? { containerName } : {}),
    message: message ?? "",
    ...(message === null ? { messageOmitted: true } : {}),
  };
}

/** A JSON field value as text: strings as they are, byte arrays decoded as UTF-8, the first of repeated values. */
export function journalJsonValue(value: unknown): string | null | undefined {
  // A loop, not recursion: `[[[…]]]` nested 100,000 deep overflowed the stack and ended the
  // reading of the whole log at that entry.
  let current = value;
  while (Array.isArray(current)) {
    if (current.length > 0 && current.every((item) => typeof item === "number")) return bytesToText(current as number[]);
    if (current.length === 0) return "";
    current = current[0];
  }
  if (current === null) return null;
  if (typeof current === "string") return current;
  if (typeof current === "number") return String(current);
  return undefined;
}

function bytesToText(values: number[]): string | undefined {
  for (const value of values) if (!Number.isInteger(value) || value < 0 || value > 255) return undefined;
  return Buffer.from(values).toString("utf8");
}

function hasByteArrayValue(entry: Record<string, unknown>): boolean {
  return Array.isArray(entry["MESSAGE"]);
}

function keep(entry: Record<string, unknown>, filter: ByteFilter | null, bytesMatched: boolean): boolean {
  if (!filter || bytesMatched) return true;
  // The bytes did not match, but a byte-array MESSAGE hides its text from a byte search.
  if (!hasByteArrayValue(entry)) return false;
  const message = journalJsonValue(entry["MESSAGE"]);
  return typeof message === "string" && filter.matchesText(message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads `journalctl -o json` or `-o json-pretty` output (sniffed from the first bytes). */
export async function* readJournalJson(source: AsyncIterable<Buffer>, options: LogReadOptions): AsyncGenerator<LogRecord> {
  const diagnostics = new DiagnosticLimiter(options.file, options.onDiagnostic);
  try {
    const { head, chunks } = await peekChunks(source);
    const pretty = isPretty(head);
    const records = pretty ? readPretty(chunks, options, diagnostics) : readJsonLines(chunks, options, diagnostics);
    for await (const record of records) yield record;
  } catch (error) {
    diagnostics.report("warning", "log-read-error", `the log could not be read to the end (${errorText(error)}); records before the error were kept`);
  } finally {
    diagnostics.finish();
  }
}

/** `[` first, or a `{` alone on its line: pretty-printed objects rather than one per line. */
function isPretty(head: Buffer): boolean {
  let i = 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (head[i] === 0x5b /* [ */) return true;
  if (head[i] !== 0x7b /* { */) return false;
  i++;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0d)) i++;
  return head[i] === 0x0a;
}

async function* readJsonLines(chunks: AsyncIterable<Buffer>, options: LogReadOptions, diagnostics: DiagnosticLimiter): AsyncGenerator<LogRecord> {
  const filter = options.filter ?? null;
  // journalctl writes byte arrays without spaces: `"MESSAGE":[85,110,…]`.
  const lineFilter = filter ? filter.with(['MESSAGE":[']) : null;
  for await (const raw of readLines(chunks, {
    filter: lineFilter,
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    onLongLine: (line, bytes) => diagnostics.report("warning", "log-line-too-long", `line ${line} is at least ${bytes} bytes long (a reader streaming the log stops counting there); skipped`, line),
  })) {
    const text = raw.bytes.toString("utf8").trim();
    if (text.length === 0) continue;
    let entry: unknown;
    try {
      entry = JSON.parse(text);
    } catch {
      diagnostics.report("warning", "journal-json-invalid", `line ${raw.line} is not a JSON object; skipped`, raw.line);
      continue;
    }
    if (!isObject(entry)) {
      diagnostics.report("warning", "journal-json-invalid", `line ${raw.line} is not a JSON object; skipped`, raw.line);
      continue;
    }
    if (!keep(entry, filter, filter ? filter.matches(raw.bytes) : true)) continue;
    const object = entry;
    yield journalRecord((name) => journalJsonValue(object[name]), options, raw.line, "journal-json");
  }
}

/**
 * Pretty output: objects span lines. A small scanner tracks brace depth outside strings, so an
 * object is complete when its closing brace is seen; each object is bounded in size.
 */
async function* readPretty(chunks: AsyncIterable<Buffer>, options: LogReadOptions, diagnostics: DiagnosticLimiter): AsyncGenerator<LogRecord> {
  const filter = options.filter ?? null;
  const maxObjectBytes = (options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES) * 8;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let parts: Buffer[] = [];
  let size = 0;
  let oversized = false;
  let startLine = 0;
  for await (const raw of readLines(chunks, {
    maxLineBytes: maxObjectBytes,
    onLongLine: (line, bytes) => diagnostics.report("warning", "log-line-too-long", `line ${line} is at least ${bytes} bytes long (a reader streaming the log stops counting there); skipped`, line),
  })) {
    const bytes = raw.bytes;
    let segmentStart = depth > 0 ? 0 : -1;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === 0x5c) escaped = true;
        else if (byte === 0x22) inString = false;
        continue;
      }
      if (byte === 0x22) {
        if (depth > 0) inString = true;
      } else if (byte === 0x7b || byte === 0x5b) {
        if (byte === 0x7b && depth === 0) {
          segmentStart = i;
          startLine = raw.line;
          parts = [];
          size = 0;
          oversized = false;
          depth = 1;
        } else if (depth > 0) {
          depth++;
        }
      } else if ((byte === 0x7d || byte === 0x5d) && depth > 0) {
        depth--;
        if (depth === 0) {
          const segment = bytes.subarray(segmentStart, i + 1);
          size += segment.length;
          if (!oversized && size <= maxObjectBytes) parts.push(Buffer.from(segment));
          else oversized = true;
          segmentStart = -1;
          const record = finishPrettyObject(parts, oversized, startLine, options, filter, diagnostics);
          parts = [];
          if (record) yield record;
        }
      }
    }
    if (depth > 0 && segmentStart !== -1) {
      const segment = bytes.subarray(segmentStart);
      size += segment.length + 1;
      if (!oversized && size <= maxObjectBytes) parts.push(Buffer.from(segment), Buffer.from("\n"));
      else {
        oversized = true;
        parts = [];
      }
    }
  }
  if (depth > 0) diagnostics.report("warning", "journal-json-invalid", `the object starting at line ${startLine} is not closed; skipped`, startLine);
}

function finishPrettyObject(
  parts: Buffer[],
  oversized: boolean,
  line: number,
  options: LogReadOptions,
  filter: ByteFilter | null,
  diagnostics: DiagnosticLimiter,
): LogRecord | null {
  if (oversized) {
    diagnostics.report("warning", "log-record-too-large", `the journal entry at line ${line} is larger than the record limit; skipped`, line);
    return null;
  }
  const bytes = Buffer.concat(parts);
  const bytesMatched = filter ? filter.matches(bytes) : true;
  // Pretty printers put spaces around the colon: search loosely for a byte-array MESSAGE.
  if (!bytesMatched && !/"MESSAGE"\s{0,4}:\s{0,4}\[/u.test(bytes.toString("latin1"))) return null;
  let entry: unknown;
  try {
    entry = JSON.parse(bytes.toString("utf8"));
  } catch {
    diagnostics.report("warning", "journal-json-invalid", `the object starting at line ${line} is not valid JSON; skipped`, line);
    return null;
  }
  if (!isObject(entry)) return null;
  if (!keep(entry, filter, bytesMatched)) return null;
  const object = entry;
  return journalRecord((name) => journalJsonValue(object[name]), options, line, "journal-json");
}
