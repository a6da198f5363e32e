import fg from "fast-glob";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/rule-harness.js";
import { COVERED_MODULES, TARGETS } from "./targets.js";

/** A new parser file must come with a fuzz target: add it to test/fuzz/targets.ts. */
describe("every parser and reader has a property test", () => {
  const modules = fg.sync(["src/parsers/**/*.ts", "src/discover/read-text.ts", "src/discover/tar.ts", "src/ingest/*.ts", "src/redact.ts"], { cwd: repoRoot }).sort();

  it.each(modules)("%s is covered", (module) => {
    expect(COVERED_MODULES[module], `${module} has no fuzz target in test/fuzz/targets.ts`).toBeDefined();
    for (const name of COVERED_MODULES[module]!) expect(TARGETS.map((t) => t.name)).toContain(name);
  });

  it("names no module that is gone", () => {
    for (const module of Object.keys(COVERED_MODULES)) expect(modules).toContain(module);
  });

  it("target names are unique", () => {
    expect(new Set(TARGETS.map((t) => t.name)).size).toBe(TARGETS.length);
  });
});

describe("every target runs in exactly one property suite", () => {
  it("the suites' selections partition the targets", async () => {
    const { isYamlTarget } = await import("./suite.js");
    const suites = [isYamlTarget, (t: (typeof TARGETS)[number]) => t.name.startsWith("firewall/"), (t: (typeof TARGETS)[number]) => t.name.startsWith("logs/") || t.name.startsWith("ingest/")];
    for (const target of TARGETS) expect(suites.filter((s) => s(target)).length, target.name).toBeLessThanOrEqual(1);
  });
});
