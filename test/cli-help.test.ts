import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { allRules } from "../rules/index.js";
import { runCli } from "./helpers/cli-run.js";
import { repoRoot } from "./helpers/rule-harness.js";

const scratch = mkdtempSync(path.join(tmpdir(), "stacklint-help-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("--explain", () => {
  it.each([["SL205"], ["sl205"], ["memcached-udp-enabled"]])("%s prints the rule's page and exits 0", async (wanted) => {
    const run = await runCli(["--explain", wanted]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(readFileSync(path.join(repoRoot, "docs/rules/memcached-udp-enabled.md"), "utf8"));
  });
  it.each([
    ["SL2O5", "stacklint: --explain: unknown rule 'SL2O5'; did you mean 'SL205'? (see --help)\n"],
    ["memcached-udp-enable", "stacklint: --explain: unknown rule 'memcached-udp-enable'; did you mean 'memcached-udp-enabled'? (see --help)\n"],
    ["firewall", "stacklint: --explain: unknown rule 'firewall' (see --help)\n"],
  ])("an unknown rule (%s) exits 2 with one line", async (wanted, stderr) => {
    const run = await runCli(["--explain", wanted]);
    expect([run.code, run.stdout, run.stderr]).toEqual([2, "", stderr]);
  });
  it("every rule has a page to explain", async () => {
    for (const rule of allRules) expect(readFileSync(path.join(repoRoot, "docs/rules", `${rule.name}.md`), "utf8")).toMatch(new RegExp(`^# ${rule.id} ${rule.name}\\n`, "u"));
  });
});

describe("--list-rules", () => {
  it("prints ID, name, level, category and summary for every rule", async () => {
    const run = await runCli(["--list-rules", "--no-config"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME\s+LEVEL\s+CATEGORY\s+SUMMARY$/u);
    expect(lines).toHaveLength(allRules.length + 1);
    expect(run.stdout).toMatch(/^SL205\s+memcached-udp-enabled\s+error\s+server\s+\S/mu);
    expect(run.stdout).toMatch(/^SL402\s+memcached-connection-errors\s+warning\s+runtime\s+\S/mu);
  });
  it("shows levels set by the config file and flags next to the default", async () => {
    const root = path.join(scratch, "levels");
    mkdirSync(path.join(root, ".git"), { recursive: true });
    writeFileSync(path.join(root, ".stacklint.yaml"), "rules:\n  SL101: off\n  SL205: warning\n");
    const run = await runCli(["--list-rules", "--rule", "SL205=note"], root);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^SL101\s+memcache-single-server\s+off \(default warning\)\s+client\s/mu);
    expect(run.stdout).toMatch(/^SL205\s+memcached-udp-enabled\s+note \(default error\)\s+server\s/mu);
  });
});
