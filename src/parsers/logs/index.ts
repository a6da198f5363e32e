/**
 * Runtime evidence, parse layer: streaming log readers (journald, docker, syslog, oslo.log),
 * event extraction and counter dumps. No correlation and no rules here.
 */
export type { LogFormat, LogReadOptions, LogRecord, RecordSyntax, TimestampSource, YearHint, YearSource } from "./record.js";
export { ByteFilter } from "./byte-filter.js";
export { chunksOf, openLogChunks, readLines } from "./line-reader.js";
export type { ReadLogOptions } from "./read-log.js";
export { readLog, sniffLogFormat } from "./read-log.js";
export { readJournalJson } from "./journal-json.js";
export { readJournalExport } from "./journal-export.js";
export { readContainerName, readDockerJson } from "./docker-json.js";
export { parseTextLine, readTextLog } from "./text-log.js";
export * from "./events.js";
export * from "./counters.js";
