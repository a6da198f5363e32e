import type { Diagnostic } from "../model/diagnostic.js";
import { spanOnLine } from "../model/source.js";
import { FINGERPRINT_KEY, findingFingerprint } from "./fingerprint.js";
import type { Finding } from "./rule.js";
import type { SuppressedFinding } from "./suppressions.js";

/** Version of the baseline file's shape; a file of another version is refused, not guessed at. */
export const BASELINE_VERSION = 1;

/**
 * One fingerprint and how many findings carry it (ESLint's bulk suppressions count too: one
 * option can draw the same finding twice, and a third one appearing is new). `ruleId` and
 * `file` are there for people reading the file and for the stale report; matching uses the
 * fingerprint only, which already hashes both.
 */
export interface BaselineEntry {
  readonly fingerprint: string;
  readonly ruleId: string;
  readonly file: string;
  readonly count: number;
}

export interface Baseline {
  readonly version: typeof BASELINE_VERSION;
  readonly fingerprintKey: typeof FINGERPRINT_KEY;
  readonly entries: readonly BaselineEntry[];
}

/** Where a baseline came from, for locations in its reports. */
export interface LoadedBaseline {
  readonly baseline: Baseline;
  /** Display path of the file. */
  readonly file: string;
  /** The file's lines, to point stale reports at their entry. */
  readonly lines: readonly string[];
}

/** The current findings as a baseline: sorted, no timestamps, byte-identical for the same findings. */
export function createBaseline(findings: readonly Finding[]): Baseline {
  const byFingerprint = new Map<string, { ruleId: string; file: string; count: number }>();
  for (const finding of findings) {
    const fingerprint = findingFingerprint(finding);
    const entry = byFingerprint.get(fingerprint);
    if (entry) entry.count++;
    else byFingerprint.set(fingerprint, { ruleId: finding.ruleId, file: finding.location.file, count: 1 });
  }
  const entries = [...byFingerprint].map(([fingerprint, e]) => ({ fingerprint, ruleId: e.ruleId, file: e.file, count: e.count }));
  entries.sort((a, b) => compareText(a.file, b.file) || compareText(a.ruleId, b.ruleId) || compareText(a.fingerprint, b.fingerprint));
  return { version: BASELINE_VERSION, fingerprintKey: FINGERPRINT_KEY, entries };
}

/** One entry per line, so that a diff of the file shows which findings came and went. */
export function formatBaseline(baseline: Baseline): string {
  const entries = baseline.entries.map((e) => `    ${JSON.stringify({ fingerprint: e.fingerprint, ruleId: e.ruleId, file: e.file, count: e.count })}`);
  return `{\n  "version": ${baseline.version},\n  "fingerprintKey": ${JSON.stringify(baseline.fingerprintKey)},\n  "entries": [${entries.length > 0 ? `\n${entries.join(",\n")}\n  ` : ""}]\n}\n`;
}

/** Reads a baseline file's text; a malformed one is an error message (the CLI exits 2 with it). */
export function parseBaseline(text: string, file: string): LoadedBaseline | { error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { error: `${file}: not a stacklint baseline (invalid JSON: ${error instanceof Error ? error.message : String(error)})` };
  }
  if (!isRecord(data) || !Array.isArray(data.entries)) return { error: `${file}: not a stacklint baseline (no "entries" list); write one with --baseline-write` };
  if (data.version !== BASELINE_VERSION) return { error: `${file}: baseline version ${JSON.stringify(data.version)} is not ${BASELINE_VERSION}; write it again with --baseline-write` };
  if (data.fingerprintKey !== FINGERPRINT_KEY) return { error: `${file}: baseline fingerprints are ${JSON.stringify(data.fingerprintKey)}, this stacklint computes ${FINGERPRINT_KEY}; write it again with --baseline-write` };
  const entries: BaselineEntry[] = [];
  for (const [index, entry] of data.entries.entries()) {
    if (!isRecord(entry) || typeof entry.fingerprint !== "string" || !/^[0-9a-f]{64}$/u.test(entry.fingerprint) || typeof entry.ruleId !== "string" || typeof entry.file !== "string" || !Number.isInteger(entry.count) || (entry.count as number) < 1) {
      return { error: `${file}: entry ${index + 1} is not {fingerprint (64 hex digits), ruleId, file, count ≥ 1}` };
    }
    entries.push({ fingerprint: entry.fingerprint, ruleId: entry.ruleId, file: entry.file, count: entry.count as number });
  }
  return { baseline: { version: BASELINE_VERSION, fingerprintKey: FINGERPRINT_KEY, entries }, file, lines: text.split(/\r?\n/u) };
}

/**
 * Hides findings the baseline knows (up to each entry's count) and reports entries that matched
 * fewer findings than they count: those problems were fixed (or moved to another file), and the
 * baseline should be written again so they cannot come back unnoticed.
 */
export function applyBaseline(findings: readonly Finding[], loaded: LoadedBaseline): { kept: Finding[]; baselined: SuppressedFinding[]; diagnostics: Diagnostic[] } {
  const remaining = new Map(loaded.baseline.entries.map((e) => [e.fingerprint, e.count]));
  const kept: Finding[] = [];
  const baselined: SuppressedFinding[] = [];
  const location = spanOnLine(loaded.file, 1, 1, 1);
  for (const finding of findings) {
    const fingerprint = findingFingerprint(finding);
    const left = remaining.get(fingerprint) ?? 0;
    if (left > 0) {
      remaining.set(fingerprint, left - 1);
      baselined.push({ ...finding, suppression: { kind: "external", justification: `in the baseline ${loaded.file}`, location } });
    } else {
      kept.push(finding);
    }
  }
  const diagnostics: Diagnostic[] = [];
  for (const entry of loaded.baseline.entries) {
    const left = remaining.get(entry.fingerprint) ?? 0;
    if (left === 0) continue;
    const line = loaded.lines.findIndex((l) => l.includes(entry.fingerprint)) + 1;
    diagnostics.push({
      severity: "note",
      code: "baseline-stale",
      message: `baseline entry ${entry.ruleId} in ${entry.file} matches ${entry.count - left} of ${entry.count} finding${entry.count === 1 ? "" : "s"} now: fixed or moved. Write the baseline again with --baseline-write so it cannot hide a new one`,
      file: loaded.file,
      ...(line > 0 ? { line } : {}),
    });
  }
  return { kept, baselined, diagnostics };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
