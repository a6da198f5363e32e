import { journalRecord } from "./journal-json.js";
import type { LogReadOptions, LogRecord } from "./record.js";
import { DEFAULT_MAX_LINE_BYTES, DiagnosticLimiter } from "./record.js";
import { errorText } from "./text-log.js";

/**
 * `journalctl -o export` (systemd's Journal Export Format, systemd.io/JOURNAL_EXPORT_FORMATS):
 * entries separated by an empty line; a field is `NAME=value\n`, or, when the value is binary or
 * holds a newline, `NAME\n` + a 64-bit little-endian length + the raw bytes + `\n`.
 *
 * Read as a byte stream with a small state machine: only the fields a record needs are kept,
 * other values (core dumps, environment blocks) are skipped without being buffered. Line numbers
 * count every `\n` byte, including those inside binary values, so they match `sed -n Np`.
 */
const KEPT_FIELDS = new Set([
  "MESSAGE",
  "__REALTIME_TIMESTAMP",
  "_SOURCE_REALTIME_TIMESTAMP",
  "_HOSTNAME",
  "SYSLOG_IDENTIFIER",
  "_COMM",
  "_SYSTEMD_UNIT",
  "_SYSTEMD_USER_UNIT",
  "UNIT",
  "USER_UNIT",
  "SYSLOG_PID",
  "_PID",
  "PRIORITY",
  "CONTAINER_NAME",
]);

/** Fields whose bytes the prefilter looks at (a unit name is evidence as much as the message). */
const FILTERED_FIELDS = new Set(["MESSAGE", "SYSLOG_IDENTIFIER", "_SYSTEMD_UNIT", "UNIT", "CONTAINER_NAME", "_COMM"]);

const FIELD_NAME = /^[A-Za-z0-9_]{1,64}$/u;

/** Pull-based byte reader over a chunk stream. */
class ByteQueue {
  private buffer: Buffer = Buffer.alloc(0);
  private position = 0;
  private done = false;
  private readonly iterator: AsyncIterator<Buffer>;
  /** Newlines consumed so far. */
  newlines = 0;

  constructor(chunks: AsyncIterable<Buffer>) {
    this.iterator = chunks[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.iterator.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    const rest = this.buffer.subarray(this.position);
    this.buffer = rest.length > 0 ? Buffer.concat([rest, next.value]) : next.value;
    this.position = 0;
    return true;
  }

  /** The next line without its `\n`; `tooLong` when it exceeds `max` (then it is consumed). Null at the end. */
  async readLine(max: number): Promise<Buffer | "tooLong" | null> {
    let searchFrom = this.position;
    for (;;) {
      const newline = this.buffer.indexOf(0x0a, searchFrom);
      if (newline !== -1) {
        const line = this.buffer.subarray(this.position, newline);
        this.position = newline + 1;
        this.newlines++;
        return line.length > max ? "tooLong" : line;
      }
      if (this.buffer.length - this.position > max) {
        // Drop what we have and keep dropping until the newline.
        await this.skipPastNewline();
        return "tooLong";
      }
      const searched = this.buffer.length - this.position;
      if (!(await this.fill())) {
        if (this.position >= this.buffer.length) return null;
        const line = this.buffer.subarray(this.position);
        this.position = this.buffer.length;
        return line.length > max ? "tooLong" : line;
      }
      searchFrom = this.position + searched;
    }
  }

  private async skipPastNewline(): Promise<void> {
    for (;;) {
      const newline = this.buffer.indexOf(0x0a, this.position);
      if (newline !== -1) {
        this.position = newline + 1;
        this.newlines++;
        return;
      }
      this.position = this.buffer.length;
      if (!(await this.fill())) return;
    }
  }

  /** Exactly `count` bytes, or null at a premature end. */
  async read(count: number): Promise<Buffer | null> {
    while (this.buffer.length - this.position < count) if (!(await this.fill())) return null;
    const bytes = this.buffer.subarray(this.position, this.position + count);
    this.position += count;
    this.newlines += countNewlines(bytes);
    return bytes;
  }

  /** Skips `count` bytes without keeping them; false at a premature end. */
  async skip(count: number): Promise<boolean> {
    let left = count;
    for (;;) {
      const available = this.buffer.length - this.position;
      const step = Math.min(available, left);
      this.newlines += countNewlines(this.buffer.subarray(this.position, this.position + step));
      this.position += step;
      left -= step;
      if (left === 0) return true;
      if (!(await this.fill())) return false;
    }
  }
}

function countNewlines(bytes: Buffer): number {
  let count = 0;
  let at = bytes.indexOf(0x0a);
  while (at !== -1) {
    count++;
    at = bytes.indexOf(0x0a, at + 1);
  }
  return count;
}

export async function* readJournalExport(chunks: AsyncIterable<Buffer>, options: LogReadOptions): AsyncGenerator<LogRecord> {
  const diagnostics = new DiagnosticLimiter(options.file, options.onDiagnostic);
  const maxField = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const filter = options.filter ?? null;
  const queue = new ByteQueue(chunks);
  let fields = new Map<string, string>();
  let entryLine = 0;
  let matched = false;
  /** After a malformed field: ignore the rest of the entry. */
  let broken = false;

  const finish = (): LogRecord | null => {
    const keepEntry = entryLine > 0 && !broken && (!filter || matched);
    const current = fields;
    const record = keepEntry ? journalRecord((name) => current.get(name), options, entryLine, "journal-export") : null;
    fields = new Map();
    entryLine = 0;
    matched = false;
    broken = false;
    return record;
  };

  const keepValue = (name: string, value: Buffer): void => {
    if (!KEPT_FIELDS.has(name)) return;
    if (filter && !matched && FILTERED_FIELDS.has(name) && filter.matches(value)) matched = true;
    if (!fields.has(name)) fields.set(name, value.toString("utf8"));
  };

  try {
    for (;;) {
      const lineNumber = queue.newlines + 1;
      const line = await queue.readLine(maxField + 256);
      if (line === null) break;
      if (line === "tooLong") {
        if (entryLine === 0) entryLine = lineNumber;
        diagnostics.report("warning", "log-line-too-long", `line ${lineNumber} is longer than the field limit; skipped`, lineNumber);
        continue;
      }
      if (line.length === 0) {
        const record = finish();
        if (record) yield record;
        continue;
      }
      if (entryLine === 0) entryLine = lineNumber;
      if (broken) continue;
      const equals = line.indexOf(0x3d /* = */);
      if (equals !== -1) {
        const name = line.subarray(0, equals).toString("latin1");
        if (!FIELD_NAME.test(name)) {
          diagnostics.report("warning", "journal-export-invalid", `line ${lineNumber} is not a journal field; the entry was skipped`, lineNumber);
          broken = true;
          continue;
        }
        keepValue(name, line.subarray(equals + 1));
        continue;
      }
      const name = line.toString("latin1");
      if (!FIELD_NAME.test(name)) {
        diagnostics.report("warning", "journal-export-invalid", `line ${lineNumber} is not a journal field; the entry was skipped`, lineNumber);
        broken = true;
        continue;
      }
      const lengthBytes = await queue.read(8);
      if (!lengthBytes) {
        diagnostics.report("warning", "journal-export-invalid", `the binary field ${name} at line ${lineNumber} is cut short`, lineNumber);
        break;
      }
      const length = lengthBytes.readBigUInt64LE(0);
      if (length > BigInt(Number.MAX_SAFE_INTEGER)) {
        diagnostics.report("warning", "journal-export-invalid", `the binary field ${name} at line ${lineNumber} has an impossible length; reading stopped`, lineNumber);
        break;
      }
      const size = Number(length);
      if (size > maxField || !KEPT_FIELDS.has(name)) {
        if (size > maxField && KEPT_FIELDS.has(name)) {
          diagnostics.report("note", "log-record-too-large", `field ${name} at line ${lineNumber} is ${size} bytes; not read`, lineNumber);
        }
        if (!(await queue.skip(size))) break;
      } else {
        const value = await queue.read(size);
        if (!value) break;
        keepValue(name, value);
      }
      const terminator = await queue.read(1);
      if (!terminator || terminator[0] !== 0x0a) {
        diagnostics.report("warning", "journal-export-invalid", `the binary field ${name} at line ${lineNumber} is not followed by a newline; the entry was skipped`, lineNumber);
        broken = true;
      }
    }
    const record = finish();
    if (record) yield record;
  } catch (error) {
    diagnostics.report("warning", "log-read-error", `the log could not be read to the end (${errorText(error)}); records before the error were kept`);
  } finally {
    diagnostics.finish();
  }
}
