import { open, stat } from "node:fs/promises";
import path from "node:path";
import { readLines } from "./line-reader.js";
import type { LogReadOptions, LogRecord } from "./record.js";
import { DEFAULT_MAX_LINE_BYTES, DiagnosticLimiter } from "./record.js";
import { parseIsoTime } from "./timestamps.js";
import { errorText } from "./text-log.js";

/**
 * Docker's json-file log driver (`/var/lib/docker/containers/<id>/<id>-json.log`): one JSON
 * object per line, `{"log":"…\n","stream":"stdout","time":"<RFC 3339, ns>"}`, sometimes with
 * `attrs`. The daemon splits a message over 16 KiB into entries whose `log` lacks the final
 * newline; consecutive such entries are joined into one record. A line that is not a JSON object
 * (a torn write) is a diagnostic and reading goes on.
 */
export async function* readDockerJson(chunks: AsyncIterable<Buffer>, options: LogReadOptions): AsyncGenerator<LogRecord> {
  const diagnostics = new DiagnosticLimiter(options.file, options.onDiagnostic);
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let partial: { line: number; lastLine: number; text: string; timestamp: number | null; stream?: "stdout" | "stderr" } | null = null;

  const record = (line: number, text: string, timestamp: number | null, stream: "stdout" | "stderr" | undefined): LogRecord => ({
    file: options.file,
    line,
    timestamp,
    timestampSource: timestamp === null ? "none" : "record",
    syntax: "docker-json",
    ...(options.containerName ? { containerName: options.containerName } : {}),
    ...(stream ? { stream } : {}),
    message: stripNewline(text),
  });

  try {
    for await (const raw of readLines(chunks, {
      filter: options.filter ?? null,
      maxLineBytes,
      onLongLine: (line, bytes) => diagnostics.report("warning", "log-line-too-long", `line ${line} is at least ${bytes} bytes long (a reader streaming the log stops counting there); skipped`, line),
    })) {
      const text = raw.bytes.toString("utf8").trim();
      if (text.length === 0) continue;
      const entry = parseEntry(text);
      if (!entry) {
        diagnostics.report("warning", "docker-json-invalid", `line ${raw.line} is not a docker json-file entry; skipped`, raw.line);
        continue;
      }
      const parsedTime = entry.time === undefined ? null : parseIsoTime(entry.time);
      const timestamp = parsedTime?.timestamp ?? null;
      if (partial && partial.lastLine === raw.line - 1 && partial.stream === entry.stream) {
        partial.text += entry.log;
        partial.lastLine = raw.line;
        if (partial.text.length > maxLineBytes) {
          diagnostics.report("warning", "log-record-too-large", `the split message starting at line ${partial.line} is too long; cut`, partial.line);
          partial.text = partial.text.slice(0, maxLineBytes);
          yield record(partial.line, partial.text, partial.timestamp, partial.stream);
          partial = null;
          continue;
        }
      } else {
        if (partial) yield record(partial.line, partial.text, partial.timestamp, partial.stream);
        partial = { line: raw.line, lastLine: raw.line, text: entry.log, timestamp, ...(entry.stream ? { stream: entry.stream } : {}) };
      }
      if (partial.text.endsWith("\n")) {
        yield record(partial.line, partial.text, partial.timestamp, partial.stream);
        partial = null;
      }
    }
    if (partial) yield record(partial.line, partial.text, partial.timestamp, partial.stream);
  } catch (error) {
    diagnostics.report("warning", "log-read-error", `the log could not be read to the end (${errorText(error)}); records before the error were kept`);
  } finally {
    diagnostics.finish();
  }
}

function stripNewline(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  if (text.endsWith("\n")) return text.slice(0, -1);
  return text;
}

interface DockerEntry {
  readonly log: string;
  readonly stream?: "stdout" | "stderr";
  readonly time?: string;
}

function parseEntry(text: string): DockerEntry | null {
  if (!text.startsWith("{")) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const entry = value as Record<string, unknown>;
  if (typeof entry["log"] !== "string") return null;
  const stream = entry["stream"] === "stdout" || entry["stream"] === "stderr" ? entry["stream"] : undefined;
  const time = typeof entry["time"] === "string" ? entry["time"] : undefined;
  return { log: entry["log"], ...(stream ? { stream } : {}), ...(time ? { time } : {}) };
}

/** config.v2.json holds the whole container config; a name never needs more than this. */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/**
 * The container's name from `config.v2.json` in the same directory as its json-file log
 * (`"Name":"/memcached"` → `memcached`), or null when absent or unreadable.
 */
export async function readContainerName(logAbsolutePath: string): Promise<string | null> {
  const configPath = path.join(path.dirname(logAbsolutePath), "config.v2.json");
  let text: string;
  try {
    const info = await stat(configPath);
    if (!info.isFile() || info.size > MAX_CONFIG_BYTES) return null;
    const handle = await open(configPath, "r");
    try {
      text = (await handle.readFile()).toString("utf8");
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
  try {
    const config: unknown = JSON.parse(text);
    if (typeof config !== "object" || config === null) return null;
    const name = (config as Record<string, unknown>)["Name"];
    if (typeof name !== "string" || name.length === 0) return null;
    return name.startsWith("/") ? name.slice(1) : name;
  } catch {
    return null;
  }
}
