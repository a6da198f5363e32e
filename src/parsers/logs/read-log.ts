import { readContainerName, readDockerJson } from "./docker-json.js";
import { readJournalExport } from "./journal-export.js";
import { readJournalJson } from "./journal-json.js";
import { openLogChunks, peekChunks } from "./line-reader.js";
import type { LogFormat, LogReadOptions, LogRecord } from "./record.js";
import { DiagnosticLimiter } from "./record.js";
import { errorText, readTextLog } from "./text-log.js";

export interface ReadLogOptions extends LogReadOptions {
  /** The export format; sniffed from the path and first bytes when absent. */
  readonly format?: LogFormat;
}

/**
 * Which export format a log is, from its path and its first (decompressed) bytes. Anything not
 * recognisably JSON or journal-export is read as line-oriented text, whose syntax is then
 * detected per line.
 */
export function sniffLogFormat(head: Buffer, displayPath: string): LogFormat {
  const base = displayPath.slice(displayPath.lastIndexOf("/") + 1);
  if (/-json\.log(?:\.\d{1,4})?(?:\.gz)?$/u.test(base)) return "docker-json";
  const sample = head.subarray(0, 64 * 1024).toString("latin1");
  const start = sample.trimStart();
  if (start.startsWith("[")) return "journal-json";
  if (start.startsWith("{")) {
    const firstLine = start.slice(0, Math.max(start.indexOf("\n"), 0) || start.length);
    if (/^\{\s{0,8}"log"\s{0,8}:/u.test(firstLine) || (firstLine.includes('"log":') && firstLine.includes('"time":'))) return "docker-json";
    return "journal-json";
  }
  if (/^[A-Z_][A-Z0-9_]{0,63}=/u.test(start) && /(?:^|\n)(?:__CURSOR|__REALTIME_TIMESTAMP|MESSAGE|_BOOT_ID)=/u.test(sample)) return "journal-export";
  return "text";
}

/**
 * Reads one log file as records, whatever its export format, streaming (`.gz` included). Never
 * throws: an unreadable file, a corrupt gzip stream or malformed entries become diagnostics.
 */
export async function* readLog(absolutePath: string, options: ReadLogOptions): AsyncGenerator<LogRecord> {
  let chunks: AsyncIterable<Buffer>;
  let head: Buffer;
  try {
    const peeked = await peekChunks(await openLogChunks(absolutePath));
    chunks = peeked.chunks;
    head = peeked.head;
  } catch (error) {
    const diagnostics = new DiagnosticLimiter(options.file, options.onDiagnostic);
    diagnostics.report("warning", "log-unreadable", `cannot read the log (${errorText(error)}); skipped`);
    return;
  }
  const encoding = unreadableEncoding(head);
  if (encoding) {
    new DiagnosticLimiter(options.file, options.onDiagnostic).report("warning", "invalid-encoding", encoding, 1);
    return;
  }
  const format = options.format ?? sniffLogFormat(head, options.file);
  switch (format) {
    case "journal-json":
      yield* readJournalJson(chunks, options);
      return;
    case "journal-export":
      yield* readJournalExport(chunks, options);
      return;
    case "docker-json": {
      const containerName = options.containerName ?? (await readContainerName(absolutePath));
      yield* readDockerJson(chunks, containerName ? { ...options, containerName } : options);
      return;
    }
    case "docker-text":
      yield* readTextLog(chunks, options, "docker-text");
      return;
    case "text":
      yield* readTextLog(chunks, options, "text");
      return;
  }
}

/**
 * Logs are read as UTF-8 (or ASCII) bytes split at LF. A UTF-16 log (byte-order mark) or one
 * whose lines end in CR alone would be read as one line of noise with no event in it; say so
 * instead of reporting a clean log.
 */
export function unreadableEncoding(head: Buffer): string | null {
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) {
    return "the log is UTF-16 (it starts with a byte-order mark); stacklint reads logs as UTF-8, so none of it was read. Convert it with iconv -f UTF-16 -t UTF-8";
  }
  const sample = head.subarray(0, 64 * 1024);
  if (!sample.includes(0x0a) && sample.indexOf(0x0d) !== -1 && sample.indexOf(0x0d) < sample.length - 1) {
    return "the log's lines end in CR alone, not LF; stacklint splits logs at LF, so none of it was read. Convert it with tr '\\r' '\\n'";
  }
  return null;
}
