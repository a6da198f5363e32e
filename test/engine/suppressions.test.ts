import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import { findSuppressionDirectives } from "../../src/discover/suppression-comments.js";
import type { AnalysisResult } from "../../src/engine/result.js";

const scratch = mkdtempSync(path.join(tmpdir(), "stacklint-suppress-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes a tree of files under a fresh folder and analyzes it with every rule. */
async function analyzeTree(name: string, files: Record<string, string>): Promise<AnalysisResult> {
  const root = path.join(scratch, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return analyze({ inputs: [name], baseDirectory: scratch });
}

const sites = (list: readonly { ruleId: string; location: { file: string; line: number } }[]) => list.map((f) => `${f.ruleId} ${f.location.file}:${f.location.line}`);
const diagnosticSites = (result: AnalysisResult, code: string) => result.diagnostics.filter((d) => d.code === code).map((d) => `${d.file}:${d.line}`);

/** A proxy like the demo's: SL106 on the pipeline (line 5), SL101 on memcache_servers (line 15), before directives are added. */
function proxyConf(directives: { top?: string[]; pipeline?: string[]; servers?: string[] }): string {
  return [
    ...(directives.top ?? []),
    "[DEFAULT]",
    "workers = 8",
    "",
    "[pipeline:main]",
    ...(directives.pipeline ?? []),
    "pipeline = catch_errors gatekeeper healthcheck proxy-logging tempauth cache proxy-server",
    "",
    "[app:proxy-server]",
    "use = egg:swift#proxy",
    "",
    "[filter:tempauth]",
    "use = egg:swift#tempauth",
    "",
    "[filter:cache]",
    "use = egg:swift#memcache",
    ...(directives.servers ?? []),
    "memcache_servers = 10.0.0.11:11211",
    "memcache_max_connections = 4",
    "",
  ].join("\n");
}

describe("reading directives from the text", () => {
  it("reads both forms, several rules, IDs or names, '#' and ';', and positions", () => {
    const { directives } = findSuppressionDirectives("f.conf", [
      "  # stacklint-disable-next-line SL101, memcache-conf-shadowed -- two reasons in one",
      "; stacklint-disable-file SL205 -- no UDP here",
      "key = value",
    ]);
    expect(directives).toHaveLength(2);
    expect(directives[0]).toMatchObject({ scope: "next-line", reason: "two reasons in one", targetLine: 3, problem: null, location: { line: 1, column: 5 } });
    expect(directives[0]!.rules.map((r) => [r.text, r.location.column])).toEqual([
      ["SL101", 33],
      ["memcache-conf-shadowed", 40],
    ]);
    expect(directives[1]).toMatchObject({ scope: "file", reason: "no UDP here", targetLine: null, rules: [{ text: "SL205" }] });
  });
  it("lets directives stack above one line", () => {
    const { directives } = findSuppressionDirectives("f", ["# stacklint-disable-next-line SL101 -- a", "# stacklint-disable-next-line SL104 -- b", "x = 1"]);
    expect(directives.map((d) => d.targetLine)).toEqual([3, 3]);
  });
  it("ignores a directive after a value (configparser keeps it as part of the value) and prose that mentions stacklint", () => {
    const { directives, unknown } = findSuppressionDirectives("f", ["memcache_servers = a:1 # stacklint-disable-next-line SL101 -- no", "# run stacklint-disable-file before commit"]);
    expect(directives).toEqual([]);
    expect(unknown).toEqual([]);
  });
  it("marks a missing reason, an empty rule list and a malformed rule", () => {
    const { directives } = findSuppressionDirectives("f", ["# stacklint-disable-next-line SL101", "# stacklint-disable-file -- why", "# stacklint-disable-file SL1@1 -- why", "# stacklint-disable-next-line SL101 --", "x"]);
    expect(directives.map((d) => [d.reason, d.problem === null])).toEqual([
      [null, true],
      ["why", false],
      ["why", false],
      [null, true],
    ]);
  });
  it("reports a near miss such as a misspelt keyword", () => {
    const lines = ["# stacklint-disabel-file SL101 -- x", "; stacklint-ignore SL101", "# stacklint-disable-line SL101 -- x", "# stacklint-baseline.json is written by CI"];
    expect(findSuppressionDirectives("f", lines).unknown.map((u) => [u.word, u.location.line, u.location.column])).toEqual([
      ["stacklint-disabel-file", 1, 3],
      ["stacklint-ignore", 2, 3],
      ["stacklint-disable-line", 3, 3],
    ]);
  });
});

describe("suppressions in each file syntax", () => {
  it("INI (Swift proxy): '#' and ';' comments, next-line, by ID and by name", async () => {
    const result = await analyzeTree("ini", {
      "etc/swift/proxy-server.conf": proxyConf({
        pipeline: ["; stacklint-disable-next-line cache-middleware-order -- tempauth only serves the health check here"],
        servers: ["# stacklint-disable-next-line SL101 -- a lab proxy with one memcached on purpose"],
      }),
    });
    expect(sites(result.findings)).toEqual([]);
    expect(sites(result.suppressed ?? [])).toEqual(["SL106 ini/etc/swift/proxy-server.conf:6", "SL101 ini/etc/swift/proxy-server.conf:17"]);
    expect(result.suppressed!.map((f) => f.suppression)).toMatchObject([
      { kind: "inSource", justification: "tempauth only serves the health check here", location: { line: 5 } },
      { kind: "inSource", justification: "a lab proxy with one memcached on purpose", location: { line: 16 } },
    ]);
    expect(result.diagnostics).toEqual([]);
  });

  it("without a directive the same file reports both findings (the suppressions above are what silenced them)", async () => {
    const result = await analyzeTree("ini-plain", { "etc/swift/proxy-server.conf": proxyConf({}) });
    expect(sites(result.findings)).toEqual(["SL106 ini-plain/etc/swift/proxy-server.conf:5", "SL101 ini-plain/etc/swift/proxy-server.conf:15"]);
  });

  it("systemd unit: a next-line directive above ExecStart", async () => {
    const unit = (directive: string[]) =>
      ["[Unit]", "Description=memcached daemon", "", "[Service]", ...directive, "ExecStart=/usr/bin/memcached -p 11211 -l 10.0.0.11 -U 11211 -m 1024", "", "[Install]", "WantedBy=multi-user.target", ""].join("\n");
    const plain = await analyzeTree("unit-plain", { "etc/systemd/system/memcached.service": unit([]) });
    expect(sites(plain.findings).filter((s) => s.startsWith("SL205"))).toEqual(["SL205 unit-plain/etc/systemd/system/memcached.service:5"]);
    const result = await analyzeTree("unit", { "etc/systemd/system/memcached.service": unit(["# stacklint-disable-next-line memcached-udp-enabled -- UDP is firewalled to the loopback monitor"]) });
    expect(sites(result.findings).filter((s) => s.startsWith("SL205"))).toEqual([]);
    expect(sites(result.suppressed ?? [])).toEqual(["SL205 unit/etc/systemd/system/memcached.service:6"]);
  });

  it("shell-style environment file (/etc/sysconfig/memcached)", async () => {
    const result = await analyzeTree("env", {
      "etc/sysconfig/memcached": ['PORT="11211"', "# stacklint-disable-next-line SL205 -- legacy monitoring reads stats over UDP until 2025-06", 'OPTIONS="-l 10.0.0.11 -U 11211"', ""].join("\n"),
    });
    expect(sites(result.findings).filter((s) => s.startsWith("SL205"))).toEqual([]);
    expect(sites(result.suppressed ?? [])).toEqual(["SL205 env/etc/sysconfig/memcached:3"]);
  });

  it("YAML (compose): a file-wide directive", async () => {
    const compose = (top: string[]) =>
      [...top, "services:", "  cache:", "    image: memcached:1.6-alpine", '    command: ["-c", "8192", "-m", "1024"]', "    network_mode: host", "    ulimits:", "      nofile:", "        soft: 4096", "        hard: 4096", ""].join("\n");
    const plain = await analyzeTree("compose-plain", { "compose.yaml": compose([]) });
    expect(sites(plain.findings).filter((s) => s.startsWith("SL203"))).toHaveLength(1);
    const result = await analyzeTree("compose", { "compose.yaml": compose(["# stacklint-disable-file SL203 -- the image raises nofile in its entrypoint"]) });
    expect(sites(result.findings).filter((s) => s.startsWith("SL203"))).toEqual([]);
    expect(sites(result.suppressed ?? []).filter((s) => s.startsWith("SL203"))).toHaveLength(1);
    expect(result.suppressed![0]!.suppression.justification).toBe("the image raises nofile in its entrypoint");
  });
});

describe("directives that do not apply are reported", () => {
  it("a missing reason: reported, and the finding stays", async () => {
    const result = await analyzeTree("no-reason", { "etc/swift/proxy-server.conf": proxyConf({ servers: ["# stacklint-disable-next-line SL101"] }) });
    expect(sites(result.findings)).toContain("SL101 no-reason/etc/swift/proxy-server.conf:16");
    expect(result.suppressed).toEqual([]);
    expect(diagnosticSites(result, "suppression-missing-reason")).toEqual(["no-reason/etc/swift/proxy-server.conf:15"]);
    expect(result.diagnostics.find((d) => d.code === "suppression-missing-reason")!.message).toMatch(/gives no reason, so it does not apply; add one after ' -- '/u);
  });

  it("unused: a rule that reports nothing there, per rule of the directive, at note level", async () => {
    const result = await analyzeTree("unused", {
      "etc/swift/proxy-server.conf": proxyConf({
        top: ["# stacklint-disable-file SL205 -- no memcached runs here"],
        servers: ["# stacklint-disable-next-line SL101, SL107 -- one server on purpose"],
      }),
    });
    expect(sites(result.suppressed ?? [])).toEqual(["SL101 unused/etc/swift/proxy-server.conf:17"]);
    const unused = result.diagnostics.filter((d) => d.code === "suppression-unused");
    expect(unused.map((d) => [d.severity, `${d.file}:${d.line}`, d.message])).toEqual([
      ["note", "unused/etc/swift/proxy-server.conf:1", "stacklint-disable-file SL205 is unused: SL205 reports nothing in this file; remove it"],
      ["note", "unused/etc/swift/proxy-server.conf:16", "stacklint-disable-next-line SL107 is unused: SL107 reports nothing on line 17; remove it"],
    ]);
  });

  it("an unknown rule, with a did-you-mean", async () => {
    const result = await analyzeTree("unknown", { "etc/swift/proxy-server.conf": proxyConf({ servers: ["# stacklint-disable-next-line memcache-single-sever -- typo"] }) });
    expect(sites(result.findings)).toContain("SL101 unknown/etc/swift/proxy-server.conf:16");
    expect(result.diagnostics.find((d) => d.code === "suppression-unknown-rule")!.message).toContain("did you mean 'memcache-single-server'?");
  });

  it("a rule turned off is not called unused (nobody can tell)", async () => {
    const root = path.join(scratch, "off");
    mkdirSync(path.join(root, "etc/swift"), { recursive: true });
    writeFileSync(path.join(root, "etc/swift/proxy-server.conf"), proxyConf({ top: ["# stacklint-disable-file SL101 -- lab"] }));
    const result = await analyze({ inputs: ["off"], baseDirectory: scratch, ruleLevels: new Map([["SL101", "off"]]) });
    expect(result.diagnostics.filter((d) => d.code.startsWith("suppression"))).toEqual([]);
  });
});
