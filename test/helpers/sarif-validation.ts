import { spawnSync } from "node:child_process";
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

const LINE = /^.*\(\d+,\d+\): (error|warning|note) [A-Z]+\d+: /u;

/**
 * Runs Microsoft's SARIF multitool `validate` with the SARIF and GitHub (Ghas) rule sets and counts
 * what it reports. The binary is spawned directly, without a shell: the npm wrapper's bin.js uses
 * `shell: true`, where `;` in "Sarif;Ghas" would end the command. Throws when the tool cannot run
 * or its report is not what a complete validation of one file looks like, so that a test can
 * never pass because nothing was checked.
 */
export function runMultitool(sarifPath: string): MultitoolReport {
  const target = path.resolve(sarifPath);
  if (!existsSync(target)) throw new Error(`runMultitool: no such file ${target}`);
  const workDir = mkdtempSync(path.join(os.tmpdir(), "stacklint-multitool-"));
  const outputPath = path.join(workDir, "validation.sarif");
  try {
    const run = spawnSync(
      multitoolBinary(),
      ["validate", target, "--rule-kind", "Sarif;Ghas", "--level", "Error;Warning;Note", "--output", outputPath, "--log", "ForceOverwrite"],
      {
        encoding: "utf8",
        shell: false,
        timeout: 180_000,
        // The .NET binary needs ICU unless globalization is invariant; CI images may lack ICU.
        env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: "1" },
      },
    );
    const transcript = `${run.stdout ?? ""}${run.stderr ?? ""}`;
    if (run.error) throw new Error(`sarif-multitool could not run: ${run.error.message}`);
    if (run.status !== 0) throw new Error(`sarif-multitool exited with ${String(run.status ?? run.signal)}:\n${transcript}`);
    if (!/\b1 files? scanned\b/u.test(transcript)) throw new Error(`sarif-multitool did not scan ${target}:\n${transcript}`);
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

    // A result without `level` takes its rule's default level, and "warning" without one (SARIF §3.27.10).
    const rules = validationRun.tool?.driver?.rules ?? [];
    const levelOf = (r: MultitoolResult): string =>
      r.level ?? (r.ruleIndex !== undefined ? rules[r.ruleIndex] : rules.find((rule) => rule.id === r.ruleId))?.defaultConfiguration?.level ?? "warning";
    const counts = { error: 0, warning: 0, note: 0 };
    for (const result of validationRun.results ?? []) {
      if (result.kind !== undefined && result.kind !== "fail") continue;
      const level = levelOf(result);
      if (level === "error" || level === "warning" || level === "note") counts[level] += 1;
    }

    // The multitool reports at least a note on any run it checked (SARIF2003 when a run has no
    // versionControlProvenance, which ours never has). Silence means it skipped the log: it does
    // so, exit code 0, when it cannot deserialize one (a result with `level: "bogus"`, say).
    if (counts.error + counts.warning + counts.note === 0) {
      throw new Error(`sarif-multitool reported nothing at all on ${target}; it skips logs it cannot deserialize:\n${transcript}`);
    }

    // Cross-check the report file against the console, so a change in either format is loud.
    const lines = transcript.split(/\r?\n/u).filter((line) => LINE.test(line));
    const printed = { error: 0, warning: 0, note: 0 };
    for (const line of lines) printed[LINE.exec(line)![1] as keyof typeof printed] += 1;
    if (printed.error !== counts.error || printed.warning !== counts.warning || printed.note !== counts.note) {
      throw new Error(`sarif-multitool's report (${JSON.stringify(counts)}) and console (${JSON.stringify(printed)}) disagree:\n${transcript}`);
    }
    return { errors: counts.error, warnings: counts.warning, notes: counts.note, output: lines.join("\n") };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
