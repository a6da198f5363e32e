// One analysis of the given inputs in this process, for bench/resources.mjs: prints counts,
// wall time and this process's peak RSS (worker threads included) as JSON.
import { performance } from "node:perf_hooks";
import { analyze } from "../dist/src/analyze.js";
import { formatters, render } from "../dist/src/reporters/index.js";

const inputs = process.argv.slice(2);
const started = performance.now();
const result = await analyze({ inputs, baseDirectory: process.cwd() });
// Every format is rendered too: reports are part of the run's memory.
for (const format of Object.keys(formatters)) render(result, format);
process.stdout.write(
  JSON.stringify({
    wallSeconds: (performance.now() - started) / 1000,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    files: result.files.analyzed.length,
    findings: result.findings.length,
    diagnostics: result.diagnostics.length,
  }) + "\n",
);
