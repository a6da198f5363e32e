import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_EVENT_FILTER, extractEvent } from "../../../src/parsers/logs/events.js";
import { readLog } from "../../../src/parsers/logs/read-log.js";

/** A real GC hook even when node was not started with --expose-gc. */
function exposedGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

const TARGET_BYTES = 50 * 1024 * 1024;

/** One block of proxy log: 19 access lines (200) and one memcache error, repeated to ~50 MB. */
function block(start: number): string {
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) {
    const n = start + i;
    if (i % 20 === 0) {
      lines.push(`May  1 16:08:03 proxy1 proxy-server: Error connecting to memcached: 192.0.2.11:11211: [Errno 111] ECONNREFUSED (txn: tx${n.toString(16).padStart(21, "0")}-00663268e3)`);
    } else {
      lines.push(
        `May  1 16:08:03 proxy1 proxy-server: 192.0.2.50 192.0.2.50 01/May/2024/16/08/03 GET /v1/AUTH_test/c/o${n} HTTP/1.0 200 - python-swiftclient - - 1024 - tx${n.toString(16).padStart(21, "0")}-00663268e3 - 0.0031 - - 1714579683.200999975 1714579683.204099894 0`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

describe("streaming: memory stays bounded whatever the input size", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "stacklint-stream-"));
  const file = path.join(dir, "proxy-server.log");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a generated 50 MB log with heap growth under 30 MB", async () => {
    const out = createWriteStream(file);
    let written = 0;
    for (let n = 0; written < TARGET_BYTES; n += 400) {
      const text = block(n);
      written += Buffer.byteLength(text);
      if (!out.write(text)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    expect(statSync(file).size).toBeGreaterThanOrEqual(TARGET_BYTES);

    const gc = exposedGc();
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let errors = 0;
    let records = 0;
    const started = Date.now();
    for await (const record of readLog(file, { file: "proxy-server.log", year: { year: 2024, source: "bundle-year" }, filter: DEFAULT_EVENT_FILTER })) {
      records++;
      if (extractEvent(record)?.kind === "swift-memcache-error") errors++;
      if (records % 2500 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
    }
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
    // One error per 20 lines. The prefilter lets through the error lines and a few access lines
    // whose path happens to hold "503 " (a prefilter may pass too much, never too little).
    expect(errors).toBeGreaterThan(10_000);
    expect(records).toBeGreaterThanOrEqual(errors);
    expect(records).toBeLessThan(errors * 1.1);
    expect(peak).toBeLessThan(30 * 1024 * 1024);
    expect(Date.now() - started).toBeLessThan(5_000);

    // Without a prefilter every line is decoded and parsed: still bounded.
    gc();
    const unfilteredBaseline = process.memoryUsage().heapUsed;
    let unfilteredPeak = 0;
    let all = 0;
    for await (const _record of readLog(file, { file: "proxy-server.log", year: { year: 2024, source: "bundle-year" } })) {
      all++;
      if (all % 50_000 === 0) {
        gc();
        unfilteredPeak = Math.max(unfilteredPeak, process.memoryUsage().heapUsed - unfilteredBaseline);
      }
    }
    expect(all).toBe(errors * 20);
    expect(unfilteredPeak).toBeLessThan(30 * 1024 * 1024);
  });
});
