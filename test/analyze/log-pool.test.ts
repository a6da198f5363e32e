import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without types (the benchmark's bundle generator).
import { generateBundle } from "../../bench/generate.mjs";
import { repoRoot } from "../helpers/rule-harness.js";

const root = mkdtempSync(path.join(os.tmpdir(), "stacklint-log-pool-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function ingest(threads: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = path.join(repoRoot, "test/analyze/log-pool-child.mjs");
    execFile(process.execPath, [child, root, String(threads)], { encoding: "utf8", maxBuffer: 1 << 26, timeout: 60_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

describe("reading logs with worker threads", () => {
  it("gathers byte for byte what one thread gathers", async () => {
    // 2 proxies × 3 formats × 1 MB; seed 1 puts memcache error bursts (and their 503s) in two files.
    await generateBundle(root, { proxies: 2, bytesPerFile: 1024 * 1024, seed: 1 });
    const [single, pooled, wide] = await Promise.all([ingest(1), ingest(2), ingest(4)]);
    const parsed = JSON.parse(single) as { runtime: { proxies: { status503: number }[]; memcacheErrors: unknown[] }; snippets: unknown[] };
    expect(parsed.runtime.proxies.some((p) => p.status503 > 0)).toBe(true);
    expect(parsed.runtime.memcacheErrors.length).toBeGreaterThan(0);
    expect(parsed.snippets.length).toBeGreaterThan(0);
    expect(pooled).toBe(single);
    expect(wide).toBe(single);
  }, 60_000);
});
