import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Log } from "sarif";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import { createBaseline, formatBaseline, parseBaseline } from "../../src/engine/baseline.js";
import type { AnalysisResult } from "../../src/engine/result.js";
import { render } from "../../src/reporters/index.js";
import { repoRoot } from "../helpers/rule-harness.js";
import { runMultitoolAll, validateSarifSchema } from "../helpers/sarif-validation.js";

const scratch = mkdtempSync(path.join(tmpdir(), "stacklint-sarif-suppress-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * The demo with one finding silenced in the file (SL101 on proxy1) and, in a second run, every
 * other finding of proxy2 in a baseline: SARIF keeps both kinds, marked, and stays valid.
 */
let result: AnalysisResult;
let sarif: Log;
let sarifFile: string;

beforeAll(async () => {
  const demo = path.join(scratch, "demo");
  cpSync(path.join(repoRoot, "fixtures/demo"), demo, { recursive: true });
  const proxy1 = path.join(demo, "proxy1/etc/swift/proxy-server.conf");
  // Plus an unused directive and, below, a stale baseline entry: their notes go to SARIF as notifications.
  writeFileSync(proxy1, "# stacklint-disable-file SL205 -- no memcached runs on the proxy\n" + readFileSync(proxy1, "utf8").replace("memcache_servers = 10.0.0.11:11211", "# stacklint-disable-next-line SL101 -- a lab proxy with one memcached on purpose\nmemcache_servers = 10.0.0.11:11211"));
  const first = await analyze({ inputs: ["demo"], baseDirectory: scratch });
  const proxy2Findings = first.findings.filter((f) => f.location.file.startsWith("demo/proxy2/"));
  const gone = { ...first.findings[0]!, key: "a problem fixed since the baseline was written" };
  const text = formatBaseline(createBaseline([...proxy2Findings, gone]));
  const loaded = parseBaseline(text, "baseline.json");
  if ("error" in loaded) throw new Error(loaded.error);
  result = await analyze({ inputs: ["demo"], baseDirectory: scratch, baseline: loaded });
  const rendered = render(result, "sarif");
  sarif = JSON.parse(rendered) as Log;
  sarifFile = path.join(scratch, "suppressed.sarif");
  mkdirSync(scratch, { recursive: true });
  writeFileSync(sarifFile, rendered);
});

describe("SARIF keeps suppressed findings, marked", () => {
  it("has every finding: the open ones without suppressions, the others with one each", () => {
    const results = sarif.runs[0]!.results!;
    expect(results).toHaveLength(result.findings.length + result.suppressed!.length);
    const open = results.filter((r) => r.suppressions === undefined);
    expect(open).toHaveLength(result.findings.length);
    const inSource = results.filter((r) => r.suppressions?.[0]?.kind === "inSource");
    expect(inSource.map((r) => [r.ruleId, r.locations![0]!.physicalLocation!.region!.startLine])).toEqual([["SL101", 23]]);
    expect(inSource[0]!.suppressions).toEqual([
      {
        kind: "inSource",
        status: "accepted",
        justification: "a lab proxy with one memcached on purpose",
        location: {
          physicalLocation: {
            artifactLocation: { uri: "demo/proxy1/etc/swift/proxy-server.conf", uriBaseId: "%SRCROOT%" },
            region: { startLine: 22, startColumn: 3, endLine: 22, endColumn: 81 },
          },
        },
      },
    ]);
    const external = results.filter((r) => r.suppressions?.[0]?.kind === "external");
    expect(external.length).toBeGreaterThan(0);
    for (const r of external) {
      expect(r.locations![0]!.physicalLocation!.artifactLocation!.uri).toMatch(/^demo\/proxy2\//u);
      expect(r.suppressions).toEqual([{ kind: "external", status: "accepted", justification: "in the baseline baseline.json" }]);
    }
  });

  it("reports the unused directive and the stale baseline entry as notifications", () => {
    const notes = sarif.runs[0]!.invocations![0]!.toolExecutionNotifications!.map((n) => [n.descriptor!.id, n.level, n.locations![0]!.physicalLocation!.artifactLocation!.uri]);
    expect(notes).toEqual([
      ["baseline-stale", "note", "baseline.json"],
      ["suppression-unused", "note", "demo/proxy1/etc/swift/proxy-server.conf"],
    ]);
  });

  it("keeps results sorted by location whether suppressed or not", () => {
    const keys = sarif.runs[0]!.results!.map((r) => `${r.locations![0]!.physicalLocation!.artifactLocation!.uri}:${String(r.locations![0]!.physicalLocation!.region!.startLine).padStart(5, "0")}`);
    expect(keys).toEqual([...keys].sort());
  });

  it("--sarif-omit-suppressed leaves them out (GitHub ignores suppressions)", () => {
    const omitted = JSON.parse(render(result, "sarif", { omitSuppressed: true })) as Log;
    expect(omitted.runs[0]!.results!.some((r) => r.suppressions !== undefined)).toBe(false);
    expect(omitted.runs[0]!.results).toHaveLength(result.findings.length);
  });

  it("human and JSON counts leave them out", () => {
    const json = JSON.parse(render(result, "json")) as { summary: Record<string, number>; findings: unknown[]; suppressed: unknown[] };
    expect(json.findings).toHaveLength(result.findings.length);
    expect(json.summary.suppressed).toBe(result.suppressed!.length);
    expect(json.summary.error! + json.summary.warning! + json.summary.note!).toBe(result.findings.length);
    expect(render(result, "human")).toMatch(new RegExp(`input problems?, ${result.suppressed!.length} suppressed\\n$`, "u"));
  });

  it("is valid against the SARIF 2.1.0 schema", () => {
    expect(validateSarifSchema(sarif)).toEqual([]);
  });

  it("passes the multitool with GitHub's rules: zero errors, zero warnings", async () => {
    const reports = await runMultitoolAll([sarifFile]);
    const report = reports.get(path.resolve(sarifFile))!;
    expect(report.output.split("\n").filter((l) => / (error|warning) /u.test(l))).toEqual([]);
    expect([report.errors, report.warnings]).toEqual([0, 0]);
  }, 120_000);
});
