import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import { render } from "../../src/reporters/index.js";
import { repoRoot } from "../helpers/rule-harness.js";
import { runMultitool, validateSarifSchema } from "../helpers/sarif-validation.js";

/**
 * The SARIF of the demo and of every rule fixture: valid against the official schema (ajv) and
 * clean under Microsoft's multitool with GitHub's ingestion rules (no error, no warning).
 */
const scratch = mkdtempSync(path.join(tmpdir(), "stacklint-sarif-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const rulesDir = path.join(repoRoot, "fixtures/rules");
const inputs = ["fixtures/demo", ...readdirSync(rulesDir).flatMap((rule) => readdirSync(path.join(rulesDir, rule)).map((c) => `fixtures/rules/${rule}/${c}`))];

describe("SARIF of the demo and every rule fixture", () => {
  const files: string[] = [];
  it.each(inputs)("%s is schema-valid", async (input) => {
    const sarif = render(await analyze({ inputs: [input], baseDirectory: repoRoot }), "sarif");
    expect(validateSarifSchema(JSON.parse(sarif))).toEqual([]);
    const file = path.join(scratch, `${input.replace(/\//gu, "_")}.sarif`);
    writeFileSync(file, sarif);
    files.push(file);
  });
  // One test per file: the multitool is a blocking child process (seconds each), and one test
  // blocking the worker for minutes made vitest's worker RPC time out.
  it.each(inputs)("%s passes the multitool with GitHub's rules: zero errors, zero warnings", (input) => {
    const file = path.join(scratch, `${input.replace(/\//gu, "_")}.sarif`);
    expect(files).toContain(file);
    const report = runMultitool(file);
    expect({ errors: report.errors, warnings: report.warnings }).toEqual({ errors: 0, warnings: 0 });
  }, 60_000);
});
