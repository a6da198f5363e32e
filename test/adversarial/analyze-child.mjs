// Runs one analysis in a fresh process (built dist/) and prints what the hostile-input tests
// check: diagnostics, findings, log sources, every format's output size, and this process's
// peak RSS (worker threads included). Usage: node analyze-child.mjs <baseDirectory> <input>…
import { performance } from "node:perf_hooks";
import { analyze } from "../../dist/src/analyze.js";
import { formatters, render } from "../../dist/src/reporters/index.js";

const [baseDirectory, ...inputs] = process.argv.slice(2);
const started = performance.now();
const result = await analyze({ inputs, baseDirectory });
const outputs = Object.fromEntries(Object.keys(formatters).map((format) => [format, render(result, format).length]));
process.stdout.write(
  JSON.stringify({
    wallMs: performance.now() - started,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    diagnostics: result.diagnostics,
    findings: result.findings.map((f) => ({ ruleId: f.ruleId, file: f.location.file, line: f.location.line })),
    logSources: result.deployment.runtime.logSources.map((s) => ({ file: s.file, events: s.events })),
    analyzed: result.files.analyzed.map((f) => f.path),
    outputs,
  }) + "\n",
);
