#!/usr/bin/env node
import { randomUUID } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { main } from "../cli.js";
import { invokedDirectly } from "../invoked-directly.js";
import { escapeData } from "../reporters/github.js";
import { isFormatName, type FormatName } from "../reporters/index.js";

/**
 * The GitHub Action's entry (action.yml runs it with `node`): reads the inputs from `INPUT_*`
 * variables as the runner names them, runs the same CLI as everyone else, and turns its outputs
 * into what GitHub reads — annotations on standard output, the markdown report appended to
 * `$GITHUB_STEP_SUMMARY`, and `sarif-file`, `error-count`, `warning-count` in `$GITHUB_OUTPUT`.
 * The exit code is the CLI's: 0, 1 (findings at or above fail-on) or 2.
 */

export interface ActionOutputs {
  readonly "sarif-file": string;
  readonly "error-count": string;
  readonly "warning-count": string;
}

/** The runner's name for an input: `INPUT_` + upper case, spaces as `_` (`INPUT_FAIL-ON`); `INPUT_FAIL_ON` is read too. */
export function getInput(env: NodeJS.ProcessEnv, name: string): string {
  const runnerName = `INPUT_${name.replace(/ /gu, "_").toUpperCase()}`;
  return (env[runnerName] ?? env[runnerName.replace(/-/gu, "_")] ?? "").trim();
}

/** Where each report goes: a file, the log (standard output) or the step summary. */
interface Report {
  readonly format: FormatName;
  readonly file: string | null;
}

const DEFAULT_FILES: Partial<Record<FormatName, string>> = { json: "stacklint.json", junit: "stacklint-junit.xml", html: "stacklint.html" };

/** `sarif,github,markdown` or one per line; `junit=reports/stacklint.xml` names a file. */
function parseFormats(text: string, sarifFile: string): Report[] {
  const reports: Report[] = [];
  for (const item of text.split(/[,\n]/u).map((s) => s.trim()).filter((s) => s !== "")) {
    const equals = item.indexOf("=");
    const name = (equals < 0 ? item : item.slice(0, equals)).trim();
    const file = equals < 0 ? "" : item.slice(equals + 1).trim();
    if (!isFormatName(name)) throw new ActionInputError(`formats: unknown format '${name}'`);
    if (name === "sarif") reports.push({ format: name, file: file || sarifFile });
    else if (name === "github" || name === "human") reports.push({ format: name, file: file || null });
    // markdown without a file is the step summary (see runAction)
    else reports.push({ format: name, file: file || (DEFAULT_FILES[name] ?? null) });
  }
  if (reports.filter((r) => r.file === null && r.format !== "markdown").length > 1) throw new ActionInputError("formats: only one of github and human can go to the log; give the other a file (human=stacklint.txt)");
  return reports;
}

class ActionInputError extends Error {}

export async function runAction(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let scratch: string | null = null;
  try {
    const paths = getInput(env, "paths").split("\n").map((p) => p.trim()).filter((p) => p !== "");
    const sarifFile = getInput(env, "sarif-file") || "stacklint.sarif";
    const reports = parseFormats(getInput(env, "formats") || "sarif,github,markdown", sarifFile);
    const failOn = getInput(env, "fail-on") || "error";
    const category = getInput(env, "category");
    const config = getInput(env, "config");

    scratch = mkdtempSync(path.join(env.RUNNER_TEMP || tmpdir(), "stacklint-action-"));
    const countsFile = path.join(scratch, "counts.json");
    const summaryFile = path.join(scratch, "summary.md");
    const argv: string[] = [...(paths.length > 0 ? paths : ["."]), "--fail-on", failOn];
    if (category) argv.push("--category", category);
    if (config) argv.push("--config", config);
    // The SARIF goes to code scanning, which ignores SARIF `suppressions` (github/codeql-action#1230):
    // a suppressed result kept in the log would open an alert, so the Action leaves them out.
    argv.push("--sarif-omit-suppressed");
    for (const report of reports) {
      if (report.file === null && report.format !== "markdown") continue;
      const file = report.file ?? summaryFile;
      if (report.file) mkdirSync(path.dirname(path.resolve(report.file)), { recursive: true });
      argv.push("--format", report.format, "--output", file);
    }
    argv.push("--format", "json", "--output", countsFile);
    // The log gets annotations (or the human report) last: it is the only output on stdout.
    const toLog = reports.find((r) => r.file === null && r.format !== "markdown");
    argv.push("--format", toLog?.format ?? "human");

    const code = await main(argv);

    if (existsSync(summaryFile) && env.GITHUB_STEP_SUMMARY) {
      const earlier = existsSync(env.GITHUB_STEP_SUMMARY) ? statSync(env.GITHUB_STEP_SUMMARY).size : 0;
      appendFileSync(env.GITHUB_STEP_SUMMARY, fitSummary(readFileSync(summaryFile, "utf8"), SUMMARY_BUDGET - earlier));
    }
    if (existsSync(countsFile)) {
      const { summary } = JSON.parse(readFileSync(countsFile, "utf8")) as { summary: { error: number; warning: number } };
      const sarif = reports.find((r) => r.format === "sarif");
      setOutputs(env, { "sarif-file": sarif?.file ?? "", "error-count": String(summary.error), "warning-count": String(summary.warning) });
    }
    return code;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`::error title=stacklint action::${escapeData(message)}\n`);
    return 2;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * GitHub refuses a step summary over 1024 KiB, and then shows none of it ("$GITHUB_STEP_SUMMARY
 * upload aborted, supports content up to a size of 1024k"); stay well below.
 */
export const SUMMARY_BUDGET = 1_000_000;

/** The markdown report cut at a line so that it fits `budget` bytes, saying where it was cut. */
export function fitSummary(markdown: string, budget: number): string {
  if (Buffer.byteLength(markdown, "utf8") <= budget) return markdown;
  const lines = markdown.split("\n");
  const note = (omitted: number) => `\n> The report is cut here: ${omitted} more lines do not fit GitHub's step summary limit (1024 KiB). The SARIF upload and \`formats: markdown=FILE\` have it all.\n`;
  const kept: string[] = [];
  let size = Buffer.byteLength(note(lines.length), "utf8");
  for (const line of lines) {
    size += Buffer.byteLength(line, "utf8") + 1;
    if (size > budget) break;
    kept.push(line);
  }
  return `${kept.join("\n")}\n${note(lines.length - kept.length)}`;
}

/**
 * `$GITHUB_OUTPUT` in the multiline-safe form the runner reads: `name<<DELIMITER`, the value,
 * the delimiter, with a random delimiter that the value cannot contain (actions/toolkit
 * core/src/file-command.ts prepareKeyValueMessage does the same).
 */
export function setOutputs(env: NodeJS.ProcessEnv, outputs: ActionOutputs): void {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(outputs)) {
    const delimiter = `ghadelimiter_${randomUUID()}`;
    if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`output ${name} contains its delimiter`);
    lines.push(`${name}<<${delimiter}`, value, delimiter);
  }
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `${lines.join("\n")}\n`);
  else for (const [name, value] of Object.entries(outputs)) process.stdout.write(`stacklint output ${name}: ${value}\n`);
}

if (invokedDirectly(import.meta.url)) {
  runAction().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stdout.write(`::error title=stacklint action::${escapeData(`internal error: ${String(error)}`)}\n`);
      process.exitCode = 2;
    },
  );
}
