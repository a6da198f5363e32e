import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { RuntimeKind } from "../discover/classify.js";
import type { DiscoveredFile } from "../discover/discover.js";
import { readConfigText } from "../discover/read-text.js";
import type { Deployment } from "../model/deployment.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { RuntimeCollector, type IngestedEvent } from "../model/runtime/collect.js";
import type { RuntimeEvidence } from "../model/runtime/evidence.js";
import { compileAccessLogTemplate } from "../parsers/logs/access-log.js";
import { parseCounterFile } from "../parsers/logs/counters.js";
import type { YearHint } from "../parsers/logs/record.js";
import { sameLogJob, type PrefetchedLog } from "./prefetch.js";
import { readLogEvents, type LogJob, type LogJobSummary } from "./read-events.js";

export interface RuntimeFile {
  readonly file: DiscoveredFile;
  readonly hostId: string;
  /** Absolute path of the host's root folder (where a sosreport keeps `date`). */
  readonly hostRoot: string;
  readonly kind: RuntimeKind;
}

export interface RuntimeIngestOptions {
  /** `--log-year`: the year for year-less timestamps, beating every other source. */
  readonly logYear: number | null;
  /** Threads that read logs (this one and workers); default: the machine's parallelism when the logs are big. */
  readonly workers?: number;
  /** Logs already read while the archive was decompressed (prefetch.ts), by display path: used when their job is this one. */
  readonly prefetched?: ReadonlyMap<string, PrefetchedLog>;
}

export interface RuntimeIngest {
  readonly runtime: RuntimeEvidence;
  /** Redacted text of evidence lines, keyed `file:line`. */
  readonly snippets: Map<string, string>;
  readonly diagnostics: Diagnostic[];
  /** Files that turned out to hold nothing stacklint reads (counter dumps of no known kind). */
  readonly unrecognized: Set<string>;
}

/** Below this many bytes of logs, reading in the main thread is faster than starting workers. */
const WORKER_THRESHOLD_BYTES = 64 * 1024 * 1024;

/**
 * Reads the runtime evidence: logs streamed (worker threads for big bundles), counter dumps read
 * whole, everything folded into bounded aggregates by the RuntimeCollector.
 */
export async function ingestRuntime(files: readonly RuntimeFile[], deployment: Deployment, options: RuntimeIngestOptions): Promise<RuntimeIngest> {
  const collector = new RuntimeCollector();
  const diagnostics: Diagnostic[] = [];
  const unrecognized = new Set<string>();

  for (const entry of files.filter((f) => f.kind === "counters")) {
    const read = await readConfigText(entry.file.absolutePath, entry.file.displayPath);
    diagnostics.push(...read.diagnostics);
    if (read.text === null) continue;
    const set = parseCounterFile(entry.file.displayPath, read.text);
    if (!set) {
      unrecognized.add(entry.file.displayPath);
      continue;
    }
    diagnostics.push(...set.diagnostics);
    collector.addCounters(entry.hostId, set);
  }

  const years = new Map<string, Promise<YearHint | undefined>>();
  const jobs: { job: LogJob; hostId: string; bytes: number; templateLocation: Deployment["swiftPipelines"][number]["accessLogTemplate"] }[] = [];
  for (const entry of files.filter((f) => f.kind === "log")) {
    const pipeline = deployment.swiftPipelines.find((p) => p.hostId === entry.hostId && p.accessLogTemplate);
    const template = pipeline?.accessLogTemplate;
    if (template) {
      const problems = compileAccessLogTemplate(template.value).problems;
      for (const problem of problems) diagnostics.push({ severity: "warning", code: "log-msg-template", message: `log_msg_template: ${problem}`, file: template.location.file, line: template.location.line });
    }
    const bytes = (await stat(entry.file.absolutePath).catch(() => ({ size: 0 }))).size;
    jobs.push({
      job: await logJobFor(entry, template?.value, options.logYear, years),
      hostId: entry.hostId,
      bytes,
      templateLocation: template,
    });
  }

  const byFile = new Map(jobs.map((j) => [j.job.file, j]));
  const onEvents = (file: string, events: readonly IngestedEvent[]) => {
    const hostId = byFile.get(file)!.hostId;
    for (const event of events) collector.add(file, hostId, event);
  };
  const onDone = (file: string, summary: LogJobSummary) => {
    const job = byFile.get(file)!;
    diagnostics.push(...summary.diagnostics);
    if (summary.yearSource === "assumed-year") {
      diagnostics.push({ severity: "note", code: "log-year-assumed", message: `timestamps have no year: assumed ${summary.year} from the file's modification time (give --log-year, or include the bundle's date file)`, file });
    }
    const { diagnostics: _read, ...figures } = summary;
    collector.addLogSource({ file, hostId: job.hostId, ...figures, accessTemplate: job.templateLocation?.location ?? null });
  };

  // A log read ahead with this very job gives what reading it now would; the others are read now.
  const ready = (job: LogJob) => {
    const prefetched = options.prefetched?.get(job.file);
    return prefetched && sameLogJob(prefetched.job, job) ? prefetched : undefined;
  };
  const replay = (prefetched: PrefetchedLog) => {
    const hostId = byFile.get(prefetched.job.file)!.hostId;
    for (const event of prefetched.events) collector.add(prefetched.job.file, hostId, event);
    onDone(prefetched.job.file, prefetched.summary);
  };
  const unread = jobs.filter((j) => !ready(j.job));
  const totalBytes = unread.reduce((sum, j) => sum + j.bytes, 0);
  const workerScript = fileURLToPath(new URL("./log-worker.js", import.meta.url));
  const workers = options.workers ?? (totalBytes >= WORKER_THRESHOLD_BYTES ? Math.min(os.availableParallelism(), unread.length) : 0);
  // Biggest first: the pool finishes together.
  const ordered = [...jobs].sort((a, b) => b.bytes - a.bytes || (a.job.file < b.job.file ? -1 : 1));
  if (workers > 1 && existsSync(workerScript)) {
    for (const { job } of ordered) {
      const prefetched = ready(job);
      if (prefetched) replay(prefetched);
    }
    const queue = ordered.filter((j) => !ready(j.job)).map((j) => j.job);
    let next = 0;
    const take = (): LogJob | null => (next < queue.length ? queue[next++]! : null);
    // This thread reads logs too, beside one worker fewer: it would only wait for them, and each
    // worker is another V8 heap (tens of MB of RSS) that compiles the readers again.
    const readHere = async () => {
      for (let job = take(); job; job = take()) {
        const file = job.file;
        onDone(file, await readLogEvents(job, (event) => collector.add(file, byFile.get(file)!.hostId, event)));
      }
    };
    await Promise.all([runPool(workerScript, workers - 1, take, onEvents, onDone, diagnostics), readHere()]);
  } else {
    // In this thread, files are fed in the same order whether read ahead or now.
    for (const { job } of ordered) {
      const prefetched = ready(job);
      if (prefetched) {
        replay(prefetched);
        continue;
      }
      const summary = await readLogEvents(job, (event) => collector.add(job.file, byFile.get(job.file)!.hostId, event));
      onDone(job.file, summary);
    }
  }
  return { runtime: collector.finish(), snippets: collector.snippets, diagnostics, unrecognized };
}

/**
 * What reading one log needs: its year hint (the flag, else the bundle's `date` file, else the
 * file's time) and the access template. `years` caches the hint per host root.
 */
export async function logJobFor(
  entry: { readonly file: DiscoveredFile; readonly hostRoot: string },
  accessTemplate: string | undefined,
  logYear: number | null,
  years: Map<string, Promise<YearHint | undefined>>,
): Promise<LogJob> {
  let yearHint = years.get(entry.hostRoot);
  if (!yearHint) years.set(entry.hostRoot, (yearHint = yearFor(entry.hostRoot, logYear)));
  const hint = (await yearHint) ?? (await assumedYear(entry.file.absolutePath));
  return { absolutePath: entry.file.absolutePath, file: entry.file.displayPath, ...(hint ? { year: hint } : {}), ...(accessTemplate !== undefined ? { accessTemplate } : {}) };
}

function runPool(
  script: string,
  size: number,
  take: () => LogJob | null,
  onEvents: (file: string, events: readonly IngestedEvent[]) => void,
  onDone: (file: string, summary: LogJobSummary) => void,
  diagnostics: Diagnostic[],
): Promise<void> {
  return new Promise((resolve) => {
    let running = 0;
    const start = () => {
      const worker = new Worker(script);
      running++;
      const feed = () => worker.postMessage(take());
      worker.on("message", (message: { type: string; file: string; events?: IngestedEvent[]; summary?: LogJobSummary; message?: string }) => {
        if (message.type === "events") onEvents(message.file, message.events!);
        else if (message.type === "done") {
          onDone(message.file, message.summary!);
          feed();
        } else if (message.type === "failed") {
          diagnostics.push({ severity: "error", code: "internal-error", message: `reading the log failed: ${message.message}`, file: message.file });
          feed();
        }
      });
      worker.on("error", (error) => diagnostics.push({ severity: "error", code: "internal-error", message: `log worker failed: ${String(error)}`, file: "." }));
      worker.on("exit", () => {
        running--;
        if (running === 0) resolve();
      });
      feed();
    };
    for (let i = 0; i < size; i++) start();
  });
}

/** The year for year-less stamps: the flag, else the bundle's `date` file (with its time as the reference). */
async function yearFor(hostRoot: string, flagYear: number | null): Promise<YearHint | undefined> {
  if (flagYear !== null) return { year: flagYear, source: "flag-year" };
  for (const candidate of ["date", "sos_commands/date/date", "sos_commands/general/date", "sos_commands/date/date_--utc"]) {
    let text: string;
    try {
      text = (await readFile(path.join(hostRoot, candidate), "utf8")).slice(0, 4096);
    } catch {
      continue;
    }
    const hint = parseDateFile(text);
    if (hint) return hint;
  }
  return undefined;
}

/** `date` output (`Wed May  1 16:20:00 UTC 2024`, `Wed 01 May 2024 04:20:00 PM UTC`, ISO). */
export function parseDateFile(text: string): YearHint | undefined {
  const line = text.split("\n").find((l) => /\b(?:19|20)\d{2}\b/u.test(l));
  if (!line) return undefined;
  const year = Number(/\b((?:19|20)\d{2})\b/u.exec(line)![1]);
  const parsed = Date.parse(line.trim());
  return Number.isFinite(parsed) ? { year, source: "bundle-year", referenceTime: parsed } : { year, source: "bundle-year" };
}

/** Last resort: the log was written before its modification time. The output says it was assumed. */
async function assumedYear(absolutePath: string): Promise<YearHint | undefined> {
  try {
    const mtime = (await stat(absolutePath)).mtimeMs;
    return { year: new Date(mtime).getUTCFullYear(), source: "assumed-year", referenceTime: mtime };
  } catch {
    return undefined;
  }
}
