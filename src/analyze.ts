import path from "node:path";
import { open, stat } from "node:fs/promises";
import { classifyContent, classifyPath, classifyRuntimeContent, isTopologyKind, type FileKind, type PathVerdict, type RuntimeKind } from "./discover/classify.js";
import { discover, type DiscoveredFile } from "./discover/discover.js";
import { assignHost, describeHosts, type HostAssignment } from "./discover/hosts.js";
import { readConfigText } from "./discover/read-text.js";
import type { AnalysisResult, FileRecord, RuleDescriptor } from "./engine/result.js";
import { snippetKey } from "./engine/result.js";
import { DEFAULT_RULE_SETTINGS, type Level, type LevelSetting, type Rule, type RuleSettings } from "./engine/rule.js";
import { compareFindings, effectiveLevel, runRules } from "./engine/run-rules.js";
import { ingestRuntime, type RuntimeFile } from "./ingest/runtime.js";
import { buildDeployment, type ParsedConfigFile } from "./model/build.js";
import type { Deployment } from "./model/deployment.js";
import type { Diagnostic } from "./model/diagnostic.js";
import type { NamedHost } from "./model/topology.js";
import { parseTopologyFile, type ParsedTopologyFile, type TopologyDocument } from "./parsers/topology-document.js";
import { parseIni, splitLines } from "./parsers/ini.js";
import { INFORMATION_URI, TOOL_NAME, TOOL_VERSION, ruleHelpMarkdown, ruleHelpUri } from "./package-info.js";
import { SecretRegistry, redactLine } from "./redact.js";
import { allRules } from "../rules/index.js";

export interface AnalyzeOptions {
  /** Files and directories to analyze. */
  readonly inputs: readonly string[];
  /** Paths in outputs are relative to this directory (default: the process's cwd). */
  readonly baseDirectory?: string;
  /** Level overrides, keyed by rule id or name. */
  readonly ruleLevels?: ReadonlyMap<string, LevelSetting>;
  readonly settings?: Partial<RuleSettings>;
  /** The rules to run (default: every rule). Tests pass one rule. */
  readonly rules?: readonly Rule[];
  /** Hosts and addresses the user names (`--host NAME=ADDR,…`) when the inputs do not. */
  readonly hosts?: readonly NamedHost[];
}

export class UsageError extends Error {}

const SCRUB = Symbol("stacklint.scrub");

/** The result plus a scrubber that removes every secret seen in the inputs from any text. */
export type ScrubbableResult = AnalysisResult & { readonly [SCRUB]?: (text: string) => string };

export function scrubOutput(result: AnalysisResult, text: string): string {
  const scrub = (result as ScrubbableResult)[SCRUB];
  return scrub ? scrub(text) : text;
}

/** Resolves `ID_OR_NAME → level` to rule ids; an unknown rule is a usage error. */
export function resolveRuleLevels(levels: ReadonlyMap<string, LevelSetting>, rules: readonly Rule[] = allRules): Map<string, LevelSetting> {
  const resolved = new Map<string, LevelSetting>();
  for (const [key, level] of levels) {
    const rule = rules.find((r) => r.id.toLowerCase() === key.toLowerCase() || r.name === key.toLowerCase());
    if (!rule) throw new UsageError(`unknown rule '${key}' (see --list-rules)`);
    resolved.set(rule.id, level);
  }
  return resolved;
}

export function describeRules(levels: ReadonlyMap<string, LevelSetting>, rules: readonly Rule[] = allRules): RuleDescriptor[] {
  const descriptors: RuleDescriptor[] = [];
  for (const rule of [...rules].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const level = effectiveLevel(rule, levels);
    if (level === "off") continue;
    const { check: _check, ...meta } = rule;
    descriptors.push({ ...meta, effectiveLevel: level as Level, helpUri: ruleHelpUri(rule.name), helpMarkdown: ruleHelpMarkdown(rule.name) });
  }
  return descriptors;
}

/**
 * The core of stacklint as a library: no console, no process.exit, no global state.
 * discover → classify → parse → model → rules.
 */
export async function analyze(options: AnalyzeOptions): Promise<AnalysisResult> {
  const baseDirectory = path.resolve(options.baseDirectory ?? process.cwd());
  const rules = options.rules ?? allRules;
  const levels = resolveRuleLevels(options.ruleLevels ?? new Map(), rules);
  const settings: RuleSettings = { ...DEFAULT_RULE_SETTINGS, ...options.settings };
  const secrets = new SecretRegistry();
  const diagnostics: Diagnostic[] = [];
  const skipped: Record<string, number> = {};
  const count = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);

  const discovery = await discover(options.inputs, baseDirectory);
  diagnostics.push(...discovery.diagnostics);
  if (discovery.ignoredDirectories > 0) skipped["ignored-directory"] = discovery.ignoredDirectories;
  for (const entry of discovery.skippedEntries) {
    count(entry.kind);
    diagnostics.push({
      severity: "note",
      code: entry.kind,
      message: entry.kind === "symlink" ? "a symbolic link inside an input folder; stacklint does not follow links, name its target to analyze it" : "not a regular file (FIFO, socket or device); skipped",
      file: entry.displayPath,
    });
  }

  const parsed: ParsedConfigFile[] = [];
  const topologyFiles: ParsedTopologyFile[] = [];
  const records: FileRecord[] = [];
  const assignments: HostAssignment[] = [];
  const lines = new Map<string, string[]>();
  const runtimeFiles: RuntimeFile[] = [];
  for (const file of discovery.files) {
    const verdict = classifyPath(file.pathInInput);
    if ("runtime" in verdict || ("sniff" in verdict && verdict.sniff === "runtime")) {
      const kind = "runtime" in verdict ? verdict.runtime : await sniffRuntime(file.absolutePath);
      if (!kind) {
        count("unrecognized");
        continue;
      }
      const assignment = assignHost(file);
      assignments.push(assignment);
      runtimeFiles.push({ file, hostId: assignment.hostId, hostRoot: assignment.rootAbsolute, kind });
      records.push({ path: file.displayPath, kind: kind === "log" ? "log" : "counters", hostId: assignment.hostId });
      continue;
    }
    const outcome = await parseOne(file, secrets, verdict);
    diagnostics.push(...outcome.diagnostics);
    if ("skip" in outcome) {
      count(outcome.skip);
      continue;
    }
    const assignment = assignHost(file);
    assignments.push(assignment);
    if ("topology" in outcome) topologyFiles.push({ file: file.displayPath, hostId: assignment.hostId, document: outcome.topology });
    else parsed.push({ file: file.displayPath, hostId: assignment.hostId, kind: outcome.kind, ini: outcome.ini });
    records.push({ path: file.displayPath, kind: outcome.kind, hostId: assignment.hostId });
    lines.set(file.displayPath, outcome.lines);
  }

  const hosts = await describeHosts(assignments, new Set(assignments.map((a) => a.hostId)).size <= 1);
  const built = buildDeployment(hosts, parsed, { files: topologyFiles, namedHosts: options.hosts ?? [] });
  diagnostics.push(...built.topologyDiagnostics);
  const { topologyDiagnostics: _topologyDiagnostics, ...configured } = built;
  // Logs are read after the configuration: the proxy's log_msg_template says how access lines look.
  const ingest = await ingestRuntime(runtimeFiles, configured, { logYear: settings.logYear });
  diagnostics.push(...ingest.diagnostics);
  for (const file of ingest.unrecognized) count("unrecognized");
  const deployment: Deployment = { ...configured, runtime: ingest.runtime };
  const { findings, failures } = runRules({ rules, deployment, settings, levels });
  for (const failure of failures) {
    diagnostics.push({ severity: "error", code: "internal-error", message: `rule ${failure.ruleId} failed: ${String(failure.error)}`, file: "." });
  }

  const snippets: Record<string, string> = {};
  for (const finding of findings) {
    for (const location of [finding.location, ...finding.related.map((r) => r.location)]) {
      const text = lines.get(location.file)?.[location.line - 1] ?? ingest.snippets.get(snippetKey(location.file, location.line));
      if (text !== undefined) snippets[snippetKey(location.file, location.line)] = redactLine(text);
    }
  }

  const result: ScrubbableResult = {
    tool: { name: TOOL_NAME, version: TOOL_VERSION, informationUri: INFORMATION_URI },
    rules: describeRules(levels, rules),
    findings: [...findings].sort(compareFindings),
    diagnostics: diagnostics.sort(compareDiagnostics),
    deployment,
    files: { analyzed: records.filter((r) => !ingest.unrecognized.has(r.path)).sort((a, b) => (a.path < b.path ? -1 : 1)), skipped: Object.fromEntries(Object.entries(skipped).sort()) },
    snippets: Object.fromEntries(Object.entries(snippets).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
  Object.defineProperty(result, SCRUB, { value: (text: string) => secrets.scrub(text), enumerable: false });
  return result;
}

type ParseOutcome =
  | { skip: string; diagnostics: Diagnostic[] }
  | { kind: FileKind; ini: ReturnType<typeof parseIni>; lines: string[]; diagnostics: Diagnostic[] }
  | { kind: FileKind; topology: TopologyDocument; lines: string[]; diagnostics: Diagnostic[] };

/** A journal export or counter dump outside the usual paths, by its first bytes. */
async function sniffRuntime(absolutePath: string): Promise<RuntimeKind | null> {
  let handle;
  try {
    // A file named directly may be a link to a FIFO, and open() on a FIFO waits for a writer.
    if (!(await stat(absolutePath)).isFile()) return null;
    handle = await open(absolutePath, "r");
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return classifyRuntimeContent(buffer.subarray(0, bytesRead).toString("latin1"));
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}

async function parseOne(file: DiscoveredFile, secrets: SecretRegistry, verdict: PathVerdict): Promise<ParseOutcome> {
  if ("runtime" in verdict) return { skip: "unrecognized", diagnostics: [] };
  if ("skip" in verdict) return { skip: verdict.skip, diagnostics: [] };
  const read = await readConfigText(file.absolutePath, file.displayPath);
  if (read.text === null) return { skip: "unreadable", diagnostics: read.diagnostics };
  let kind: FileKind;
  if ("sniff" in verdict) {
    if (verdict.sniff === "runtime") return { skip: "unrecognized", diagnostics: [] };
    const sniffed = classifyContent(read.text);
    if (!sniffed) return { skip: "not-openstack-ini", diagnostics: [] };
    kind = sniffed;
  } else {
    kind = verdict.kind;
  }
  if (isTopologyKind(kind)) {
    const parsedTopology = parseTopologyFile(kind, file.displayPath, read.text, (name, value) => (name === null ? secrets.add(value) : secrets.noteOption(name, value)));
    return { kind, topology: parsedTopology.document, lines: splitLines(read.text), diagnostics: [...read.diagnostics, ...parsedTopology.diagnostics] };
  }
  // Swift reads memcache.conf with a plain ConfigParser (keys lowercased); paste.deploy keeps
  // keys as written; oslo.config has its own parser.
  const ini =
    kind === "openstack-ini"
      ? parseIni(file.displayPath, read.text, { dialect: "oslo" })
      : parseIni(file.displayPath, read.text, { dialect: "configparser", lowercaseKeys: kind === "swift-memcache-conf" });
  for (const section of ini.sections) for (const entry of section.entries) secrets.noteOption(entry.key.replace(/^set\s+/u, ""), entry.value);
  return { kind, ini, lines: splitLines(read.text), diagnostics: [...read.diagnostics, ...ini.diagnostics] };
}

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}
