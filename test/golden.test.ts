import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyze.js";
import { render, type FormatName } from "../src/reporters/index.js";
import { repoRoot } from "./helpers/rule-harness.js";

/**
 * Golden outputs of the demo, reviewed when they change: `UPDATE_GOLDEN=1 npx vitest run
 * test/golden.test.ts` rewrites them.
 */
const GOLDEN = path.join(repoRoot, "test/golden");
const FILES: Record<FormatName, string> = {
  human: "demo.txt",
  json: "demo.json",
  sarif: "demo.sarif",
  github: "demo.github.txt",
  junit: "demo.junit.xml",
  markdown: "demo.md",
  html: "demo.html",
};

async function demoOutput(format: FormatName, inputs = ["fixtures/demo"]): Promise<string> {
  return render(await analyze({ inputs, baseDirectory: repoRoot }), format);
}

describe("the demo", () => {
  it("finds SL101, SL105 and SL106", async () => {
    const result = await analyze({ inputs: ["fixtures/demo"], baseDirectory: repoRoot });
    const ids = new Set(result.findings.map((f) => f.ruleId));
    for (const id of ["SL101", "SL105", "SL106"]) expect(ids).toContain(id);
  });

  it.each(Object.keys(FILES) as FormatName[])("%s output matches its golden file", async (format) => {
    const actual = await demoOutput(format);
    const file = path.join(GOLDEN, FILES[format]);
    if (process.env.UPDATE_GOLDEN) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, actual);
    }
    expect(existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
    expect(actual).toBe(readFileSync(file, "utf8"));
  });
});

describe("determinism", () => {
  it.each(Object.keys(FILES) as FormatName[])("%s: the same inputs, twice and in another order, give byte-identical output", async (format) => {
    const hosts = ["fixtures/demo/proxy1", "fixtures/demo/controller", "fixtures/demo/proxy2"];
    const first = await demoOutput(format, hosts);
    expect(await demoOutput(format, hosts)).toBe(first);
    expect(await demoOutput(format, [...hosts].reverse())).toBe(first);
  });
});
