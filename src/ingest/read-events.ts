import type { Diagnostic } from "../model/diagnostic.js";
import type { IngestedEvent } from "../model/runtime/collect.js";
import { MAX_SNIPPET } from "../model/runtime/collect.js";
import type { LogReadFigures } from "../model/runtime/evidence.js";
import { BACKEND_ERROR_NEEDLES, parseBackendError } from "../parsers/logs/backend-errors.js";
import { ByteFilter } from "../parsers/logs/byte-filter.js";
import { compileAccessLogTemplate, DEFAULT_EVENT_FILTER, DEFAULT_LOG_MSG_TEMPLATE, extractEvent, type AccessLogParser } from "../parsers/logs/events.js";
import { readLog } from "../parsers/logs/read-log.js";
import type { LogFormat, YearHint, YearSource } from "../parsers/logs/record.js";
import { redactLogText } from "../redact.js";

/** What one log file needs to be read: plain data, so that it can cross to a worker thread. */
export interface LogJob {
  readonly absolutePath: string;
  readonly file: string;
  readonly year?: YearHint;
  /** The proxy's `log_msg_template`, or undefined for Swift's default. */
  readonly accessTemplate?: string;
}

export interface LogJobSummary extends LogReadFigures {
  readonly diagnostics: Diagnostic[];
}

/** The default needles plus the backend errors that clear a 503 of the cache's blame. */
export const RUNTIME_FILTER = new ByteFilter([...DEFAULT_EVENT_FILTER.needles, ...BACKEND_ERROR_NEEDLES]);

const parsers = new Map<string, { parser: AccessLogParser; tokenField: number | undefined }>();

function accessParser(template: string | undefined): { parser: AccessLogParser; tokenField: number | undefined } {
  const key = template ?? DEFAULT_LOG_MSG_TEMPLATE;
  let entry = parsers.get(key);
  if (!entry) {
    const tokens = key.trim().split(/\s+/u);
    const tokenField = tokens.findIndex((t) => t.includes("{auth_token"));
    entry = { parser: compileAccessLogTemplate(key).parser, tokenField: tokenField === -1 ? undefined : tokenField };
    parsers.set(key, entry);
  }
  return entry;
}

/**
 * Streams one log and hands over every event with its evidence text (redacted, cut short).
 * Memory: one chunk plus the current record; events go to `emit` as they are found.
 */
export async function readLogEvents(job: LogJob, emit: (event: IngestedEvent) => void): Promise<LogJobSummary> {
  const diagnostics: Diagnostic[] = [];
  const { parser, tokenField } = accessParser(job.accessTemplate);
  let records = 0;
  let events = 0;
  let firstTime: number | null = null;
  let lastTime: number | null = null;
  let yearSource: YearSource | null = null;
  let format: LogFormat = "text";
  for await (const record of readLog(job.absolutePath, {
    file: job.file,
    filter: RUNTIME_FILTER,
    ...(job.year ? { year: job.year } : {}),
    onDiagnostic: (d) => diagnostics.push(d),
  })) {
    records++;
    format = syntaxFormat(record.syntax, format);
    const time = record.timestamp;
    if (time !== null) {
      if (firstTime === null || time < firstTime) firstTime = time;
      if (lastTime === null || time > lastTime) lastTime = time;
      if (record.timestampSource !== "record" && record.timestampSource !== "none") yearSource = record.timestampSource;
    }
    const event = extractEvent(record, { accessLog: parser }) ?? parseBackendError(record.message);
    if (!event) continue;
    events++;
    const raw = record.message.length > MAX_SNIPPET ? `${record.message.slice(0, MAX_SNIPPET)}…` : record.message;
    const text = redactLogText(raw, event.kind === "proxy-access" ? tokenField : undefined);
    const program = record.program ?? record.containerName;
    emit({ line: record.line, time, ...(program ? { program } : {}), text, event });
  }
  const year = yearSource && firstTime !== null ? new Date(lastTime ?? firstTime).getUTCFullYear() : null;
  return { format, records, events, firstTime, lastTime, yearSource, year, diagnostics };
}

function syntaxFormat(syntax: string, previous: LogFormat): LogFormat {
  if (syntax === "journal-json" || syntax === "journal-export" || syntax === "docker-json") return syntax;
  if (syntax === "docker-timestamp") return "docker-text";
  return previous;
}
