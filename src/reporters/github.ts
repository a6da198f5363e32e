import type { AnalysisResult } from "../engine/result.js";
import type { Level } from "../engine/rule.js";
import type { SourceLocation } from "../model/source.js";
import { formatLocation } from "../model/source.js";
import { countByLevel } from "./human.js";

/**
 * GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (and 50 per job);
 * the rest are silently dropped (actions/toolkit docs/problem-matchers.md, "Limitations").
 */
export const ANNOTATIONS_PER_LEVEL = 10;

type Command = "error" | "warning" | "notice";
const COMMAND: Record<Level, Command> = { error: "error", warning: "warning", note: "notice" };

/** Workflow-command data: `%`, CR and LF are percent-encoded (actions/toolkit core/src/command.ts). */
export function escapeData(text: string): string {
  return text.replace(/%/gu, "%25").replace(/\r/gu, "%0D").replace(/\n/gu, "%0A");
}

/** Workflow-command property values: as data, plus `:` and `,`, which delimit properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/gu, "%3A").replace(/,/gu, "%2C");
}

interface Annotation {
  readonly command: Command;
  readonly location: SourceLocation | null;
  readonly title: string;
  readonly message: string;
}

/**
 * GitHub Actions workflow commands: one annotation per finding (`::error`, `::warning`,
 * `::notice` for notes) and per input problem, at most 10 per level; when some are left out, the
 * last notice slot says how many, and those findings follow as plain log lines so the log still
 * holds every one. Deterministic: the findings' own order (file, line, column, rule).
 */
export function formatGithub(result: AnalysisResult): string {
  const annotations: Annotation[] = [
    ...result.findings.map(
      (f): Annotation => ({
        command: COMMAND[f.level],
        location: f.location,
        title: `${f.ruleId} ${f.ruleName}`,
        message: [f.message, ...f.related.map((r) => `↳ ${formatLocation(r.location)} ${r.message}`)].join("\n"),
      }),
    ),
    ...result.diagnostics.map(
      (d): Annotation => ({
        command: d.severity === "note" ? "notice" : "warning",
        location: d.file === "" ? null : { file: d.file, line: d.line ?? 1, column: d.column ?? 1, endLine: d.line ?? 1, endColumn: d.column ?? 1 },
        title: `stacklint input problem (${d.code})`,
        message: d.message,
      }),
    ),
  ];
  const byCommand = (command: Command) => annotations.filter((a) => a.command === command);
  const groups = { error: byCommand("error"), warning: byCommand("warning"), notice: byCommand("notice") };
  const overflows = groups.error.length > ANNOTATIONS_PER_LEVEL || groups.warning.length > ANNOTATIONS_PER_LEVEL || groups.notice.length > ANNOTATIONS_PER_LEVEL;
  // The summary is a notice itself, so it takes the last notice slot when anything is left out.
  const caps: Record<Command, number> = { error: ANNOTATIONS_PER_LEVEL, warning: ANNOTATIONS_PER_LEVEL, notice: overflows ? ANNOTATIONS_PER_LEVEL - 1 : ANNOTATIONS_PER_LEVEL };
  const shown = new Set<Annotation>();
  for (const command of ["error", "warning", "notice"] as const) for (const a of groups[command].slice(0, caps[command])) shown.add(a);

  const lines = annotations.filter((a) => shown.has(a)).map(workflowCommand);
  const left = annotations.filter((a) => !shown.has(a));
  if (left.length > 0) {
    const count = (command: Command, word: string) => {
      const n = left.filter((a) => a.command === command).length;
      return n === 0 ? [] : [`${n} ${word}${n === 1 ? "" : "s"}`];
    };
    const parts = [...count("error", "error"), ...count("warning", "warning"), ...count("notice", "notice")];
    lines.push(
      workflowCommand({
        command: "notice",
        location: null,
        title: "stacklint: more findings than GitHub annotates",
        message: `${left.length} more not annotated (${parts.join(", ")}): GitHub shows at most ${ANNOTATIONS_PER_LEVEL} annotations per level in a step. They are listed below in this log, in the job summary and in the SARIF upload.`,
      }),
    );
    // Plain lines, indented so that no text from the inputs can start a workflow command.
    for (const a of left) lines.push(`  ${a.location ? formatLocation(a.location) : "(no file)"}: ${a.command}: ${escapeData(a.message)} [${a.title}]`);
  }
  const c = countByLevel(result);
  lines.push(`stacklint: ${c.error} error${c.error === 1 ? "" : "s"}, ${c.warning} warning${c.warning === 1 ? "" : "s"}, ${c.note} note${c.note === 1 ? "" : "s"}, ${result.diagnostics.length} input problem${result.diagnostics.length === 1 ? "" : "s"}`);
  return `${lines.join("\n")}\n`;
}

function workflowCommand(a: Annotation): string {
  const properties: string[] = [];
  if (a.location) {
    const l = a.location;
    properties.push(`file=${escapeProperty(l.file)}`, `line=${l.line}`, `endLine=${l.endLine}`);
    // Columns only make sense on a one-line range (actions/toolkit core.ts, AnnotationProperties).
    if (l.line === l.endLine) properties.push(`col=${l.column}`, `endColumn=${Math.max(l.endColumn, l.column)}`);
  }
  properties.push(`title=${escapeProperty(a.title)}`);
  return `::${a.command} ${properties.join(",")}::${escapeData(a.message)}`;
}
