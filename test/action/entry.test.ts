import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/rule-harness.js";
import { validateSarifSchema } from "../helpers/sarif-validation.js";

const execFileAsync = promisify(execFile);
const FIRES = "fixtures/rules/proxy-503-memcached-errors/fires";
const scratch = mkdtempSync(path.join(tmpdir(), "stacklint-action-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface ActionRun {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  dir: string;
}

let runs = 0;

/**
 * Runs the action's entry as the composite step does (action.yml): `node dist/src/action/main.js`
 * in the workspace, inputs as INPUT_* variables, and the runner's GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files (the summary already holds an earlier step's text).
 */
async function runAction(inputs: Record<string, string>): Promise<ActionRun> {
  const dir = path.join(scratch, `run-${++runs}`);
  const { mkdirSync } = await import("node:fs");
  mkdirSync(dir);
  const outputFile = path.join(dir, "github_output");
  const summaryFile = path.join(dir, "step_summary");
  writeFileSync(outputFile, "");
  writeFileSync(summaryFile, "earlier step\n");
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, RUNNER_TEMP: dir, ...inputs };
  let code = 0;
  let stdout = "";
  try {
    ({ stdout } = await execFileAsync(process.execPath, [path.join(repoRoot, "dist/src/action/main.js")], { cwd: repoRoot, env, encoding: "utf8" }));
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    code = failed.code;
    stdout = failed.stdout;
  }
  return { code, stdout, outputs: parseGithubOutput(readFileSync(outputFile, "utf8")), summary: readFileSync(summaryFile, "utf8"), dir };
}

/** The runner's reading of GITHUB_OUTPUT: `name=value` lines and `name<<DELIMITER` … `DELIMITER` blocks. */
function parseGithubOutput(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    const heredoc = /^([^=<]+)<<(.+)$/u.exec(line);
    if (heredoc) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]!);
      expect(i, `unterminated ${heredoc[1]}`).toBeLessThan(lines.length);
      outputs[heredoc[1]!] = value.join("\n");
    } else {
      const [name, ...rest] = line.split("=");
      outputs[name!] = rest.join("=");
    }
  }
  return outputs;
}

describe("the action's entry, run the way the runner runs it", () => {
  it("writes annotations, the step summary, SARIF with the category and the outputs; fails on errors", async () => {
    const sarifFile = path.join(scratch, "out", "stacklint.sarif");
    const run = await runAction({ INPUT_PATHS: FIRES, INPUT_SARIF_FILE: sarifFile, INPUT_CATEGORY: "stacklint/proxy", INPUT_FAIL_ON: "error", INPUT_FORMATS: "sarif,github,markdown" });
    expect(run.code).toBe(1);
    expect(run.outputs).toEqual({ "sarif-file": sarifFile, "error-count": "4", "warning-count": "2" });
    // The GITHUB_OUTPUT file uses the multiline-safe form with a random delimiter.
    expect(readFileSync(path.join(run.dir, "github_output"), "utf8")).toMatch(/^error-count<<ghadelimiter_[0-9a-f-]{36}\n4\nghadelimiter_[0-9a-f-]{36}$/mu);

    const annotations = run.stdout.split("\n").filter((l) => l.startsWith("::"));
    expect(annotations.filter((l) => l.startsWith("::error ")).length).toBe(4);
    expect(annotations.filter((l) => l.startsWith("::warning ")).length).toBe(2);
    expect(annotations.find((l) => l.startsWith("::error "))).toMatch(/^::error file=fixtures\/rules\/proxy-503-memcached-errors\/fires\/proxy1\/\S+,line=\d+,endLine=\d+,col=\d+,endColumn=\d+,title=SL\d{3} [a-z0-9-]+::/u);
    expect(run.stdout).toContain("stacklint: 4 errors, 2 warnings, 0 notes, 0 input problems");

    expect(run.summary.startsWith("earlier step\n## stacklint: 4 errors, 2 warnings, 0 notes\n")).toBe(true);
    expect(run.summary).toContain("### Timeline of proxy1 (UTC, per minute)");
    expect(run.summary).toContain("| 2024-05-01 16:08 | 2 | 4 |");

    const sarif = JSON.parse(readFileSync(sarifFile, "utf8")) as { runs: { automationDetails: { id: string }; results: unknown[] }[] };
    expect(validateSarifSchema(sarif)).toEqual([]);
    expect(sarif.runs[0]!.automationDetails.id).toBe("stacklint/proxy/");
    expect(sarif.runs[0]!.results).toHaveLength(6);
  });

  it("passes with fail-on never and reads the runner's own name for a hyphenated input (INPUT_FAIL-ON)", async () => {
    const run = await runAction({ INPUT_PATHS: FIRES, "INPUT_FAIL-ON": "never", INPUT_SARIF_FILE: path.join(scratch, "never.sarif") });
    expect(run.code).toBe(0);
    expect(run.outputs["error-count"]).toBe("4");
    const sarif = JSON.parse(readFileSync(path.join(scratch, "never.sarif"), "utf8")) as { runs: { automationDetails: { id: string } }[] };
    expect(sarif.runs[0]!.automationDetails.id).toBe("stacklint/");
  });

  it("fails on warnings when asked, and takes several paths, one per line", async () => {
    const clean = "fixtures/rules/memcache-single-server/clean";
    expect((await runAction({ INPUT_PATHS: clean, INPUT_FAIL_ON: "warning", INPUT_SARIF_FILE: path.join(scratch, "clean.sarif") })).code).toBe(0);
    const both = await runAction({ INPUT_PATHS: `${clean}\n\n  fixtures/demo  \n`, INPUT_FAIL_ON: "warning", INPUT_SARIF_FILE: path.join(scratch, "both.sarif") });
    expect(both.code).toBe(1);
    expect(both.outputs).toMatchObject({ "error-count": "1", "warning-count": "8" });
  });

  it("writes the other formats to the files named, and no SARIF when sarif is not asked for", async () => {
    const junit = path.join(scratch, "reports", "stacklint.xml");
    const html = path.join(scratch, "reports", "stack=lint.html");
    const run = await runAction({ INPUT_PATHS: FIRES, INPUT_FAIL_ON: "never", INPUT_FORMATS: `github\njunit=${junit}\nhtml=${html}` });
    expect(run.code).toBe(0);
    const xml = readFileSync(junit, "utf8");
    const failing = xml.match(/<failure /gu)?.length ?? 0;
    expect(failing).toBeGreaterThan(0);
    expect(xml).toMatch(new RegExp(`^<\\?xml version="1.0" encoding="UTF-8"\\?>\n<testsuites name="stacklint" tests="\\d+" failures="${failing}"`, "u"));
    expect(readFileSync(html, "utf8")).toContain("<svg");
    expect(run.outputs["sarif-file"]).toBe("");
    expect(run.summary).toBe("earlier step\n");
  });

  it("passes the config input to the CLI and leaves suppressed findings out of the SARIF for code scanning", async () => {
    const repo = path.join(scratch, "repo-with-config");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(path.join(repo, "etc/nova"), { recursive: true });
    mkdirSync(path.join(repo, "etc/swift"), { recursive: true });
    writeFileSync(
      path.join(repo, "etc/nova/nova.conf"),
      "[keystone_authtoken]\n# stacklint-disable-next-line SL101 -- lab host, one memcached on purpose\nmemcached_servers = 10.0.0.11:11211\n",
    );
    writeFileSync(path.join(repo, "etc/swift/proxy-server.conf"), readFileSync(path.join(repoRoot, "fixtures/rules/memcache-single-server/fires/etc/swift/proxy-server.conf")));
    const config = path.join(scratch, "action-config.json");
    writeFileSync(config, JSON.stringify({ rules: { "memcache-single-server": "error" } }));
    const sarifFile = path.join(scratch, "with-config.sarif");
    const run = await runAction({ INPUT_PATHS: repo, INPUT_CONFIG: config, INPUT_SARIF_FILE: sarifFile, INPUT_FORMATS: "sarif", INPUT_FAIL_ON: "error" });
    // The config raised SL101 to error: the unsuppressed proxy finding fails the step.
    expect(run.code).toBe(1);
    expect(run.outputs).toEqual({ "sarif-file": sarifFile, "error-count": "1", "warning-count": "0" });
    const log = JSON.parse(readFileSync(sarifFile, "utf8")) as { runs: { results: { ruleId: string; level?: string; suppressions?: unknown[]; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    expect(validateSarifSchema(log)).toEqual([]);
    const results = log.runs[0]!.results;
    expect(results.map((r) => [r.ruleId, r.level, r.locations[0]!.physicalLocation.artifactLocation.uri.replace(/^.*repo-with-config\//u, "")])).toEqual([
      ["SL101", "error", "etc/swift/proxy-server.conf"],
    ]);
    expect(results.some((r) => r.suppressions !== undefined)).toBe(false);
  });

  it("an unknown format or fail-on level fails the step with exit 2 and one annotation saying why", async () => {
    const format = await runAction({ INPUT_PATHS: FIRES, INPUT_FORMATS: "sarif,pdf" });
    expect(format.code).toBe(2);
    expect(format.stdout).toBe("::error title=stacklint action::formats: unknown format 'pdf'\n");
    expect(format.outputs).toEqual({});
    const level = await runAction({ INPUT_PATHS: FIRES, INPUT_FAIL_ON: "loud", INPUT_SARIF_FILE: path.join(scratch, "loud.sarif") });
    expect(level.code).toBe(2);
    expect(existsSync(path.join(scratch, "loud.sarif"))).toBe(false);
  });
});

describe("the step summary stays under GitHub's 1024 KiB limit", () => {
  it("a report that fits is kept whole; a longer one is cut at a line, saying so", async () => {
    const { fitSummary, SUMMARY_BUDGET } = await import("../../src/action/main.js");
    expect(SUMMARY_BUDGET).toBeLessThan(1024 * 1024);
    const small = "## stacklint: no problems\n";
    expect(fitSummary(small, 1000)).toBe(small);
    const rows = Array.from({ length: 5000 }, (_, i) => `| error | SL101 | etc/x.conf:${i + 1}:1 | message ${"é".repeat(40)} |`);
    const big = `## stacklint\n\n| level | rule | location | message |\n|---|---|---|---|\n${rows.join("\n")}\n`;
    const cut = fitSummary(big, 100_000);
    expect(Buffer.byteLength(cut, "utf8")).toBeLessThanOrEqual(100_000);
    expect(Buffer.byteLength(cut, "utf8")).toBeGreaterThan(90_000);
    const kept = cut.split("\n").filter((l) => l.startsWith("| error |"));
    for (const line of kept) expect(rows).toContain(line);
    expect(cut).toMatch(new RegExp(`\n\n> The report is cut here: ${5000 - kept.length + 1} more lines do not fit GitHub's step summary limit \\(1024 KiB\\)\\.`, "u"));
  });
});
