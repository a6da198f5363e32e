import type { AnalysisResult } from "../engine/result.js";
import { scrubOutput } from "../analyze.js";
import { escapeData, escapeProperty, formatGithub } from "./github.js";
import { escapeHtml, formatHtml } from "./html.js";
import { formatHuman } from "./human.js";
import { formatJson } from "./json.js";
import { escapeXml, formatJunit } from "./junit.js";
import { escapeMarkdown, formatMarkdown } from "./markdown.js";
import { formatSarif } from "./sarif.js";

export interface FormatOptions {
  readonly color?: boolean;
  /** SARIF: leave suppressed findings out (for GitHub code scanning, which ignores `suppressions`). */
  readonly omitSuppressed?: boolean;
  /** SARIF `runs[].automationDetails.id` prefix (code scanning's category); default the tool name. */
  readonly category?: string;
}

export type Formatter = (result: AnalysisResult, options: FormatOptions) => string;

/** Every output format, one signature: `(result, options) → string`. */
export const formatters = {
  human: (result, options) => formatHuman(result, options),
  json: (result) => formatJson(result),
  sarif: (result, options) => formatSarif(result, options),
  github: (result) => formatGithub(result),
  junit: (result) => formatJunit(result),
  markdown: (result) => formatMarkdown(result),
  html: (result) => formatHtml(result),
} satisfies Record<string, Formatter>;

export type FormatName = keyof typeof formatters;

export function isFormatName(name: string): name is FormatName {
  return Object.hasOwn(formatters, name);
}

/**
 * How each format escapes text, so the scrubber also finds a secret in its escaped form
 * (a password with `&` is `&amp;` in HTML). Every escape here maps character by character, so
 * the escaped secret is a substring of the escaped text.
 */
const ESCAPES: Partial<Record<FormatName, readonly ((text: string) => string)[]>> = {
  github: [escapeData, escapeProperty],
  junit: [escapeXml],
  markdown: [escapeMarkdown],
  html: [escapeHtml],
};

/**
 * Renders a format and scrubs every secret value seen in the inputs from the text: the last
 * line of defence behind the redaction done where values are read.
 */
export function render(result: AnalysisResult, format: FormatName, options: FormatOptions = {}): string {
  let text = scrubOutput(result, formatters[format](result, options));
  for (const escape of ESCAPES[format] ?? []) text = scrubOutput(result, text, escape);
  return text;
}
