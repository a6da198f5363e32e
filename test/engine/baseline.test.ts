import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import { applyBaseline, createBaseline, formatBaseline, parseBaseline } from "../../src/engine/baseline.js";
import { findingFingerprint } from "../../src/engine/fingerprint.js";
import { runCli } from "../helpers/cli-run.js";
import { repoRoot } from "../helpers/rule-harness.js";

const scratch = mkdtempSync(path.join(tmpdir(), "stacklint-baseline-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("baseline file", () => {
  it("is deterministic, versioned, one entry per line, and parses back to itself", async () => {
    const result = await analyze({ inputs: ["fixtures/demo"], baseDirectory: repoRoot });
    const text = formatBaseline(createBaseline(result.findings));
    const shuffled = formatBaseline(createBaseline([...result.findings].reverse()));
    expect(shuffled).toBe(text);
    const lines = text.split("\n");
    expect(lines.slice(0, 4)).toEqual(["{", '  "version": 1,', '  "fingerprintKey": "stacklint/v1",', '  "entries": [']);
    expect(lines.filter((l) => l.includes('"fingerprint"'))).toHaveLength(createBaseline(result.findings).entries.length);
    const parsed = parseBaseline(text, "baseline.json");
    if ("error" in parsed) throw new Error(parsed.error);
    expect(formatBaseline(parsed.baseline)).toBe(text);
    // The key is the SARIF partial fingerprint, so the two can be compared by tools.
    expect(new Set(parsed.baseline.entries.map((e) => e.fingerprint))).toEqual(new Set(result.findings.map(findingFingerprint)));
  });

  it("counts findings that share a fingerprint, and a third one is new", async () => {
    const result = await analyze({ inputs: ["fixtures/demo"], baseDirectory: repoRoot });
    const one = result.findings[0]!;
    const twin = { ...one, location: { ...one.location, line: one.location.line + 40 }, message: `${one.message} (again)` };
    const baseline = createBaseline([one, twin]);
    expect(baseline.entries).toEqual([{ fingerprint: findingFingerprint(one), ruleId: one.ruleId, file: one.location.file, count: 2 }]);
    const loaded = { baseline, file: "b.json", lines: formatBaseline(baseline).split("\n") };
    const third = { ...one, location: { ...one.location, line: one.location.line + 80 } };
    const applied = applyBaseline([one, twin, third], loaded);
    expect(applied.baselined.map((f) => f.location.line)).toEqual([one.location.line, one.location.line + 40]);
    expect(applied.kept).toEqual([third]);
    expect(applied.diagnostics).toEqual([]);
  });

  it.each([
    ["not JSON", "{", /not a stacklint baseline \(invalid JSON/u],
    ["no entries", "{}", /no "entries" list/u],
    ["another version", '{"version": 2, "fingerprintKey": "stacklint/v1", "entries": []}', /baseline version 2 is not 1/u],
    ["another fingerprint", '{"version": 1, "fingerprintKey": "stacklint/v0", "entries": []}', /this stacklint computes stacklint\/v1/u],
    ["a bad entry", '{"version": 1, "fingerprintKey": "stacklint/v1", "entries": [{"fingerprint": "abc", "ruleId": "SL101", "file": "x", "count": 1}]}', /entry 1 is not/u],
  ])("refuses %s", (_name, text, message) => {
    const parsed = parseBaseline(text, "b.json");
    expect("error" in parsed && parsed.error).toMatch(message);
  });
});

describe("--baseline-write and --baseline through the CLI", () => {
  const demo = path.join(scratch, "demo");
  cpSync(path.join(repoRoot, "fixtures/demo"), demo, { recursive: true });
  mkdirSync(path.join(demo, ".git"));

  it("round trip: write, then nothing new; fix one, its entry is stale; add one, it is reported", async () => {
    const first = await runCli(["--format", "json", "--baseline-write", "baseline.json", "."], demo);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^stacklint: wrote 9 baseline entries \(9 findings\) to baseline\.json\n$/u);
    const written = JSON.parse(first.stdout) as { summary: { error: number; warning: number; suppressed: number } };
    expect(written.summary).toMatchObject({ error: 0, warning: 0, suppressed: 9 });
    const text = readFileSync(path.join(demo, "baseline.json"), "utf8");
    // Writing again gives the same bytes.
    await runCli(["--baseline-write", "baseline.json", "."], demo);
    expect(readFileSync(path.join(demo, "baseline.json"), "utf8")).toBe(text);

    const clean = await runCli(["--baseline", "baseline.json", "--fail-on", "note", "."], demo);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/✔ no problems \(5 files analyzed, \d+ skipped, 0 input problems, 9 suppressed\)/u);

    // Fix SL101 on proxy2 (list both servers) and break the pipeline of proxy2 (a new SL106).
    const proxy2 = path.join(demo, "proxy2/etc/swift/proxy-server.conf");
    const original = readFileSync(proxy2, "utf8");
    writeFileSync(proxy2, original.replace("memcache_servers = 10.0.0.11:11211", "memcache_servers = 10.0.0.11:11211,10.0.0.12:11211").replace("proxy-logging cache tempauth ratelimit", "proxy-logging tempauth cache ratelimit"));
    const after = await runCli(["--format", "json", "--baseline", "baseline.json", "."], demo);
    const document = JSON.parse(after.stdout) as { findings: { ruleId: string; location: { file: string } }[]; diagnostics: { code: string; file: string; line: number; severity: string; message: string }[] };
    const stale = document.diagnostics.filter((d) => d.code === "baseline-stale");
    expect(stale.map((d) => [d.severity, d.file])).toContainEqual(["note", "baseline.json"]);
    expect(stale.some((d) => /^baseline entry SL101 in proxy2\/etc\/swift\/proxy-server\.conf matches 0 of 1 finding now/u.test(d.message))).toBe(true);
    // Each stale report points at its own line of the baseline.
    for (const d of stale) expect(text.split("\n")[d.line - 1]).toContain('"ruleId"');
    // The new problem is reported: it is in no baseline entry.
    expect(document.findings.map((f) => `${f.ruleId} ${f.location.file}`)).toEqual(["SL106 proxy2/etc/swift/proxy-server.conf"]);
    expect(after.code).toBe(1);
    writeFileSync(proxy2, original);
  });

  it("refuses a missing or malformed baseline with exit 2 and one line", async () => {
    const missing = await runCli(["--baseline", "nope.json", "."], demo);
    expect([missing.code, missing.stderr]).toEqual([2, "stacklint: baseline 'nope.json' cannot be read; write one with --baseline-write nope.json (see --help)\n"]);
    writeFileSync(path.join(demo, "bad.json"), "[]");
    const bad = await runCli(["--baseline", "bad.json", "."], demo);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/bad\.json: not a stacklint baseline/u);
  });
});
