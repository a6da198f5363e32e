#!/usr/bin/env node
// npm run fuzz [-- SECONDS]: runs every parser's property test for as long as asked (default
// 60 s in all, shared among the targets) with a fresh seed, and prints how many inputs each
// target took without a failure. FUZZ_SEED=<n> replays a seed; FUZZ_SECONDS may also be set.
// A failure prints the seed, the shrunk input and the file holding the whole input.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const seconds = Number(process.argv[2] ?? process.env.FUZZ_SECONDS ?? "60");
if (!(seconds > 0)) {
  console.error("usage: npm run fuzz -- <seconds>");
  process.exit(2);
}
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const scratch = mkdtempSync(path.join(os.tmpdir(), "stacklint-fuzz-run-"));
const report = path.join(scratch, "report.jsonl");
console.log(`fuzzing every parser for ${seconds} s in all, seed ${seed}`);
const child = spawn(process.execPath, [path.join(root, "node_modules/vitest/vitest.mjs"), "run", "test/fuzz/", "--testNamePattern", "hold on hostile input"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, FUZZ_SECONDS: String(seconds), FUZZ_SEED: String(seed), FUZZ_REPORT: report },
});
const code = await new Promise((resolve) => child.on("close", (c) => resolve(c ?? 1)));
const rows = existsSync(report) ? readFileSync(report, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
rows.sort((a, b) => (a.target < b.target ? -1 : 1));
const width = Math.max(6, ...rows.map((r) => r.target.length));
console.log(`\n${"target".padEnd(width)}  inputs without a failure  max CPU ms per input`);
for (const r of rows) console.log(`${r.target.padEnd(width)}  ${String(r.inputs).padStart(24)}  ${String(r.maxCpuMs).padStart(20)}`);
console.log(`${rows.length} targets passed, ${rows.reduce((s, r) => s + r.inputs, 0)} inputs in all, seed ${seed}${code === 0 ? "" : "; FAILURES above (replay with FUZZ_SEED)"}`);
rmSync(scratch, { recursive: true, force: true });
process.exit(code);
