import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "./helpers/rule-harness.js";

/** Runs the built CLI (npm test builds dist/ first) the way a user does. */
function stacklint(...args: string[]) {
  const run = spawnSync(process.execPath, [path.join(repoRoot, "dist/src/cli.js"), ...args], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const scratch = mkdtempSync(path.join(tmpdir(), "stacklint-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("exit codes follow --fail-on", () => {
  it.each([
    [[], 1],
    [["--fail-on", "never"], 0],
    [["--fail-on", "warning"], 1],
    [["--rule", "SL106=warning"], 0],
    [["--rule", "cache-middleware-order=off", "--fail-on", "error"], 0],
    [["--rule", "SL106=note", "--rule", "SL101=off", "--rule", "SL104=off", "--rule", "SL105=off", "--fail-on", "warning"], 0],
  ] as [string[], number][])("demo %j → %i", (args, code) => {
    expect(stacklint("fixtures/demo", ...args).code).toBe(code);
  });
  it("exits 0 on a clean deployment", () => {
    const run = stacklint("fixtures/rules/memcache-single-server/clean");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("✔ no problems");
  });
});

/** Config files for the misuse rows: a bad level in JSON, a misspelt key in YAML. */
function configMisuse(): [string[], RegExp][] {
  const badLevel = path.join(scratch, "bad-level.json");
  writeFileSync(badLevel, '{"rules": {"SL101": "loud"}}');
  const misspelt = path.join(scratch, ".stacklint.yaml");
  writeFileSync(misspelt, "thresholds:\n  maxConectionsFloor: 10\n");
  return [
    [["--config", "does/not/exist.yml", "fixtures/demo"], /config file 'does\/not\/exist\.yml' does not exist/u],
    [["--config", badLevel, "fixtures/demo"], /bad-level\.json:1: rules\.SL101: "loud" is not one of off, note, warning, error/u],
    [["--config", misspelt, "fixtures/demo"], /\.stacklint\.yaml:2: thresholds\.maxConectionsFloor: unknown key 'maxConectionsFloor'; did you mean 'maxConnectionsFloor'\?/u],
    [["--baseline", path.join(scratch, "none.json"), "fixtures/demo"], /baseline '.*none\.json' cannot be read; write one with --baseline-write/u],
    [["--explain", "SL999"], /--explain: unknown rule 'SL999'/u],
    [["--max-archive-ratio", "x", "fixtures/demo"], /--max-archive-ratio takes a positive number \(got 'x'\)/u],
  ];
}

describe("misuse exits 2 with one clear line and no stack trace", () => {
  it.each([
    [["--bogus"], /Unknown option '--bogus'/u],
    [["does/not/exist"], /input 'does\/not\/exist' does not exist/u],
    [["--rule", "SL999=error", "fixtures/demo"], /unknown rule 'SL999'/u],
    [["--rule", "SL101=loud", "fixtures/demo"], /--rule takes ID_OR_NAME=off\|note\|warning\|error/u],
    [["--fail-on", "sometimes", "fixtures/demo"], /--fail-on must be error, warning, note or never/u],
    [["--format", "xml", "fixtures/demo"], /unknown format 'xml'/u],
    [["--format", "json", "--format", "sarif", "fixtures/demo"], /only one --format can go to standard output/u],
    [["fixtures/demo", "--format", "json", "--output"], /Option '-o, --output <value>' argument missing/u],
    [["fixtures/demo", "--fail-on"], /Option '--fail-on <value>' argument missing/u],
    [["--rule", "SL101", "fixtures/demo"], /--rule takes ID_OR_NAME=off\|note\|warning\|error/u],
    [["--rule", "no-such-rule=off", "fixtures/demo"], /unknown rule 'no-such-rule'/u],
    [["--log-year", "24", "fixtures/demo"], /--log-year must be a year/u],
    [["--host", "ctl1=not-an-ip", "fixtures/demo"], /--host takes NAME=ADDR/u],
    [["--list-rules", "--rule", "SL999=off"], /unknown rule 'SL999'/u],
    ...configMisuse(),
  ] as [string[], RegExp][])("%j", (args, message) => {
    const run = stacklint(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at /u);
  });
});

describe("outputs", () => {
  it("writes the human report to stdout and SARIF to a file in one run", () => {
    const sarifFile = path.join(scratch, "out.sarif");
    const run = stacklint("fixtures/demo", "--format", "human", "--format", "sarif", "--output", sarifFile, "--fail-on", "never");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("SL106/cache-middleware-order");
    const sarif = JSON.parse(readFileSync(sarifFile, "utf8")) as { runs: { results: unknown[] }[] };
    expect(sarif.runs[0]!.results.length).toBeGreaterThan(0);
  });
  it("prints the rule table", () => {
    const run = stacklint("--list-rules");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ID\s+NAME\s+LEVEL\s+CATEGORY\s+SUMMARY/mu);
    expect(run.stdout).toMatch(/^SL101\s+memcache-single-server\s+warning\s+client\s+A cache client lists only one memcached server\./mu);
  });
  it("prints its version and help", () => {
    expect(stacklint("--version").stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/u);
    expect(stacklint("--help").stdout).toContain("Exit codes:");
  });
  it("uses no colour when stdout is not a terminal", () => {
    expect(stacklint("fixtures/demo").stdout).not.toContain("\u001b[");
  });
});
