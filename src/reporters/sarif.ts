import type { Location, Log, Notification, PhysicalLocation, ReportingDescriptor, Result, Run, Suppression as SarifSuppression } from "sarif";
import { compareFindings } from "../engine/run-rules.js";
import type { SuppressedFinding, Suppression } from "../engine/suppressions.js";
import type { AnalysisResult, RuleDescriptor } from "../engine/result.js";
import { FINGERPRINT_KEY, findingFingerprint } from "../engine/fingerprint.js";
import type { Finding, Level } from "../engine/rule.js";

/** Re-exported: the key is part of the SARIF contract (tests and the baseline read it). */
export { FINGERPRINT_KEY };
import type { Diagnostic, DiagnosticSeverity } from "../model/diagnostic.js";
import { formatLocation, type SourceLocation } from "../model/source.js";

/** GitHub's documented value; the multitool's SARIF1011 accepts any URI ending in `2.1.0.json`. */
export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";

/** Every artifact URI is relative to this base: the directory the run was given as its base. */
export const SRCROOT = "%SRCROOT%";

/** GitHub shows at most 1024 characters of a rule's descriptions. */
const DESCRIPTION_LIMIT = 1024;

/**
 * SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one run, every enabled rule,
 * one result per finding, input problems as tool-execution notifications. Deterministic: no
 * timestamps, no absolute paths, the same input gives the same bytes on every machine.
 */
export interface SarifOptions {
  /**
   * Leave suppressed findings out instead of keeping them with `suppressions`. GitHub code
   * scanning does not read `suppressions` (github/codeql-action#1230): a kept suppressed result
   * becomes an open alert there, so SARIF meant for upload-sarif should omit them.
   */
  readonly omitSuppressed?: boolean;
  /** Code scanning's category: `runs[].automationDetails.id` prefix; default the tool name. */
  readonly category?: string;
}

export function formatSarif(result: AnalysisResult, options: SarifOptions = {}): string {
  const rules = result.rules.map(toReportingDescriptor);
  const ruleIndex = new Map(result.rules.map((rule, index) => [rule.id, index]));

  const run: Run = {
    tool: {
      driver: {
        name: result.tool.name,
        semanticVersion: result.tool.version,
        informationUri: result.tool.informationUri,
        rules,
      },
    },
    // GitHub reads everything up to the last "/" as the category; upload-sarif's `category` input
    // does not override an id written here, so stacklint's own `--category` (the action's
    // `category` input) sets it.
    automationDetails: { id: automationId(options.category ?? result.tool.name) },
    // No `uri`: the base is the directory given to the run, and writing its absolute path would
    // make the output differ between machines. upload-sarif resolves relative URIs against the
    // checkout, which is what the base is in CI.
    originalUriBaseIds: {
      [SRCROOT]: { description: { text: "The base directory of the analysis; every artifact URI is relative to it." } },
    },
    columnKind: "utf16CodeUnits",
    invocations: [
      {
        // Input problems are reported, not fatal: the run went on and its results are complete
        // for everything that could be read (see diagnosticLevel).
        executionSuccessful: true,
        toolExecutionNotifications: result.diagnostics.map(toNotification),
      },
    ],
    results: withSuppressed(result, options).map((finding) => toResult(finding, ruleIndex.get(finding.ruleId))),
  };

  const log: Log = { $schema: SARIF_SCHEMA_URI, version: "2.1.0", runs: [run] };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** The findings, with the suppressed ones merged in by location unless they are omitted. */
function withSuppressed(result: AnalysisResult, options: SarifOptions): readonly (Finding | SuppressedFinding)[] {
  const suppressed = options.omitSuppressed ? [] : (result.suppressed ?? []);
  return suppressed.length === 0 ? result.findings : [...result.findings, ...suppressed].sort(compareFindings);
}

/** `stacklint` → `stacklint/`: the category is everything up to the last slash. */
export function automationId(category: string): string {
  return category.endsWith("/") ? category : `${category}/`;
}

function toReportingDescriptor(rule: RuleDescriptor): ReportingDescriptor {
  const security = rule.securitySeverity !== undefined;
  // The schema wants unique tags, and GitHub treats a rule as a security rule by its tag too.
  const tags = [...new Set(security ? [...rule.tags, "security"] : rule.tags)];
  return {
    id: rule.id,
    // The multitool's SARIF2012 wants a PascalCase name; the stable kebab name stays in `slug`.
    name: pascalCase(rule.name),
    shortDescription: { text: rule.summary },
    fullDescription: { text: truncate(rule.description, DESCRIPTION_LIMIT) },
    helpUri: rule.helpUri,
    help: {
      text: `${rule.description}\n\nDocumentation: ${rule.helpUri}`,
      markdown: helpMarkdown(rule),
    },
    defaultConfiguration: { level: rule.effectiveLevel },
    properties: {
      tags,
      precision: rule.precision,
      slug: rule.name,
      // GitHub: a string score marks a security rule; other rules carry problem.severity.
      ...(security ? { "security-severity": rule.securitySeverity } : { "problem.severity": problemSeverity(rule.effectiveLevel) }),
    },
  };
}

function toResult(finding: Finding | SuppressedFinding, ruleIndex: number | undefined): Result {
  // Ids start at 1 and are what `[text](id)` links in the message point at (SARIF §3.11.6).
  const related = finding.related.map((r, index) => ({
    id: index + 1,
    location: r.location,
    label: r.message.trim() === "" ? formatLocation(r.location) : r.message,
  }));
  const links = related.map((r) => `[${escapeLinkText(r.label)}](${r.id})`);
  const message = asSentence(finding.message);
  return {
    ruleId: finding.ruleId,
    // Every finding comes from an enabled rule, so the index is always found; if it is not,
    // ruleId alone still identifies the rule.
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    level: finding.level,
    message: { text: links.length > 0 ? `${message} See ${links.join(", ")}.` : message },
    locations: [{ physicalLocation: physicalLocation(finding.location) }],
    ...(related.length > 0
      ? {
          relatedLocations: related.map(
            (r): Location => ({ id: r.id, physicalLocation: physicalLocation(r.location), message: { text: r.label } }),
          ),
        }
      : {}),
    partialFingerprints: { [FINGERPRINT_KEY]: findingFingerprint(finding) },
    // SARIF §3.27.23 / §3.35: a suppressed result stays in the log, marked, with the reason given.
    ...("suppression" in finding ? { suppressions: [toSuppression(finding.suppression)] } : {}),
  };
}

function toSuppression(suppression: Suppression): SarifSuppression {
  return {
    kind: suppression.kind,
    // The user's own decision, in the file or the baseline: nobody has to review it further.
    status: "accepted",
    justification: suppression.justification,
    // inSource: the comment that suppresses it; a baseline has no line worth pointing at.
    ...(suppression.kind === "inSource" ? { location: { physicalLocation: physicalLocation(suppression.location) } } : {}),
  };
}

/**
 * SARIF §3.20.21: a notification at level "error" means the run failed. An unreadable or malformed
 * input is not a tool failure (the rest of the run goes on and its results stand), so input
 * problems are at most warnings here; the original severity is kept in the property bag.
 */
function diagnosticLevel(severity: DiagnosticSeverity): Notification.level {
  return severity === "note" ? "note" : "warning";
}

function toNotification(diagnostic: Diagnostic): Notification {
  const line = diagnostic.line !== undefined && diagnostic.line >= 1 ? diagnostic.line : undefined;
  const column = line !== undefined && diagnostic.column !== undefined && diagnostic.column >= 1 ? diagnostic.column : undefined;
  const location: Location | undefined =
    diagnostic.file === ""
      ? undefined
      : {
          physicalLocation: {
            artifactLocation: { uri: artifactUri(diagnostic.file), uriBaseId: SRCROOT },
            ...(line !== undefined ? { region: { startLine: line, ...(column !== undefined ? { startColumn: column } : {}) } } : {}),
          },
        };
  return {
    level: diagnosticLevel(diagnostic.severity),
    message: { text: asSentence(diagnostic.message) },
    ...(location ? { locations: [location] } : {}),
    descriptor: { id: diagnostic.code },
    properties: { severity: diagnostic.severity },
  };
}

function physicalLocation(location: SourceLocation): PhysicalLocation {
  return {
    artifactLocation: { uri: artifactUri(location.file), uriBaseId: SRCROOT },
    region: {
      startLine: location.line,
      startColumn: location.column,
      endLine: location.endLine,
      endColumn: location.endColumn,
    },
  };
}

/** A relative URI reference: each POSIX path segment percent-encoded (spaces, non-ASCII, `#`, `?`). */
export function artifactUri(file: string): string {
  return file.split("/").map(encodeURIComponent).join("/");
}

/**
 * The rule page, made to render on GitHub: relative links (`other-rule.md`) are resolved against
 * the page's published address, and the address itself is linked at the end, since GitHub does
 * not show `helpUri`.
 */
function helpMarkdown(rule: RuleDescriptor): string {
  const page = rule.helpMarkdown.trim() === "" ? `${rule.summary}\n\n${rule.description}` : rule.helpMarkdown.trimEnd();
  const resolved = page.replace(/\]\(([^)\s]+)\)/gu, (link, target: string) => {
    if (/^[a-z][a-z0-9+.-]*:/iu.test(target) || target.startsWith("#")) return link;
    try {
      return `](${new URL(target, rule.helpUri).href})`;
    } catch {
      return link;
    }
  });
  return `${resolved}\n\n[${rule.id} ${rule.name} documentation](${rule.helpUri})\n`;
}

function problemSeverity(level: Level): "error" | "warning" | "recommendation" {
  return level === "note" ? "recommendation" : level;
}

/** `memcache-single-server` → `MemcacheSingleServer`. */
export function pascalCase(kebab: string): string {
  return kebab
    .split(/[^A-Za-z0-9]+/u)
    .filter((word) => word !== "")
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join("");
}

/** SARIF §3.11.6: `[`, `]` and `\` inside link text are escaped with a backslash. */
function escapeLinkText(text: string): string {
  return text.replace(/[[\]\\]/gu, (c) => `\\${c}`);
}

/** SARIF2001: messages are sentences and end with a period. */
function asSentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/u.test(trimmed) ? trimmed : `${trimmed}.`;
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1).trimEnd()}…`;
}
