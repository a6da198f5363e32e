import { existsSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { collectorUses, type IngestedEvent } from "../model/runtime/collect.js";
import { readLogEvents, type LogJob, type LogJobSummary } from "./read-events.js";

/**
 * Logs read while an archive is still being decompressed. A log member is read as soon as it is
 * complete in the temporary folder, with what is known at that moment (the year hint, the
 * proxy's `log_msg_template` from the configs seen so far); its result is kept with the job it
 * was read with. Once the archive is done, ingestRuntime takes a result only when the job it
 * computes from the whole configuration is the same (same file, year hint and template): a
 * log's events depend on nothing else, so the outcome is the same as reading it then. Any other
 * log (a template that turned out different, a result dropped for memory) is read again from the
 * temporary folder, where it still is.
 *
 * Memory: only the events RuntimeCollector keeps are held (access lines other than 503/401 are
 * dropped at once), at most MAX_HELD_EVENTS in all; a log past that is dropped and read again.
 */
export interface PrefetchedLog {
  readonly job: LogJob;
  readonly events: readonly IngestedEvent[];
  readonly summary: LogJobSummary;
}

/** About 50 MB of events (each under MAX_SNIPPET characters of text). */
const MAX_HELD_EVENTS = 50_000;

export class LogPrefetch {
  private readonly queue: LogJob[] = [];
  private readonly results = new Map<string, PrefetchedLog>();
  private readonly pending = new Map<string, { job: LogJob; events: IngestedEvent[] | null }>();
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private held = 0;
  private running = 0;
  private closed = false;
  private drained: (() => void) | null = null;
  private readonly script = fileURLToPath(new URL("./log-worker.js", import.meta.url));
  private size: number;
  private readonly finalSize: number;
  /** Without a worker script (tests run the TypeScript sources), logs are read in this thread, one at a time. */
  private chain: Promise<void> = Promise.resolve();

  /**
   * While the archive is read, one core is left to the decompressor and the tar reader (xz is on
   * the critical path: starving it delays every later member); once it is done, every core reads.
   */
  constructor(size = Math.max(1, os.availableParallelism() - 1), finalSize = os.availableParallelism()) {
    this.size = existsSync(this.script) ? size : 0;
    this.finalSize = existsSync(this.script) ? Math.max(size, finalSize) : 0;
  }

  /** Queues a log; the same file twice is read once. */
  submit(job: LogJob): void {
    if (this.closed || this.pending.has(job.file) || this.results.has(job.file)) return;
    this.pending.set(job.file, { job, events: [] });
    if (this.size === 0) {
      this.running++;
      this.chain = this.chain.then(() => this.readHere(job));
      return;
    }
    this.queue.push(job);
    this.pump();
  }

  /** Waits for every queued log, stops the workers, and hands over the results by display path. */
  async finish(): Promise<Map<string, PrefetchedLog>> {
    this.size = this.finalSize;
    this.pump();
    if (this.running > 0 || this.queue.length > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await this.close();
    return this.results;
  }

  /** Stops at once (an error elsewhere): workers end before the temporary folder is removed. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    await this.chain.catch(() => undefined);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }

  private async readHere(job: LogJob): Promise<void> {
    if (this.closed) return this.settled();
    try {
      const summary = await readLogEvents(job, (event) => this.hold(job.file, event));
      this.done(job.file, summary);
    } catch {
      this.pending.delete(job.file);
    }
    this.settled();
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let worker = this.idle.pop();
      if (!worker) {
        if (this.workers.length >= this.size) return;
        worker = this.start();
      }
      const job = this.queue.shift()!;
      this.running++;
      worker.postMessage(job);
    }
  }

  private start(): Worker {
    const worker = new Worker(this.script);
    this.workers.push(worker);
    let current: string | null = null;
    worker.on("message", (message: { type: string; file: string; events?: IngestedEvent[]; summary?: LogJobSummary }) => {
      current = message.file;
      if (message.type === "events") {
        for (const event of message.events!) this.hold(message.file, event);
        return;
      }
      if (message.type === "done") this.done(message.file, message.summary!);
      else this.pending.delete(message.file);
      current = null;
      this.idle.push(worker);
      this.settled();
      this.pump();
    });
    // A failed worker's log is simply read again later (its failure reported then).
    worker.on("error", () => {
      if (current) this.pending.delete(current);
    });
    worker.on("exit", () => {
      const index = this.workers.indexOf(worker);
      if (index !== -1 && !this.closed) {
        // Its log (if any) was lost: it will be read again; the others go on.
        this.workers.splice(index, 1);
        if (current) {
          this.pending.delete(current);
          current = null;
          this.settled();
        }
        this.pump();
      }
    });
    return worker;
  }

  private hold(file: string, event: IngestedEvent): void {
    const entry = this.pending.get(file);
    if (!entry?.events || !collectorUses(event)) return;
    if (this.held >= MAX_HELD_EVENTS) {
      this.held -= entry.events.length;
      entry.events = null;
      return;
    }
    entry.events.push(event);
    this.held++;
  }

  private done(file: string, summary: LogJobSummary): void {
    const entry = this.pending.get(file);
    this.pending.delete(file);
    if (entry?.events) this.results.set(file, { job: entry.job, events: entry.events, summary });
  }

  private settled(): void {
    this.running--;
    if (this.running === 0 && this.queue.length === 0 && this.drained) {
      const resolve = this.drained;
      this.drained = null;
      resolve();
    }
  }
}

/** The same job: a log's events and summary depend on exactly these. */
export function sameLogJob(a: LogJob, b: LogJob): boolean {
  return (
    a.absolutePath === b.absolutePath &&
    a.file === b.file &&
    a.accessTemplate === b.accessTemplate &&
    a.year?.year === b.year?.year &&
    a.year?.source === b.year?.source &&
    a.year?.referenceTime === b.year?.referenceTime
  );
}
