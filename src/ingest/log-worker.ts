import { parentPort, workerData } from "node:worker_threads";
import type { IngestedEvent } from "../model/runtime/collect.js";
import { readLogEvents, type LogJob } from "./read-events.js";

/**
 * Worker thread: reads one log at a time (jobs arrive as messages) and posts its events back in
 * batches, so that big bundles use every core while the main thread only aggregates.
 */
const BATCH = 2000;
void workerData;
parentPort?.on("message", (job: LogJob | null) => {
  if (job === null) {
    parentPort?.close();
    return;
  }
  let batch: IngestedEvent[] = [];
  readLogEvents(job, (event) => {
    batch.push(event);
    if (batch.length >= BATCH) {
      parentPort?.postMessage({ type: "events", file: job.file, events: batch });
      batch = [];
    }
  }).then(
    (summary) => {
      if (batch.length > 0) parentPort?.postMessage({ type: "events", file: job.file, events: batch });
      parentPort?.postMessage({ type: "done", file: job.file, summary });
    },
    (error: unknown) => parentPort?.postMessage({ type: "failed", file: job.file, message: String(error) }),
  );
});
