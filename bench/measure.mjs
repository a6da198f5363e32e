// One stacklint run in a fresh process: wall time and this process's peak RSS (worker threads
// included), printed as JSON for bench/run.mjs.
import { performance } from "node:perf_hooks";
import { analyze } from "../dist/src/analyze.js";
import { formatJson } from "../dist/src/reporters/json.js";

const started = performance.now();
const result = await analyze({ inputs: [process.argv[2]], baseDirectory: process.argv[2] });
const json = formatJson(result);
const wallSeconds = (performance.now() - started) / 1000;
const events = result.deployment.runtime.logSources.reduce((sum, s) => sum + s.events, 0);
process.stdout.write(
  JSON.stringify({ wallSeconds, maxRssMB: process.resourceUsage().maxRSS / 1024, findings: result.findings.length, rules: [...new Set(result.findings.map((f) => f.ruleId))], events, jsonBytes: json.length }) + "\n",
);
