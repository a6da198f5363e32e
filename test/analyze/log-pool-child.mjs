// Reads the logs of a bundle with the built ingest (npm test builds dist/ first) using the given
// number of threads, and prints everything it gathered as JSON: run by log-pool.test.ts in a
// child process, since the worker script exists only in dist/.
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const { ingestRuntime } = await import(path.join(here, "../../dist/src/ingest/runtime.js"));
const [root, threads] = [process.argv[2], Number(process.argv[3])];

const files = [];
for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !/(?:\.log|journal\.json)$/u.test(entry.name)) continue;
  const absolutePath = path.join(entry.parentPath, entry.name);
  const displayPath = path.relative(root, absolutePath);
  const hostId = displayPath.split(path.sep)[0];
  files.push({ file: { absolutePath, displayPath }, hostId, hostRoot: path.join(root, hostId), kind: "log" });
}
files.sort((a, b) => (a.file.displayPath < b.file.displayPath ? -1 : 1));
const ingest = await ingestRuntime(files, { swiftPipelines: [] }, { logYear: null, workers: threads });
const snippets = [...ingest.snippets].sort(([a], [b]) => (a < b ? -1 : 1));
process.stdout.write(JSON.stringify({ runtime: ingest.runtime, snippets, diagnostics: ingest.diagnostics }));
