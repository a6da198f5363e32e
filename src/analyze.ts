import { rmSync } from "node:fs";
import { lstat, mkdtemp, open, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits, type ArchiveProgress } from "./discover/archive.js";
import { classifyContent, classifyPath, classifyRuntimeContent, isFirewallKind, isTopologyKind, type FileKind, type PathVerdict, type RuntimeKind } from "./discover/classify.js";
import { discover, type DiscoveredFile, type IgnorePatterns } from "./discover/discover.js";
import { findSuppressionDirectives, type SuppressionDirective } from "./discover/suppression-comments.js";
import { applyBaseline, type LoadedBaseline } from "./engine/baseline.js";
import { applySuppressions } from "./engine/suppressions.js";
import { assignHost, describeHosts, type HostAssignment } from "./discover/hosts.js";
import { readConfigText } from "./discover/read-text.js";
import type { AnalysisResult, FileRecord, RuleDescriptor } from "./engine/result.js";
import { snippetKey } from "./engine/result.js";
import { DEFAULT_RULE_SETTINGS, type Level, type LevelSetting, type Rule, type RuleSettings } from "./engine/rule.js";
import { compareFindings, effectiveLevel, runRules } from "./engine/run-rules.js";
import { LogPrefetch, type PrefetchedLog } from "./ingest/prefetch.js";
import { ingestRuntime, logJobFor, type RuntimeFile } from "./ingest/runtime.js";
import { buildDeployment, type ParsedConfigFile } from "./model/build.js";
import type { Deployment, Host } from "./model/deployment.js";
import type { Diagnostic } from "./model/diagnostic.js";
import type { NamedHost } from "./model/topology.js";
import { parseFirewallFile, type FirewallDocument, type ParsedFirewallFile } from "./parsers/firewall/document.js";
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
  /** Limits for support-bundle archives (`--max-archive-bytes`, `--max-archive-ratio`). */
  readonly archiveLimits?: Partial<ArchiveLimits>;
  /** Called while archives are read (the CLI shows it on a terminal). */
  readonly onProgress?: (progress: ArchiveProgress) => void;
  /** Files discovery skips (the config file's `ignore`). */
  readonly ignore?: IgnorePatterns;
  /** Findings to hide because they are known (`--baseline FILE`). */
  readonly baseline?: LoadedBaseline;
  /**
   * Internal (tests, benchmarks): whether an archive's logs are read while the rest of it is
   * still decompressed (ingest/prefetch.ts). false: only after the whole archive, as for a
   * folder; true: always; default: when the decompressor leaves cores idle (readArchive). The
   * results are the same either way.
   */
  readonly overlapLogs?: boolean;
}

export class UsageError extends Error {}

const SCRUB = Symbol("stacklint.scrub");

/** The result plus a scrubber that removes every secret seen in the inputs from any text. */
export type ScrubbableResult = AnalysisResult & { readonly [SCRUB]?: (text: string, encode?: (secret: string) => string) => string };

/** `encode`: also remove each secret as this format escapes it (HTML entities, percent-encoding, …). */
export function scrubOutput(result: AnalysisResult, text: string, encode?: (secret: string) => string): string {
  const scrub = (result as ScrubbableResult)[SCRUB];
  return scrub ? scrub(text, encode) : text;
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
  // Archive members are written into one private folder for the run, removed whatever happens
  // (an exit handler covers a process that ends mid-run, e.g. on Ctrl-C in the CLI).
  let workspace: string | null = null;
  const removeNow = () => {
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  };
  const prefetch = options.overlapLogs === false ? null : new LogPrefetch();
  try {
    return await analyzeWith(
      options,
      async () => {
        if (!workspace) {
          workspace = await mkdtemp(path.join(os.tmpdir(), "stacklint-"));
          process.once("exit", removeNow);
        }
        return workspace;
      },
      prefetch,
    );
  } finally {
    // The workers that read logs ahead stop before their files are removed.
    await prefetch?.close();
    if (workspace) {
      process.removeListener("exit", removeNow);
      await rm(workspace, { recursive: true, force: true });
    }
  }
}

async function analyzeWith(options: AnalyzeOptions, workspace: () => Promise<string>, prefetch: LogPrefetch | null): Promise<AnalysisResult> {
  const baseDirectory = path.resolve(options.baseDirectory ?? process.cwd());
  const rules = options.rules ?? allRules;
  const levels = resolveRuleLevels(options.ruleLevels ?? new Map(), rules);
  const settings: RuleSettings = { ...DEFAULT_RULE_SETTINGS, ...options.settings };
  const secrets = new SecretRegistry();
  const diagnostics: Diagnostic[] = [];
  const skipped: Record<string, number> = {};
  const count = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);

  const archiveLimits: ArchiveLimits = { ...DEFAULT_ARCHIVE_LIMITS, ...options.archiveLimits };
  const readAhead = prefetch ? logReadAhead(prefetch, settings.logYear) : null;
  const discovery = await discover(options.inputs, baseDirectory, options.ignore, {
    archives: { limits: archiveLimits, workspace, ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(readAhead ? { handoff: { onMember: readAhead.onMember, when: options.overlapLogs === true ? "always" : "auto" } } : {}) },
  });
  diagnostics.push(...discovery.diagnostics);
  if (discovery.ignoredDirectories > 0) skipped["ignored-directory"] = discovery.ignoredDirectories;
  if (discovery.ignoredByConfig > 0) skipped["ignored-by-config"] = discovery.ignoredByConfig;
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
  const firewallFiles: ParsedFirewallFile[] = [];
  const records: FileRecord[] = [];
  const assignments: HostAssignment[] = [];
  const lines = new Map<string, string[]>();
  const runtimeFiles: RuntimeFile[] = [];
  const directives: SuppressionDirective[] = [];
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
    if ("firewall" in outcome) firewallFiles.push({ file: file.displayPath, hostId: assignment.hostId, document: outcome.firewall });
    else if ("topology" in outcome) topologyFiles.push({ file: file.displayPath, hostId: assignment.hostId, document: outcome.topology });
    else parsed.push({ file: file.displayPath, hostId: assignment.hostId, kind: outcome.kind, ini: outcome.ini });
    records.push({ path: file.displayPath, kind: outcome.kind, hostId: assignment.hostId });
    lines.set(file.displayPath, outcome.lines);
    // Suppression comments come from the text, not from the parsers: parsers know no rules.
    const found = findSuppressionDirectives(file.displayPath, outcome.lines);
    directives.push(...found.directives);
    for (const near of found.unknown) {
      diagnostics.push({ severity: "warning", code: "suppression-invalid", message: `'${near.word}' is not a stacklint directive; write stacklint-disable-next-line or stacklint-disable-file`, file: near.location.file, line: near.location.line, column: near.location.column });
    }
  }

  // Enablement links: their name is the fact, the link is never followed.
  for (const link of discovery.unitLinks) {
    const verdict = classifyPath(link.pathInInput);
    if (!("kind" in verdict) || verdict.kind !== "systemd-enablement") continue;
    const assignment = assignHost(link);
    assignments.push(assignment);
    topologyFiles.push({ file: link.displayPath, hostId: assignment.hostId, document: { kind: "systemd-enablement", unit: link.pathInInput.slice(link.pathInInput.lastIndexOf("/") + 1) } });
    records.push({ path: link.displayPath, kind: "systemd-enablement", hostId: assignment.hostId });
  }

  const described = await describeHosts(assignments, new Set(assignments.map((a) => a.hostId)).size <= 1);
  const { hosts, mergedInto } = mergeSameHosts(described);
  for (const [from, into] of mergedInto) {
    const name = described.find((h) => h.id === into)!.name;
    diagnostics.push({ severity: "note", code: "host-merged", message: `this bundle names the same host as '${into}' (hostname ${name}); both were read as one host, and a file both hold was read once`, file: from });
  }
  if (mergedInto.size > 0) {
    // A file both bundles hold (same path under the host's root) is the same host's file: read once.
    const relative = (hostId: string, file: string) => (file.startsWith(`${hostId}/`) ? file.slice(hostId.length + 1) : file);
    const remap = <T extends { hostId: string }>(list: T[], file: (entry: T) => string): T[] => {
      const kept = new Set(list.filter((e) => !mergedInto.has(e.hostId)).map((e) => `${e.hostId}\0${relative(e.hostId, file(e))}`));
      return list.flatMap((e) => {
        const into = mergedInto.get(e.hostId);
        if (!into) return [e];
        return kept.has(`${into}\0${relative(e.hostId, file(e))}`) ? [] : [{ ...e, hostId: into }];
      });
    };
    parsed.splice(0, parsed.length, ...remap(parsed, (e) => e.file));
    topologyFiles.splice(0, topologyFiles.length, ...remap(topologyFiles, (e) => e.file));
    records.splice(0, records.length, ...remap(records, (e) => e.path));
    runtimeFiles.splice(0, runtimeFiles.length, ...remap(runtimeFiles, (e) => e.file.displayPath));
    firewallFiles.splice(0, firewallFiles.length, ...remap(firewallFiles, (e) => e.file));
  }
  const built = buildDeployment(hosts, parsed, { files: topologyFiles, namedHosts: options.hosts ?? [], firewallFiles });
  diagnostics.push(...built.topologyDiagnostics);
  const { topologyDiagnostics: _topologyDiagnostics, ...configured } = built;
  // Logs are read after the configuration (the proxy's log_msg_template says how access lines
  // look), except those an archive handed over early: kept only if read with the same template.
  const prefetched = readAhead ? await readAhead.finish() : undefined;
  const ingest = await ingestRuntime(runtimeFiles, configured, { logYear: settings.logYear, ...(prefetched ? { prefetched } : {}) });
  diagnostics.push(...ingest.diagnostics);
  for (const file of ingest.unrecognized) count("unrecognized");
  const deployment: Deployment = { ...configured, runtime: ingest.runtime };
  const { findings: reported, failures } = runRules({ rules, deployment, settings, levels });
  const ranRuleIds = new Set(rules.filter((rule) => effectiveLevel(rule, levels) !== "off").map((rule) => rule.id));
  const inline = applySuppressions(reported, directives, rules, ranRuleIds);
  diagnostics.push(...inline.diagnostics);
  const baselined = options.baseline ? applyBaseline(inline.kept, options.baseline) : { kept: inline.kept, baselined: [], diagnostics: [] };
  diagnostics.push(...baselined.diagnostics);
  const findings = baselined.kept;
  const suppressed = [...inline.suppressed, ...baselined.baselined].sort(compareFindings);
  for (const failure of failures) {
    diagnostics.push({ severity: "error", code: "internal-error", message: `rule ${failure.ruleId} failed: ${String(failure.error)}`, file: "." });
  }

  const snippets: Record<string, string> = {};
  for (const finding of [...findings, ...suppressed]) {
    for (const location of [finding.location, ...finding.related.map((r) => r.location)]) {
      const text = lines.get(location.file)?.[location.line - 1] ?? ingest.snippets.get(snippetKey(location.file, location.line));
      if (text !== undefined) snippets[snippetKey(location.file, location.line)] = redactLine(text);
    }
  }

  const result: ScrubbableResult = {
    tool: { name: TOOL_NAME, version: TOOL_VERSION, informationUri: INFORMATION_URI },
    rules: describeRules(levels, rules),
    findings: [...findings].sort(compareFindings),
    suppressed,
    diagnostics: diagnostics.sort(compareDiagnostics),
    deployment,
    files: { analyzed: records.filter((r) => !ingest.unrecognized.has(r.path)).sort((a, b) => (a.path < b.path ? -1 : 1)), skipped: Object.fromEntries(Object.entries(skipped).sort()) },
    snippets: Object.fromEntries(Object.entries(snippets).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
  Object.defineProperty(result, SCRUB, { value: (text: string, encode?: (secret: string) => string) => secrets.scrub(text, encode), enumerable: false });
  return result;
}

/**
 * Reads an archive's logs while the rest of it is decompressed. The access template a log is read
 * with is the one the host's Swift configs seen so far give (Swift's default when none yet); the
 * year hint is what the host's files give at that moment. ingestRuntime keeps a result only if
 * the whole configuration gives the same job, and reads the log again otherwise.
 */
function logReadAhead(prefetch: LogPrefetch, logYear: number | null): { onMember: (file: DiscoveredFile) => void; finish: () => Promise<Map<string, PrefetchedLog>> } {
  const swiftConfigs = new Map<string, DiscoveredFile[]>();
  const starting: Promise<void>[] = [];
  const guessTemplate = async (hostId: string, configs: readonly DiscoveredFile[]): Promise<string | undefined> => {
    const parsed: ParsedConfigFile[] = [];
    for (const file of configs) {
      const outcome = await parseOne(file, new SecretRegistry(), classifyPath(file.pathInInput));
      if ("ini" in outcome) parsed.push({ file: file.displayPath, hostId, kind: outcome.kind, ini: outcome.ini });
    }
    if (parsed.length === 0) return undefined;
    const host: Host = { id: hostId, name: hostId, nameSource: "folder", addresses: [], aliases: [], addressEvidence: [] };
    return buildDeployment([host], parsed).swiftPipelines.find((p) => p.hostId === hostId && p.accessLogTemplate)?.accessLogTemplate?.value;
  };
  const onMember = (file: DiscoveredFile) => {
    const verdict = classifyPath(file.pathInInput);
    const { hostId, rootAbsolute } = assignHost(file);
    if ("kind" in verdict && verdict.kind.startsWith("swift-")) {
      const list = swiftConfigs.get(hostId) ?? [];
      list.push(file);
      swiftConfigs.set(hostId, list);
      return;
    }
    const sniff = "sniff" in verdict && verdict.sniff === "runtime";
    if (!sniff && !("runtime" in verdict && verdict.runtime === "log")) return;
    const configs = [...(swiftConfigs.get(hostId) ?? [])];
    starting.push(
      (async () => {
        try {
          // A journal export outside the usual names is a log by its first bytes, as below.
          if (sniff && (await sniffRuntime(file.absolutePath)) !== "log") return;
          const template = await guessTemplate(hostId, configs);
          // No cache of year hints: the bundle's `date` file may still be on its way.
          prefetch.submit(await logJobFor({ file, hostRoot: rootAbsolute }, template, logYear, new Map()));
        } catch {
          // Not read ahead: read after the archive, as for a folder.
        }
      })(),
    );
  };
  return {
    onMember,
    finish: async () => {
      await Promise.all(starting);
      return prefetch.finish();
    },
  };
}

/**
 * Bundles that name the same host (its `hostname` file) are one host: a case often holds two
 * sosreports of one machine, or a sosreport and a copied folder. The first id (sorted) stays.
 */
function mergeSameHosts(hosts: readonly Host[]): { hosts: Host[]; mergedInto: Map<string, string> } {
  const byName = new Map<string, Host>();
  const mergedInto = new Map<string, string>();
  const kept: Host[] = [];
  for (const host of hosts) {
    const key = host.name.toLowerCase();
    const first = host.nameSource === "hostname-file" ? byName.get(key) : undefined;
    if (first) {
      mergedInto.set(host.id, first.id);
      continue;
    }
    if (host.nameSource === "hostname-file") byName.set(key, host);
    kept.push(host);
  }
  return { hosts: kept, mergedInto };
}

type ParseOutcome =
  | { skip: string; diagnostics: Diagnostic[] }
  | { kind: FileKind; ini: ReturnType<typeof parseIni>; lines: string[]; diagnostics: Diagnostic[] }
  | { kind: FileKind; topology: TopologyDocument; lines: string[]; diagnostics: Diagnostic[] }
  | { kind: FileKind; firewall: FirewallDocument; lines: string[]; diagnostics: Diagnostic[] };

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
  if (isFirewallKind(kind)) {
    const parsedFirewall = parseFirewallFile(kind, file.displayPath, read.text);
    const diagnostics = [...read.diagnostics, ...parsedFirewall.diagnostics];
    if (!parsedFirewall.document) return { skip: "unrecognized", diagnostics };
    return { kind, firewall: parsedFirewall.document, lines: splitLines(read.text), diagnostics };
  }
  if (isTopologyKind(kind)) {
    const dotEnv = kind === "compose" ? await composeDotEnv(file) : undefined;
    const parsedTopology = parseTopologyFile(kind, file.displayPath, read.text, (name, value) => (name === null ? secrets.add(value) : secrets.noteOption(name, value)), dotEnv);
    return { kind, topology: parsedTopology.document, lines: splitLines(read.text), diagnostics: [...read.diagnostics, ...parsedTopology.diagnostics] };
  }
  // Swift reads memcache.conf with a plain ConfigParser (keys lowercased); paste.deploy keeps
  // keys as written; oslo.config has its own parser.
  const ini =
    kind === "openstack-ini" || kind === "kolla-config-override"
      ? parseIni(file.displayPath, read.text, { dialect: "oslo" })
      : parseIni(file.displayPath, read.text, { dialect: "configparser", lowercaseKeys: kind === "swift-memcache-conf" });
  for (const section of ini.sections) for (const entry of section.entries) secrets.noteOption(entry.key.replace(/^set\s+/u, ""), entry.value);
  return { kind, ini, lines: splitLines(read.text), diagnostics: [...read.diagnostics, ...ini.diagnostics] };
}

/**
 * Compose reads `.env` from the project directory, the compose file's folder by default. A
 * link is not followed (it could lead out of the inputs); an absent file is no diagnostic.
 */
async function composeDotEnv(file: DiscoveredFile): Promise<{ file: string; text: string } | undefined> {
  const absolute = path.join(path.dirname(file.absolutePath), ".env");
  try {
    if (!(await lstat(absolute)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  const read = await readConfigText(absolute, path.posix.join(path.posix.dirname(file.displayPath), ".env"));
  return read.text === null ? undefined : { file: path.posix.join(path.posix.dirname(file.displayPath), ".env"), text: read.text };
}

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}

/**
 * The result with a baseline applied afterwards (`--baseline-write`: the findings just recorded
 * count as baselined in this run's reports). Keeps the secret scrubber of the original result.
 */
export function withBaseline(result: AnalysisResult, loaded: LoadedBaseline): AnalysisResult {
  const applied = applyBaseline(result.findings, loaded);
  const rebased: ScrubbableResult = {
    ...result,
    findings: applied.kept,
    suppressed: [...(result.suppressed ?? []), ...applied.baselined].sort(compareFindings),
    // Stale entries of a baseline that has just been rewritten are gone with it.
    diagnostics: [...result.diagnostics.filter((d) => d.code !== "baseline-stale"), ...applied.diagnostics].sort(compareDiagnostics),
  };
  const scrub = (result as ScrubbableResult)[SCRUB];
  if (scrub) Object.defineProperty(rebased, SCRUB, { value: scrub, enumerable: false });
  return rebased;
}
