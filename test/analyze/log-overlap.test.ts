import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { analyze } from "../../src/analyze.js";
import { render } from "../../src/reporters/index.js";
import { folderMembers, tarGzBytes, type TarMember } from "../helpers/tar-writer.js";

// Counts how often each log is read (the TypeScript sources have no worker script, so logs read
// ahead and logs read after the archive both go through this module in this thread).
const reads = vi.hoisted(() => new Map<string, number>());
vi.mock("../../src/ingest/read-events.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/ingest/read-events.js")>();
  return {
    ...original,
    readLogEvents: (job: { file: string }, emit: never) => {
      reads.set(job.file, (reads.get(job.file) ?? 0) + 1);
      return original.readLogEvents(job as never, emit);
    },
  };
});

const fixtures = path.resolve(import.meta.dirname, "../../fixtures/rules/proxy-503-memcached-errors");
// `fires`: Swift's default log_msg_template; `no-txn`: a custom one (no transaction id), whose
// access lines read as nothing with the default template.
const DEFAULT_HOST = folderMembers(path.join(fixtures, "fires/proxy1"), "sosreport-a");
// Another host name: two bundles of one host would be merged into one.
const CUSTOM_HOST = folderMembers(path.join(fixtures, "no-txn/proxy1"), "sosreport-b").map((m) => (m.name.endsWith("/etc/hostname") ? { ...m, data: "proxy2\n" } : m));

let work: string;
const savedTmp = process.env.TMPDIR;
beforeEach(() => {
  work = mkdtempSync(path.join(os.tmpdir(), "stacklint-overlap-test-"));
  mkdirSync(path.join(work, "tmp"));
  process.env.TMPDIR = path.join(work, "tmp");
  reads.clear();
});
const restoreTmp = () => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
};
afterEach(() => {
  restoreTmp();
  rmSync(work, { recursive: true, force: true });
});
afterAll(restoreTmp);

/** The Swift configs last (the bundle's `date` still before the logs): only the template is unknown when the logs are read. */
const configLast = (members: TarMember[]) => [...members.filter((m) => !m.name.includes("/etc/swift/")), ...members.filter((m) => m.name.includes("/etc/swift/"))];
/** Logs first, then everything else (the bundle's `date` and the configs come after the logs). */
const logsFirst = (members: TarMember[]) => [...members.filter((m) => m.name.includes("/var/log/")), ...members.filter((m) => !m.name.includes("/var/log/"))];

async function both(members: TarMember[]): Promise<{ on: string; off: string; readsOn: Map<string, number>; findings: number }> {
  writeFileSync(path.join(work, "bundle.tar.gz"), tarGzBytes(members));
  const run = async (overlapLogs: boolean) => {
    const result = await analyze({ inputs: ["bundle.tar.gz"], baseDirectory: work, overlapLogs });
    // The private temporary folder is gone either way.
    expect(readdirSync(path.join(work, "tmp"))).toEqual([]);
    return result;
  };
  const off = await run(false);
  const readsOff = new Map(reads);
  reads.clear();
  const on = await run(true);
  const readsOn = new Map(reads);
  // Without overlap, each log is read exactly once, after the archive.
  expect([...readsOff.values()].every((n) => n === 1)).toBe(true);
  expect(readsOff.size).toBeGreaterThan(0);
  return { on: render(on, "json"), off: render(off, "json"), readsOn, findings: on.findings.length };
}

const proxyLog = (host: string) => `bundle.tar.gz!/${host}/var/log/swift/proxy.log`;

describe("logs read while the archive is decompressed", () => {
  it("gives the same report when the configuration comes before the logs (each log read once)", async () => {
    const { on, off, readsOn, findings } = await both([...DEFAULT_HOST, ...CUSTOM_HOST]);
    expect(on).toBe(off);
    expect(findings).toBeGreaterThan(0);
    expect(JSON.parse(on).findings.map((f: { ruleId: string; location: { file: string } }) => f.location.file)).toContain(proxyLog("sosreport-b"));
    // Read ahead with the right template and year: not read again.
    expect(readsOn.get(proxyLog("sosreport-a"))).toBe(1);
    expect(readsOn.get(proxyLog("sosreport-b"))).toBe(1);
  });

  it("reads a host's log again when its custom log_msg_template comes after the log", async () => {
    const { on, off, readsOn } = await both([...configLast(CUSTOM_HOST), ...configLast(DEFAULT_HOST)]);
    expect(on).toBe(off);
    // The custom template's 503 lines are evidence: the log was read with it, not with the guess.
    const sl401 = JSON.parse(on).findings.filter((f: { ruleId: string }) => f.ruleId === "SL401");
    expect(sl401.map((f: { location: { file: string } }) => f.location.file)).toContain(proxyLog("sosreport-b"));
    expect(readsOn.get(proxyLog("sosreport-b"))).toBe(2);
    // Swift's default template was the right guess for the other host: read once.
    expect(readsOn.get(proxyLog("sosreport-a"))).toBe(1);
  });

  it("gives the same report when a default-template host's configuration and date come after its logs", async () => {
    const { on, off, readsOn } = await both([...logsFirst(DEFAULT_HOST), ...logsFirst(CUSTOM_HOST)]);
    expect(on).toBe(off);
    // Read ahead before the host's `date` file was there: the year hint differed, so read again.
    expect(readsOn.get(proxyLog("sosreport-a"))).toBe(2);
    expect(readsOn.get(proxyLog("sosreport-b"))).toBe(2);
  });
});
