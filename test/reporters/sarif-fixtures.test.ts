import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import { render } from "../../src/reporters/index.js";
import { repoRoot } from "../helpers/rule-harness.js";
import { runMultitoolAll, validateSarifSchema } from "../helpers/sarif-validation.js";

/**
 * The SARIF of the demo and of every rule fixture: valid against the official schema (ajv) and
 * clean under Microsoft's multitool with GitHub's ingestion rules (no error, no warning).
 */
const scratch = mkdtempSync(path.join(tmpdir(), "stacklint-sarif-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const rulesDir = path.join(repoRoot, "fixtures/rules");
const inputs = ["fixtures/demo", ...readdirSync(rulesDir).flatMap((rule) => readdirSync(path.join(rulesDir, rule)).map((c) => `fixtures/rules/${rule}/${c}`))];

describe("SARIF of the demo and every rule fixture", () => {
  const files = new Map<string, string>();
  it.each(inputs)("%s is schema-valid", async (input) => {
    const sarif = render(await analyze({ inputs: [input], baseDirectory: repoRoot }), "sarif");
    expect(validateSarifSchema(JSON.parse(sarif))).toEqual([]);
    const file = path.join(scratch, `${input.replace(/\//gu, "_")}.sarif`);
    writeFileSync(file, sarif);
    files.set(input, file);
  });
  // One multitool process for all files: its .NET start-up is most of a run's cost (about 5 s
  // per process against well under a second per extra file), and it runs asynchronously so the
  // vitest worker keeps answering the runner's RPC while it works.
  it("every one passes the multitool with GitHub's rules: zero errors, zero warnings", async () => {
    expect([...files.keys()].sort()).toEqual([...inputs].sort());
    const reports = await runMultitoolAll([...files.values()]);
    const failing = inputs
      .map((input) => ({ input, report: reports.get(files.get(input)!)! }))
      .filter(({ report }) => report.errors > 0 || report.warnings > 0)
      .map(({ input, report }) => `${input}:\n${report.output.split("\n").filter((l) => / (error|warning) /u.test(l)).join("\n")}`);
    expect(failing).toEqual([]);
    expect(reports.size).toBe(inputs.length);
  }, 300_000);
});
