import type { AnalysisResult } from "../engine/result.js";
import { scrubOutput } from "../analyze.js";
import { formatHuman } from "./human.js";
import { formatJson } from "./json.js";
import { formatSarif } from "./sarif.js";

export interface FormatOptions {
  readonly color?: boolean;
  /** SARIF: leave suppressed findings out (for GitHub code scanning, which ignores `suppressions`). */
  readonly omitSuppressed?: boolean;
}

export type Formatter = (result: AnalysisResult, options: FormatOptions) => string;

/** Every output format, one signature: `(result, options) → string`. */
export const formatters = {
  human: (result, options) => formatHuman(result, options),
  json: (result) => formatJson(result),
  sarif: (result, options) => formatSarif(result, options),
} satisfies Record<string, Formatter>;

export type FormatName = keyof typeof formatters;

export function isFormatName(name: string): name is FormatName {
  return Object.hasOwn(formatters, name);
}

/**
 * Renders a format and scrubs every secret value seen in the inputs from the text: the last
 * line of defence behind the redaction done where values are read.
 */
export function render(result: AnalysisResult, format: FormatName, options: FormatOptions = {}): string {
  return scrubOutput(result, formatters[format](result, options));
}
