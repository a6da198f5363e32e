#!/usr/bin/env node
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { analyze, resolveRuleLevels, UsageError, withBaseline } from "./analyze.js";
import { invokedDirectly } from "./invoked-directly.js";
import { ConfigError, findConfigFile, loadConfigFile, type LoadedConfig } from "./config/config-file.js";
import { createBaseline, formatBaseline, parseBaseline, type LoadedBaseline } from "./engine/baseline.js";
import { closestName } from "./engine/did-you-mean.js";
import { displayPathFor } from "./discover/discover.js";
import { ruleHelpMarkdown } from "./package-info.js";
import type { LevelSetting } from "./engine/rule.js";
import type { NamedHost } from "./model/topology.js";
import { levelRank, LEVELS } from "./engine/rule.js";
import { TOOL_VERSION } from "./package-info.js";
import { TerminalProgress } from "./progress.js";
import { formatters, isFormatName, render, type FormatName } from "./reporters/index.js";
import { allRules } from "../rules/index.js";

const USAGE = `Usage: stacklint [options] [paths...]

Analyzes OpenStack configuration (Swift proxy, keystonemiddleware, oslo.cache) for what breaks
the memcached control path. Paths are files, directories or support-bundle archives
(.tar, .tar.gz, .tgz, .tar.xz, .tar.bz2 as sosreport writes them, also inside folders); default: .
An archive member is shown as ARCHIVE!/MEMBER.

Options:
  --format <name>         human (default), json, sarif, github, junit, markdown or html;
                          repeat for several outputs
  --output <file>         write the preceding --format to <file> (default: stdout)
  --fail-on <level>       error (default), warning, note or never: exit 1 at or above it
  --category <id>         SARIF automationDetails.id, code scanning's category (default: stacklint)
  --rule <id|name>=<lvl>  set a rule's level: off, note, warning or error (repeatable)
  --log-year <year>       the year of log timestamps that have none (syslog, journalctl short);
                          default: the bundle's date file, the journal header, else the file's mtime
  --host <name>=<addr,…>  name a host and its addresses (repeatable), for inputs that lack them
  --max-archive-bytes <n> stop reading an archive that expands past n bytes (suffixes K, M, G, T;
                          default 16G); members read before the limit are still analyzed
  --max-archive-ratio <n> stop reading an archive that expands more than n times its size
                          (checked past 16 MiB; default 200): the decompression-bomb guard
  -q, --quiet             no progress line on stderr (it only appears on a terminal anyway)
  --config <file>         the config file (default: the nearest .stacklint.json / .stacklint.yaml
                          from the inputs upward, up to the repository root); flags override it
  --no-config             use no config file
  --baseline <file>       hide findings recorded in this baseline; report entries that no longer match
  --baseline-write <file> record the current findings as a baseline (they then count as baselined)
  --sarif-omit-suppressed leave suppressed findings out of SARIF (GitHub ignores SARIF suppressions)
  --explain <id|name>     print a rule's documentation and exit
  --list-rules            print the rules and exit
  --no-color              no ANSI colours in the human report
  --debug                 print stack traces for internal errors
  -h, --help              this help
  -v, --version           the version

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 usage, config or
internal error. Suppressed and baselined findings never count.
Example: stacklint etc/ --format human --format sarif --output stacklint.sarif`;

interface OutputRequest {
  format: FormatName;
  file?: string;
}

export async function main(argv: readonly string[]): Promise<number> {
  let debug = argv.includes("--debug");
  try {
    const { values, positionals, tokens } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      tokens: true,
      options: {
        format: { type: "string", multiple: true },
        output: { type: "string", short: "o", multiple: true },
        "fail-on": { type: "string" },
        category: { type: "string" },
        rule: { type: "string", multiple: true },
        "log-year": { type: "string" },
        host: { type: "string", multiple: true },
        "max-archive-bytes": { type: "string" },
        "max-archive-ratio": { type: "string" },
        quiet: { type: "boolean", short: "q" },
        config: { type: "string" },
        "no-config": { type: "boolean" },
        baseline: { type: "string" },
        "baseline-write": { type: "string" },
        "sarif-omit-suppressed": { type: "boolean" },
        explain: { type: "string" },
        "list-rules": { type: "boolean" },
        "no-color": { type: "boolean" },
        debug: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    });
    debug = values.debug === true;
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (values.version) {
      process.stdout.write(`${TOOL_VERSION}\n`);
      return 0;
    }
    if (values.explain !== undefined) {
      process.stdout.write(explainRule(values.explain));
      return 0;
    }
    const inputs = positionals.length > 0 ? positionals : ["."];
    if (values.config !== undefined && values["no-config"]) throw new UsageError("--config and --no-config exclude each other");
    const config = loadConfig(values.config, values["no-config"] === true, inputs);
    // Flags override the file: rule by rule, setting by setting, host by host.
    const ruleLevels = new Map([...(config?.ruleLevels ?? []), ...resolveRuleLevels(parseRuleLevels(values.rule ?? []))]);
    if (values["list-rules"]) {
      process.stdout.write(listRules(ruleLevels));
      return 0;
    }
    const failOn = values["fail-on"] ?? "error";
    if (failOn !== "never" && !(LEVELS as readonly string[]).includes(failOn)) {
      throw new UsageError(`--fail-on must be error, warning, note or never (got '${failOn}')`);
    }
    const outputs = pairOutputs(tokens ?? []);
    for (const input of inputs) if (!existsSync(input)) throw new UsageError(`input '${input}' does not exist`);
    const logYearText = values["log-year"];
    if (logYearText !== undefined && !/^(?:19|20)\d{2}$/u.test(logYearText)) throw new UsageError(`--log-year must be a year such as 2024 (got '${logYearText}')`);
    const cliHosts = parseNamedHosts(values.host ?? []);
    const cliHostNames = new Set(cliHosts.map((h) => h.name.toLowerCase()));
    const hosts = [...(config?.hosts ?? []).filter((h) => !cliHostNames.has(h.name.toLowerCase())), ...cliHosts];
    const settings = { ...(config?.settings ?? {}), ...(logYearText ? { logYear: Number(logYearText) } : {}) };
    const baseline = values.baseline !== undefined && values["baseline-write"] === undefined ? loadBaseline(values.baseline) : undefined;
    const archiveLimits = {
      ...(values["max-archive-bytes"] !== undefined ? { maxExpandedBytes: parseByteSize(values["max-archive-bytes"], "--max-archive-bytes") } : {}),
      ...(values["max-archive-ratio"] !== undefined ? { maxRatio: parsePositive(values["max-archive-ratio"], "--max-archive-ratio") } : {}),
    };
    const progress = values.quiet !== true && process.stderr.isTTY === true ? new TerminalProgress(process.stderr) : null;
    let result;
    try {
      result = await analyze({
        inputs,
        ruleLevels,
        hosts,
        settings,
        archiveLimits,
        ...(progress ? { onProgress: progress.update } : {}),
        ...(config && config.ignore.length > 0 ? { ignore: { patterns: config.ignore, directory: config.directory } } : {}),
        ...(baseline ? { baseline } : {}),
      });
    } finally {
      progress?.finish();
    }
    const baselineFile = values["baseline-write"];
    if (baselineFile !== undefined) {
      const written = createBaseline(result.findings);
      const text = formatBaseline(written);
      writeFileSync(baselineFile, text);
      process.stderr.write(`stacklint: wrote ${written.entries.length} baseline entr${written.entries.length === 1 ? "y" : "ies"} (${result.findings.length} finding${result.findings.length === 1 ? "" : "s"}) to ${baselineFile}\n`);
      result = withBaseline(result, { baseline: written, file: displayPathFor(path.resolve(baselineFile), process.cwd()), lines: text.split("\n") });
    }
    const internal = result.diagnostics.filter((d) => d.code === "internal-error");
    const color = values["no-color"] !== true && process.stdout.isTTY === true && !process.env.NO_COLOR;
    for (const output of outputs) {
      const text = render(result, output.format, {
        color: output.file ? false : color,
        omitSuppressed: values["sarif-omit-suppressed"] === true,
        ...(values.category ? { category: values.category } : {}),
      });
      if (output.file) writeFileSync(output.file, text);
      else process.stdout.write(text);
    }
    if (internal.length > 0) {
      process.stderr.write(`stacklint: internal error: ${internal[0]!.message}\n`);
      return 2;
    }
    if (failOn === "never") return 0;
    const threshold = levelRank(failOn as (typeof LEVELS)[number]);
    return result.findings.some((f) => levelRank(f.level) >= threshold) ? 1 : 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const usage = error instanceof UsageError || (error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"));
    const hint = error instanceof ConfigError ? " (see docs/configuration.md)" : usage ? " (see --help)" : "";
    process.stderr.write(`stacklint: ${usage ? "" : "internal error: "}${message.replace(/\s*\n\s*/gu, " ")}${hint}\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return 2;
  }
}

/** `--format A [--output F] --format B …`: each --output belongs to the --format before it. */
function pairOutputs(tokens: ReturnType<typeof parseArgs>["tokens"] & object): OutputRequest[] {
  const outputs: OutputRequest[] = [];
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    if (token.name === "format") {
      const name = token.value ?? "";
      if (!isFormatName(name)) throw new UsageError(`unknown format '${name}'; choose one of ${Object.keys(formatters).join(", ")}`);
      outputs.push({ format: name });
    } else if (token.name === "output") {
      const last = outputs[outputs.length - 1];
      if (!last) outputs.push({ format: "human", file: token.value! });
      else if (last.file) throw new UsageError(`--output '${token.value}' follows another --output; put a --format before each output file`);
      else last.file = token.value!;
    }
  }
  if (outputs.length === 0) outputs.push({ format: "human" });
  if (outputs.filter((o) => !o.file).length > 1) throw new UsageError("only one --format can go to standard output; give the others an --output file");
  return outputs;
}

/** `16G`, `512M`, `1048576`: binary multiples (K = 1024). */
function parseByteSize(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/iu.exec(text.trim());
  const value = match ? Number(match[1]) * 1024 ** " KMGT".indexOf((match[2] || " ").toUpperCase()) : NaN;
  if (!Number.isFinite(value) || value < 1) throw new UsageError(`${flag} takes a size such as 16G, 512M or 1048576 (got '${text}')`);
  return Math.floor(value);
}

function parsePositive(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+(?:\.\d+)?$/u.test(text.trim()) || !(value > 0)) throw new UsageError(`${flag} takes a positive number (got '${text}')`);
  return value;
}

/** `--host ctl1=10.0.0.11,fd00::11`: a host name and one or more addresses. */
function parseNamedHosts(specs: readonly string[]): NamedHost[] {
  return specs.map((spec) => {
    const match = /^([\w.-]+)=([0-9A-Fa-f.:]+(?:,[0-9A-Fa-f.:]+)*)$/u.exec(spec.trim());
    if (!match) throw new UsageError(`--host takes NAME=ADDR[,ADDR…] with IP addresses (got '${spec}')`);
    return { name: match[1]!, addresses: match[2]!.split(",") };
  });
}

function parseRuleLevels(specs: readonly string[]): Map<string, LevelSetting> {
  const levels = new Map<string, LevelSetting>();
  for (const spec of specs) {
    const match = /^([\w-]+)=(off|note|warning|error)$/u.exec(spec.trim());
    if (!match) throw new UsageError(`--rule takes ID_OR_NAME=off|note|warning|error (got '${spec}')`);
    levels.set(match[1]!, match[2] as LevelSetting);
  }
  return levels;
}

/** The config file named with --config, or the one found from the inputs; null with --no-config or none found. */
function loadConfig(file: string | undefined, disabled: boolean, inputs: readonly string[]): LoadedConfig | null {
  if (disabled) return null;
  const cwd = process.cwd();
  if (file !== undefined) {
    if (!existsSync(file)) throw new ConfigError(`config file '${file}' does not exist`);
    return loadConfigFile(file, cwd);
  }
  const found = findConfigFile(inputs.filter((input) => existsSync(input)), cwd);
  return found ? loadConfigFile(found, cwd) : null;
}

function loadBaseline(file: string): LoadedBaseline {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`baseline '${file}' cannot be read; write one with --baseline-write ${file}`);
  }
  const loaded = parseBaseline(text, displayPathFor(path.resolve(file), process.cwd()));
  if ("error" in loaded) throw new UsageError(loaded.error);
  return loaded;
}

/** The rule's page (docs/rules/<name>.md), as shipped in the package. */
function explainRule(wanted: string): string {
  const rule = allRules.find((r) => r.id.toLowerCase() === wanted.toLowerCase() || r.name === wanted.toLowerCase());
  if (!rule) {
    const suggestion = closestName(wanted, allRules.flatMap((r) => [r.id, r.name]));
    throw new UsageError(`--explain: unknown rule '${wanted}'${suggestion ? `; did you mean '${suggestion}'?` : ""}`);
  }
  const page = ruleHelpMarkdown(rule.name);
  if (page.trim() === "") throw new Error(`the documentation page docs/rules/${rule.name}.md is missing from this installation`);
  return page.endsWith("\n") ? page : `${page}\n`;
}

const CATEGORIES: Record<string, string> = { "1": "client", "2": "server", "3": "network", "4": "runtime" };

/** ID, name, level in force (and the default when the config or a flag changed it), category, summary. */
function listRules(levels: ReadonlyMap<string, LevelSetting>): string {
  const rows = allRules.map((rule) => {
    const level = levels.get(rule.id) ?? rule.level;
    return [rule.id, rule.name, level === rule.level ? level : `${level} (default ${rule.level})`, CATEGORIES[rule.id.charAt(2)] ?? "", rule.summary];
  });
  const headers = ["ID", "NAME", "LEVEL", "CATEGORY", "SUMMARY"];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), headers[i]!.length));
  const line = (r: string[]) => `${r.slice(0, 4).map((c, i) => c.padEnd(widths[i]!)).join("  ")}  ${r[4]}`.trimEnd();
  return `${[line(headers), ...rows.map(line)].join("\n")}\n`;
}

if (invokedDirectly(import.meta.url)) {
  // Ctrl-C or a kill ends the run through process.exit, so analyze's exit handler removes its temp folder.
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(signal === "SIGINT" ? 130 : 143));
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`stacklint: internal error: ${String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
