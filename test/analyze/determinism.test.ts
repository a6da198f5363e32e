import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import { formatters, render, type FormatName } from "../../src/reporters/index.js";
import { repoRoot } from "../helpers/rule-harness.js";

/**
 * The same inputs give byte-identical output in every format (formats added to `formatters`
 * join automatically): twice in a row, with the inputs in another order, and from a copy whose
 * files were written in reverse order (another directory-listing order and other mtimes).
 */
const INPUTS = [
  "fixtures/demo",
  "fixtures/kolla/three-controllers",
  "fixtures/rules/proxy-503-memcached-errors/fires",
  "fixtures/rules/memcached-restarted-together/fires",
  "fixtures/rules/token-cache-errors/fires",
  "fixtures/rules/listen-queue-overflows/fires",
];

const outputs = async (inputs: readonly string[], baseDirectory: string) => {
  const result = await analyze({ inputs, baseDirectory });
  expect(result.findings.length).toBeGreaterThan(5);
  return Object.fromEntries((Object.keys(formatters) as FormatName[]).map((format) => [format, render(result, format)]));
};

/** Copies `from` to `to` creating entries in reverse name order. */
function copyReversed(from: string, to: string): void {
  for (const name of readdirSync(from).sort().reverse()) {
    const source = path.join(from, name);
    if (statSync(source).isDirectory()) copyReversed(source, path.join(to, name));
    else cpSync(source, path.join(to, name), { preserveTimestamps: false });
  }
}

const scratch = mkdtempSync(path.join(tmpdir(), "stacklint-determinism-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("output is deterministic", () => {
  it("every input exists (the test is not vacuous)", () => {
    for (const input of INPUTS) expect(statSync(path.join(repoRoot, input)).isDirectory()).toBe(true);
  });

  it("twice, reversed and from a reverse-written copy: byte-identical in every format", async () => {
    const first = await outputs(INPUTS, repoRoot);
    const again = await outputs(INPUTS, repoRoot);
    const reversed = await outputs([...INPUTS].reverse(), repoRoot);
    for (const input of [...INPUTS].reverse()) copyReversed(path.join(repoRoot, input), path.join(scratch, input));
    const copied = await outputs([...INPUTS].reverse(), scratch);
    for (const format of Object.keys(formatters)) {
      expect(again[format], `${format}: second run`).toBe(first[format]);
      expect(reversed[format], `${format}: inputs reversed`).toBe(first[format]);
      expect(copied[format], `${format}: reverse-written copy`).toBe(first[format]);
    }
  });
});
