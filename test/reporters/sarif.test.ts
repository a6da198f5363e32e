import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Log, Notification, ReportingDescriptor, Result } from "sarif";
import { afterAll, describe, expect, it } from "vitest";
import type { AnalysisResult, RuleDescriptor } from "../../src/engine/result.js";
import type { Finding } from "../../src/engine/rule.js";
import { FINGERPRINT_KEY, formatSarif } from "../../src/reporters/sarif.js";
import { emptyDeployment } from "../../src/model/deployment.js";
import { runMultitool, validateSarifSchema } from "../helpers/sarif-validation.js";

const HELP_BASE = "https://github.com/stacklint/stacklint/blob/main/docs/rules";

function rule(fields: Omit<RuleDescriptor, "helpUri" | "effectiveLevel" | "messages"> & Partial<RuleDescriptor>): RuleDescriptor {
  return { effectiveLevel: fields.level, helpUri: `${HELP_BASE}/${fields.name}.md`, messages: { only: "unused" }, ...fields };
}

const RULES: RuleDescriptor[] = [
  rule({
    id: "SL101",
    name: "memcache-single-server",
    level: "warning",
    tags: ["reliability", "swift", "keystone"],
    precision: "very-high",
    summary: "A cache client lists only one memcached server.",
    description: "A client whose effective server list has exactly one entry loses its whole cache when that memcached fails or restarts.",
    helpMarkdown:
      "# SL101 memcache-single-server\n\n## When it stays silent\nWhen no list is written at all (see [SL102](memcache-loopback-default.md)), or [upstream](https://docs.openstack.org/swift/latest/).\n",
  }),
  rule({
    id: "SL105",
    name: "memcache-conf-shadowed",
    level: "warning",
    tags: ["correctness", "swift"],
    precision: "very-high",
    summary: "A cache setting the operator wrote is silently ignored.",
    description: "x".repeat(1500),
    helpMarkdown: "",
  }),
  rule({
    id: "SL110",
    name: "obsolete-or-unknown-cache-option",
    level: "note",
    effectiveLevel: "warning",
    tags: ["maintainability", "swift"],
    precision: "high",
    summary: "An option the product no longer reads or does not know.",
    description: "An option in a cache section that the product no longer reads, does not know, or reads under a newer name.",
    helpMarkdown: "# SL110 obsolete-or-unknown-cache-option\n\nSee the [Swift sample](../../etc/proxy-server.conf-sample).\n",
  }),
  rule({
    id: "SL205",
    name: "memcached-udp-enabled",
    level: "error",
    tags: ["memcached", "network"],
    precision: "very-high",
    securitySeverity: "8.0",
    summary: "memcached listens on UDP.",
    description: "UDP is enabled (-U non-zero): memcached can then be used for reflection and amplification attacks (CVE-2018-1000115).",
    helpMarkdown: "# SL205 memcached-udp-enabled\n\nDisable UDP with `-U 0`.\n",
  }),
];

const PROXY = "etc/swift/proxy-server.conf";
const ODD_FILE = "hosts/contrôleur 1/etc/swift/proxy #2.conf";

const FINDINGS: Finding[] = [
  {
    ruleId: "SL105",
    ruleName: "memcache-conf-shadowed",
    level: "warning",
    messageId: "unread",
    message:
      "[memcache]memcache_servers = 10.0.0.9:11211 in memcache.conf is never read: proxy-server.conf sets both memcache_servers and memcache_max_connections. Move the setting into [filter:cache].",
    location: { file: "etc/swift/memcache.conf", line: 2, column: 20, endLine: 2, endColumn: 34 },
    related: [
      { location: { file: PROXY, line: 14, column: 20, endLine: 14, endColumn: 49 }, message: "the value in effect: 10.0.0.5:11211,10.0.0.6:11211" },
      { location: { file: PROXY, line: 15, column: 28, endLine: 15, endColumn: 29 }, message: "[filter:cache] memcache_max_connections, also set" },
    ],
    key: "swift-proxy@etc/swift/proxy-server.conf#filter:cache:memcache-conf-unread:[memcache]memcache_servers",
  },
  {
    ruleId: "SL101",
    ruleName: "memcache-single-server",
    level: "warning",
    messageId: "single",
    message: "the Swift proxy [filter:cache] lists only one memcached server, 10.0.0.5:11211: when it fails or restarts, this client has no cache.",
    location: { file: PROXY, line: 14, column: 20, endLine: 14, endColumn: 34 },
    related: [],
    key: "swift-proxy@etc/swift/proxy-server.conf#filter:cache:servers",
  },
  {
    ruleId: "SL110",
    ruleName: "obsolete-or-unknown-cache-option",
    level: "warning",
    messageId: "obsolete",
    message: "memcache_serialization_support is no longer read by Swift (removed in 2.30); remove it.",
    location: { file: ODD_FILE, line: 1, column: 1, endLine: 1, endColumn: 1 },
    related: [],
    key: "swift-proxy@hosts/contrôleur 1#filter:cache:memcache_serialization_support",
  },
  {
    ruleId: "SL205",
    ruleName: "memcached-udp-enabled",
    level: "error",
    messageId: "udp",
    message: "memcached on controller1 listens on UDP port 11211 (-U 11211): disable UDP with -U 0.",
    location: { file: "etc/sysconfig/memcached", line: 5, column: 10, endLine: 5, endColumn: 39 },
    related: [{ location: { file: "etc/systemd/system/memcached.service", line: 9, column: 1, endLine: 9, endColumn: 40 }, message: "ExecStart passes $OPTIONS" }],
    key: "memcached@controller1:udp",
  },
];

function analysisResult(overrides: Partial<AnalysisResult> = {}): AnalysisResult {
  return {
    tool: { name: "stacklint", version: "0.1.0", informationUri: "https://github.com/stacklint/stacklint" },
    rules: RULES,
    findings: FINDINGS,
    diagnostics: [
      { severity: "error", code: "ini-syntax", message: "a line that is neither a section, an option nor a continuation", file: "etc/nova/nova.conf", line: 41, column: 1 },
      { severity: "warning", code: "binary-file", message: "The file looks binary and was skipped.", file: "etc/swift/object.ring.gz" },
      { severity: "note", code: "line-too-long", message: "A line longer than 64 KiB was cut", file: ODD_FILE, line: 3 },
      { severity: "error", code: "internal-error", message: "A parser failed unexpectedly; its file was skipped.", file: "" },
    ],
    deployment: emptyDeployment(),
    files: { analyzed: [], skipped: {} },
    snippets: {},
    ...overrides,
  };
}

const workDir = mkdtempSync(path.join(os.tmpdir(), "stacklint-sarif-test-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function writeSarif(name: string, content: string): string {
  const file = path.join(workDir, name);
  writeFileSync(file, content);
  return file;
}

const text = formatSarif(analysisResult());
const log = JSON.parse(text) as Log;
const run = log.runs[0]!;
const driverRules = run.tool.driver.rules ?? [];
const results = run.results ?? [];

function ruleById(id: string): ReportingDescriptor {
  const found = driverRules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
}

function resultFor(ruleId: string): Result {
  const found = results.find((r) => r.ruleId === ruleId);
  if (!found) throw new Error(`no result for ${ruleId}`);
  return found;
}

describe("formatSarif: validity", () => {
  it("is valid against the SARIF 2.1.0 schema", () => {
    expect(validateSarifSchema(log)).toEqual([]);
  });

  it("passes the multitool's SARIF and GitHub rules with no error and no warning", async () => {
    const report = await runMultitool(writeSarif("realistic.sarif", text));
    expect(report.output.split("\n").filter((line) => / (error|warning) /u.test(line))).toEqual([]);
    expect(report.errors).toBe(0);
    expect(report.warnings).toBe(0);
  });

  it("stays valid with no findings and no diagnostics", async () => {
    const empty = formatSarif(analysisResult({ findings: [], diagnostics: [] }));
    expect(validateSarifSchema(JSON.parse(empty))).toEqual([]);
    const report = await runMultitool(writeSarif("empty.sarif", empty));
    expect([report.errors, report.warnings]).toEqual([0, 0]);
  });
});

describe("formatSarif: shape", () => {
  it("writes one run with the schema, the version and the run-level settings", () => {
    expect(text.startsWith('{\n  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",\n  "version": "2.1.0",')).toBe(true);
    expect(text.endsWith("}\n")).toBe(true);
    expect(log.runs).toHaveLength(1);
    expect(run.automationDetails).toEqual({ id: "stacklint/" });
    expect(run.columnKind).toBe("utf16CodeUnits");
    expect(run.originalUriBaseIds?.["%SRCROOT%"]?.uri).toBeUndefined();
    expect(run.originalUriBaseIds?.["%SRCROOT%"]?.description?.text).toMatch(/\.$/u);
  });

  it("describes the tool and every rule, in the order given", () => {
    const driver = run.tool.driver;
    expect(driver).toMatchObject({ name: "stacklint", semanticVersion: "0.1.0", informationUri: "https://github.com/stacklint/stacklint" });
    expect(driverRules.map((r) => r.id)).toEqual(["SL101", "SL105", "SL110", "SL205"]);
    expect(driverRules.map((r) => r.name)).toEqual(["MemcacheSingleServer", "MemcacheConfShadowed", "ObsoleteOrUnknownCacheOption", "MemcachedUdpEnabled"]);
  });

  it("fills each rule's descriptions, help and configuration", () => {
    const sl101 = ruleById("SL101");
    expect(sl101.shortDescription?.text).toBe("A cache client lists only one memcached server.");
    expect(sl101.fullDescription?.text).toBe(RULES[0]!.description);
    expect(sl101.helpUri).toBe(`${HELP_BASE}/memcache-single-server.md`);
    expect(sl101.help?.text).toContain(RULES[0]!.description);
    expect(sl101.help?.markdown).toContain("# SL101 memcache-single-server");
    // GitHub does not show helpUri: the link is in the markdown, and relative links are resolved.
    expect(sl101.help?.markdown).toContain(`(${HELP_BASE}/memcache-single-server.md)`);
    expect(sl101.help?.markdown).toContain(`[SL102](${HELP_BASE}/memcache-loopback-default.md)`);
    expect(sl101.help?.markdown).toContain("[upstream](https://docs.openstack.org/swift/latest/)");
    expect(ruleById("SL110").help?.markdown).toContain("[Swift sample](https://github.com/stacklint/stacklint/blob/main/etc/proxy-server.conf-sample)");
    expect(sl101.defaultConfiguration).toEqual({ level: "warning" });
    expect(sl101.properties).toEqual({
      tags: ["reliability", "swift", "keystone"],
      precision: "very-high",
      slug: "memcache-single-server",
      "problem.severity": "warning",
    });
  });

  it("uses the effective level and maps note to recommendation", () => {
    expect(ruleById("SL110").defaultConfiguration).toEqual({ level: "warning" });
    expect(ruleById("SL110").properties?.["problem.severity"]).toBe("warning");
    const noteRule = formatSarif(analysisResult({ rules: [{ ...RULES[2]!, effectiveLevel: "note" }], findings: [] }));
    const descriptor = (JSON.parse(noteRule) as Log).runs[0]!.tool.driver.rules![0]!;
    expect(descriptor.defaultConfiguration).toEqual({ level: "note" });
    expect(descriptor.properties?.["problem.severity"]).toBe("recommendation");
  });

  it("marks a security rule with a string security-severity and no problem.severity", () => {
    const sl205 = ruleById("SL205");
    expect(sl205.properties?.["security-severity"]).toBe("8.0");
    expect(sl205.properties?.["problem.severity"]).toBeUndefined();
    expect(sl205.properties?.tags).toEqual(["memcached", "network", "security"]);
    for (const id of ["SL101", "SL105", "SL110"]) expect(ruleById(id).properties?.["security-severity"]).toBeUndefined();
  });

  it("keeps descriptions within GitHub's 1024 characters and never empty", () => {
    const sl105 = ruleById("SL105");
    expect(sl105.fullDescription?.text.length).toBeLessThanOrEqual(1024);
    expect(sl105.fullDescription?.text.endsWith("…")).toBe(true);
    // No rule page: the markdown falls back to the summary and description, plus the link.
    expect(sl105.help?.markdown).toContain("A cache setting the operator wrote is silently ignored.");
    expect(sl105.help?.markdown).toContain(`${HELP_BASE}/memcache-conf-shadowed.md`);
  });

  it("writes one result per finding, in order, pointing at its rule", () => {
    expect(results.map((r) => r.ruleId)).toEqual(["SL105", "SL101", "SL110", "SL205"]);
    for (const r of results) expect(driverRules[r.ruleIndex!]!.id).toBe(r.ruleId);
    expect(resultFor("SL205").level).toBe("error");
    expect(resultFor("SL110").level).toBe("warning");
  });

  it("gives each result one location with a relative URI and a full region", () => {
    const sl101 = resultFor("SL101");
    expect(sl101.locations).toEqual([
      {
        physicalLocation: {
          artifactLocation: { uri: "etc/swift/proxy-server.conf", uriBaseId: "%SRCROOT%" },
          region: { startLine: 14, startColumn: 20, endLine: 14, endColumn: 34 },
        },
      },
    ]);
    expect(sl101.message.text).toBe(FINDINGS[1]!.message);
    expect(sl101.relatedLocations).toBeUndefined();
  });

  it("percent-encodes each path segment (space, non-ASCII, #)", () => {
    const uri = resultFor("SL110").locations![0]!.physicalLocation!.artifactLocation!.uri;
    expect(uri).toBe("hosts/contr%C3%B4leur%201/etc/swift/proxy%20%232.conf");
    const unencoded = JSON.parse(text) as Log;
    unencoded.runs[0]!.results![2]!.locations![0]!.physicalLocation!.artifactLocation!.uri = ODD_FILE;
    expect(validateSarifSchema(unencoded).join("\n")).toContain('must match format "uri-reference"');
  });

  it("lists related locations with ids and links them from the message", () => {
    const sl105 = resultFor("SL105");
    expect(sl105.relatedLocations).toEqual([
      {
        id: 1,
        physicalLocation: {
          artifactLocation: { uri: "etc/swift/proxy-server.conf", uriBaseId: "%SRCROOT%" },
          region: { startLine: 14, startColumn: 20, endLine: 14, endColumn: 49 },
        },
        message: { text: "the value in effect: 10.0.0.5:11211,10.0.0.6:11211" },
      },
      {
        id: 2,
        physicalLocation: {
          artifactLocation: { uri: "etc/swift/proxy-server.conf", uriBaseId: "%SRCROOT%" },
          region: { startLine: 15, startColumn: 28, endLine: 15, endColumn: 29 },
        },
        message: { text: "[filter:cache] memcache_max_connections, also set" },
      },
    ]);
    expect(sl105.message.text).toBe(
      `${FINDINGS[0]!.message} See [the value in effect: 10.0.0.5:11211,10.0.0.6:11211](1), [\\[filter:cache\\] memcache_max_connections, also set](2).`,
    );
    expect(resultFor("SL205").relatedLocations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe("etc/systemd/system/memcached.service");
  });

  it("ends every message with a period and labels an unlabelled related location by its position", () => {
    const bare: Finding = {
      ...FINDINGS[1]!,
      message: "no final period",
      related: [{ location: { file: "etc/a.conf", line: 3, column: 1, endLine: 3, endColumn: 2 }, message: " " }],
    };
    const only = (JSON.parse(formatSarif(analysisResult({ findings: [bare] }))) as Log).runs[0]!.results![0]!;
    expect(only.message.text).toBe("no final period. See [etc/a.conf:3:1](1).");
    expect(only.relatedLocations?.[0]?.message?.text).toBe("etc/a.conf:3:1");
  });

  it("fingerprints rule, file and key under a versioned key of its own", () => {
    const sl101 = resultFor("SL101");
    expect(Object.keys(sl101.partialFingerprints ?? {})).toEqual([FINGERPRINT_KEY]);
    expect(FINGERPRINT_KEY).toBe("stacklint/v1");
    const expected = createHash("sha256").update("SL101\0etc/swift/proxy-server.conf\0swift-proxy@etc/swift/proxy-server.conf#filter:cache:servers").digest("hex");
    expect(sl101.partialFingerprints?.[FINGERPRINT_KEY]).toBe(expected);
    expect(text).not.toContain("primaryLocationLineHash");
    // Lines move, the fingerprint stays; another key changes it.
    const moved = { ...FINDINGS[1]!, location: { ...FINDINGS[1]!.location, line: 40, endLine: 40 } };
    const rekeyed = { ...FINDINGS[1]!, key: "swift-proxy@etc/swift/proxy-server.conf#filter:cache:other" };
    const fingerprintOf = (finding: Finding) =>
      (JSON.parse(formatSarif(analysisResult({ findings: [finding] }))) as Log).runs[0]!.results![0]!.partialFingerprints?.[FINGERPRINT_KEY];
    expect(fingerprintOf(moved)).toBe(sl101.partialFingerprints?.[FINGERPRINT_KEY]);
    expect(fingerprintOf(rekeyed)).not.toBe(sl101.partialFingerprints?.[FINGERPRINT_KEY]);
  });

  it("reports diagnostics as notifications of a successful run, never at level error", () => {
    const invocations = run.invocations ?? [];
    expect(invocations).toHaveLength(1);
    expect(invocations[0]!.executionSuccessful).toBe(true);
    const notifications: Notification[] = invocations[0]!.toolExecutionNotifications ?? [];
    expect(notifications.map((n) => n.level)).toEqual(["warning", "warning", "note", "warning"]);
    expect(notifications.map((n) => n.properties?.["severity"])).toEqual(["error", "warning", "note", "error"]);
    expect(notifications.map((n) => n.descriptor?.id)).toEqual(["ini-syntax", "binary-file", "line-too-long", "internal-error"]);
    for (const n of notifications) expect(n.message.text).toMatch(/\.$/u);
    expect(notifications[0]!.message.text).toBe("a line that is neither a section, an option nor a continuation.");
    expect(notifications[0]!.locations).toEqual([
      { physicalLocation: { artifactLocation: { uri: "etc/nova/nova.conf", uriBaseId: "%SRCROOT%" }, region: { startLine: 41, startColumn: 1 } } },
    ]);
    expect(notifications[1]!.locations).toEqual([{ physicalLocation: { artifactLocation: { uri: "etc/swift/object.ring.gz", uriBaseId: "%SRCROOT%" } } }]);
    expect(notifications[2]!.locations?.[0]?.physicalLocation?.region).toEqual({ startLine: 3 });
    expect(notifications[2]!.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe("hosts/contr%C3%B4leur%201/etc/swift/proxy%20%232.conf");
    expect(notifications[3]!.locations).toBeUndefined();
  });
});

describe("formatSarif: determinism", () => {
  it("gives the same bytes for the same input", () => {
    expect(formatSarif(analysisResult())).toBe(text);
  });

  it("holds no timestamp and no machine path", () => {
    expect(text).not.toMatch(/TimeUtc|\d{4}-\d{2}-\d{2}T\d{2}:/u);
    expect(text).not.toContain("file:");
    expect(text).not.toContain(process.cwd());
    expect(text).not.toContain(os.homedir());
  });
});

describe("negative controls: the validators catch broken SARIF", () => {
  it("schema: a result without a message", () => {
    const broken = JSON.parse(text) as { runs: { results: Record<string, unknown>[] }[] };
    delete broken.runs[0]!.results[0]!["message"];
    expect(validateSarifSchema(broken).join("\n")).toContain("must have required property 'message'");
  });

  it("schema: a result with level bogus", () => {
    const broken = JSON.parse(text) as { runs: { results: Record<string, unknown>[] }[] };
    broken.runs[0]!.results[0]!["level"] = "bogus";
    expect(validateSarifSchema(broken).join("\n")).toContain("/runs/0/results/0/level: must be equal to one of the allowed values");
  });

  it("multitool: a result without a message is an error", async () => {
    const broken = JSON.parse(text) as { runs: { results: Record<string, unknown>[] }[] };
    delete broken.runs[0]!.results[1]!["message"];
    const report = await runMultitool(writeSarif("no-message.sarif", JSON.stringify(broken, null, 2)));
    expect(report.errors).toBeGreaterThan(0);
    expect(report.output).toMatch(/error JSON1002: runs\[0\]\.results\[1\]: The required property 'message' is missing/u);
  });

  it("multitool: a rule without help and an unencoded URI are errors", async () => {
    const broken = JSON.parse(text) as Log;
    delete broken.runs[0]!.tool.driver.rules![0]!.help;
    broken.runs[0]!.results![2]!.locations![0]!.physicalLocation!.artifactLocation!.uri = ODD_FILE;
    const report = await runMultitool(writeSarif("no-help.sarif", JSON.stringify(broken, null, 2)));
    expect(report.errors).toBe(2);
    expect(report.output).toMatch(/error GH2012: runs\[0\]\.tool\.driver\.rules\[0\]: .*'help'/u);
    expect(report.output).toMatch(/error SARIF1002: runs\[0\]\.results\[2\]\.locations\[0\]/u);
  });

  it("multitool: a log it silently skips (level bogus) makes the helper throw, not pass", async () => {
    const broken = JSON.parse(text) as { runs: { results: Record<string, unknown>[] }[] };
    broken.runs[0]!.results[0]!["level"] = "bogus";
    await expect(runMultitool(writeSarif("bogus-level.sarif", JSON.stringify(broken, null, 2)))).rejects.toThrow(/reported nothing at all/u);
  });

  it("multitool: refuses to report on a file it could not scan", async () => {
    await expect(runMultitool(path.join(workDir, "missing.sarif"))).rejects.toThrow(/no such file/u);
    const emptyDir = mkdtempSync(path.join(workDir, "empty-"));
    await expect(runMultitool(emptyDir)).rejects.toThrow(/sarif-multitool exited with|did not scan/u);
    expect((await runMultitool(writeSarif("not.json", "{ not json"))).errors).toBeGreaterThan(0);
  });
});
