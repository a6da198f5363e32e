import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { FormatsPlugin } from "ajv-formats";

const require = createRequire(import.meta.url);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The vendored SchemaStore copy of the SARIF 2.1.0 schema (draft-07); provenance in schemas/README.md. */
export const SARIF_SCHEMA_PATH = path.join(repoRoot, "schemas", "sarif-2.1.0.json");

let compiled: ValidateFunction | undefined;

function sarifValidator(): ValidateFunction {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(SARIF_SCHEMA_PATH, "utf8")) as object;
  // REFERENCE-linters §4.3: strict, but `strictRequired: false` for the schema's anyOf/required
  // pairs. `unicodeRegExp: false` because the vendored copy predates SchemaStore's fix of the
  // `language` pattern (`…-[a-zA-Z]{2}]?$`, a lone `]` that only the `u` flag rejects); without
  // the flag the pattern compiles as every JSON-schema validator without `u` reads it.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, unicodeRegExp: false });
  // ajv-formats is CommonJS with `module.exports = plugin`; require() avoids the default-import
  // interop difference between tsc and vitest.
  (require("ajv-formats") as FormatsPlugin)(ajv);
  compiled = ajv.compile(schema);
  return compiled;
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath === "" ? "(root)" : error.instancePath;
  const params = error.keyword === "additionalProperties" ? ` '${String((error.params as { additionalProperty?: unknown }).additionalProperty)}'` : "";
  return `${where}: ${error.message ?? error.keyword}${params} [${error.schemaPath}]`;
}

/** Validates a SARIF log against the vendored 2.1.0 schema; returns readable errors, none when valid. */
export function validateSarifSchema(log: unknown): string[] {
  const validate = sarifValidator();
  if (validate(log)) return [];
  return (validate.errors ?? []).map(describeError);
}

export interface MultitoolReport {
  readonly errors: number;
  readonly warnings: number;
  readonly notes: number;
  /** The multitool's own lines for every error, warning and note (`file(l,c): level CODE: message`). */
  readonly output: string;
}

interface MultitoolResult {
  readonly locations?: readonly { readonly physicalLocation?: { readonly artifactLocation?: { readonly uri?: string } } }[];
  readonly ruleId?: string;
  readonly ruleIndex?: number;
  readonly level?: string;
  readonly kind?: string;
}

interface MultitoolLog {
  readonly runs?: readonly {
    readonly tool?: { readonly driver?: { readonly rules?: readonly { readonly id?: string; readonly defaultConfiguration?: { readonly level?: string } }[] } };
    readonly invocations?: readonly {
      readonly executionSuccessful?: boolean;
      readonly toolExecutionNotifications?: readonly { readonly level?: string }[];
      readonly toolConfigurationNotifications?: readonly { readonly level?: string }[];
    }[];
    readonly results?: readonly MultitoolResult[];
  }[];
}

/** Path of the platform binary: the npm package's main export is that path. */
function multitoolBinary(): string {
  const binary = require("@microsoft/sarif-multitool") as unknown;
  if (typeof binary !== "string" || !existsSync(binary)) {
    throw new Error(`@microsoft/sarif-multitool did not resolve to its platform binary (got ${String(binary)})`);
  }
  return binary;
}

const LINE = /^(.*)\((\d+),(\d+)\): (error|warning|note) [A-Z]+\d+: /u;

interface Spawned {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly transcript: string;
}

/**
 * Spawns without blocking the event loop: a vitest worker that sits in spawnSync for seconds
 * cannot answer the runner's RPC, and the run then fails with "Timeout calling onTaskUpdate".
 */
function spawnAsync(command: string, args: readonly string[], timeoutMs: number): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      shell: false,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
      // The .NET binary needs ICU unless globalization is invariant; CI images may lack ICU.
      env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: "1" },
    });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", (error) => reject(new Error(`sarif-multitool could not run: ${error.message}`)));
    child.on("close", (status, signal) => resolve({ status, signal, transcript: Buffer.concat(chunks).toString("utf8") }));
  });
}

/**
 * Runs Microsoft's SARIF multitool `validate` with the SARIF and GitHub (Ghas) rule sets over
 * several files in ONE process (the .NET start-up is most of a run's cost) and counts what it
 * reports for each file. The binary is spawned directly, without a shell: the npm wrapper's
 * bin.js uses `shell: true`, where `;` in "Sarif;Ghas" would end the command. Throws when the
 * tool cannot run or its report is not what a complete validation of every file looks like, so
 * that a test can never pass because nothing was checked.
 */
export async function runMultitoolAll(sarifPaths: readonly string[]): Promise<Map<string, MultitoolReport>> {
  const targets = sarifPaths.map((p) => path.resolve(p));
  if (targets.length === 0) throw new Error("runMultitoolAll: no files");
  for (const target of targets) if (!existsSync(target)) throw new Error(`runMultitool: no such file ${target}`);
  const workDir = mkdtempSync(path.join(os.tmpdir(), "stacklint-multitool-"));
  const outputPath = path.join(workDir, "validation.sarif");
  try {
    const run = await spawnAsync(
      multitoolBinary(),
      ["validate", ...targets, "--rule-kind", "Sarif;Ghas", "--level", "Error;Warning;Note", "--output", outputPath, "--log", "ForceOverwrite"],
      600_000,
    );
    const { transcript } = run;
    if (run.status !== 0) throw new Error(`sarif-multitool exited with ${String(run.status ?? run.signal)}:\n${transcript}`);
    const scanned = /\b(\d+) files? scanned\b/u.exec(transcript);
    if (!scanned || Number(scanned[1]) !== new Set(targets).size) {
      throw new Error(`sarif-multitool did not scan all ${targets.length} file(s) (${targets.join(", ")}):\n${transcript}`);
    }
    if (!existsSync(outputPath)) throw new Error(`sarif-multitool wrote no report:\n${transcript}`);

    const report = JSON.parse(readFileSync(outputPath, "utf8")) as MultitoolLog;
    const validationRun = report.runs?.[0];
    const invocation = validationRun?.invocations?.[0];
    if (!validationRun || !invocation || invocation.executionSuccessful !== true) {
      throw new Error(`sarif-multitool did not complete its validation:\n${transcript}`);
    }
    const failures = [...(invocation.toolExecutionNotifications ?? []), ...(invocation.toolConfigurationNotifications ?? [])].filter(
      (n) => n.level === undefined || n.level === "error" || n.level === "warning",
    );
    if (failures.length > 0) throw new Error(`sarif-multitool reported ${failures.length} tool problem(s):\n${transcript}`);

    type Counts = { error: number; warning: number; note: number };
    const zero = (): Counts => ({ error: 0, warning: 0, note: 0 });
    const counts = new Map<string, Counts>(targets.map((t) => [t, zero()]));
    const printed = new Map<string, Counts>(targets.map((t) => [t, zero()]));
    const lines = new Map<string, string[]>(targets.map((t) => [t, []]));

    // A result without `level` takes its rule's default level, and "warning" without one (SARIF §3.27.10).
    const rules = validationRun.tool?.driver?.rules ?? [];
    const levelOf = (r: MultitoolResult): string =>
      r.level ?? (r.ruleIndex !== undefined ? rules[r.ruleIndex] : rules.find((rule) => rule.id === r.ruleId))?.defaultConfiguration?.level ?? "warning";
    for (const result of validationRun.results ?? []) {
      if (result.kind !== undefined && result.kind !== "fail") continue;
      const uri = result.locations?.[0]?.physicalLocation?.artifactLocation?.uri;
      // A file:// URI for logs it read, a plain path for a file that is not JSON at all.
      const file = uri === undefined ? undefined : path.resolve(uri.startsWith("file:") ? fileURLToPath(uri) : uri);
      const bucket = file === undefined ? undefined : counts.get(file);
      if (!bucket) throw new Error(`sarif-multitool reported on a file it was not given (${String(uri)}):\n${transcript}`);
      const level = levelOf(result);
      if (level === "error" || level === "warning" || level === "note") bucket[level] += 1;
    }
    for (const line of transcript.split(/\r?\n/u)) {
      const match = LINE.exec(line);
      if (!match) continue;
      const file = path.resolve(match[1]!);
      const bucket = printed.get(file);
      if (!bucket) throw new Error(`sarif-multitool printed a line for a file it was not given: ${line}`);
      bucket[match[4] as keyof Counts] += 1;
      lines.get(file)!.push(line);
    }

    const reports = new Map<string, MultitoolReport>();
    for (const target of targets) {
      const c = counts.get(target)!;
      const p = printed.get(target)!;
      // The multitool reports at least a note on any run it checked (SARIF2003 when a run has no
      // versionControlProvenance, which ours never has). Silence means it skipped the log: it does
      // so, exit code 0, when it cannot deserialize one (a result with `level: "bogus"`, say).
      if (c.error + c.warning + c.note === 0) {
        throw new Error(`sarif-multitool reported nothing at all on ${target}; it skips logs it cannot deserialize:\n${transcript}`);
      }
      // Cross-check the report file against the console, so a change in either format is loud.
      if (p.error !== c.error || p.warning !== c.warning || p.note !== c.note) {
        throw new Error(`sarif-multitool's report (${JSON.stringify(c)}) and console (${JSON.stringify(p)}) disagree on ${target}:\n${transcript}`);
      }
      reports.set(sarifPaths[targets.indexOf(target)]!, { errors: c.error, warnings: c.warning, notes: c.note, output: lines.get(target)!.join("\n") });
    }
    return reports;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** {@link runMultitoolAll} for one file. */
export async function runMultitool(sarifPath: string): Promise<MultitoolReport> {
  const reports = await runMultitoolAll([sarifPath]);
  return reports.get(sarifPath)!;
}
