#!/usr/bin/env node
import { existsSync, realpathSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { analyze, resolveRuleLevels, UsageError } from "./analyze.js";
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
  --format <name>         human (default), json or sarif; repeat for several outputs
  --output <file>         write the preceding --format to <file> (default: stdout)
  --fail-on <level>       error (default), warning, note or never: exit 1 at or above it
  --rule <id|name>=<lvl>  set a rule's level: off, note, warning or error (repeatable)
  --log-year <year>       the year of log timestamps that have none (syslog, journalctl short);
                          default: the bundle's date file, the journal header, else the file's mtime
  --host <name>=<addr,…>  name a host and its addresses (repeatable), for inputs that lack them
  --max-archive-bytes <n> stop reading an archive that expands past n bytes (suffixes K, M, G, T;
                          default 16G); members read before the limit are still analyzed
  --max-archive-ratio <n> stop reading an archive that expands more than n times its size
                          (checked past 16 MiB; default 200): the decompression-bomb guard
  -q, --quiet             no progress line on stderr (it only appears on a terminal anyway)
  --list-rules            print the rules and exit
  --no-color              no ANSI colours in the human report
  --debug                 print stack traces for internal errors
  -h, --help              this help
  -v, --version           the version

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 usage or internal error.
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
        rule: { type: "string", multiple: true },
        "log-year": { type: "string" },
        host: { type: "string", multiple: true },
        "max-archive-bytes": { type: "string" },
        "max-archive-ratio": { type: "string" },
        quiet: { type: "boolean", short: "q" },
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
    const ruleLevels = parseRuleLevels(values.rule ?? []);
    const resolvedLevels = resolveRuleLevels(ruleLevels);
    if (values["list-rules"]) {
      process.stdout.write(listRules(resolvedLevels));
      return 0;
    }
    const failOn = values["fail-on"] ?? "error";
    if (failOn !== "never" && !(LEVELS as readonly string[]).includes(failOn)) {
      throw new UsageError(`--fail-on must be error, warning, note or never (got '${failOn}')`);
    }
    const outputs = pairOutputs(tokens ?? []);
    const inputs = positionals.length > 0 ? positionals : ["."];
    for (const input of inputs) if (!existsSync(input)) throw new UsageError(`input '${input}' does not exist`);
    const logYearText = values["log-year"];
    if (logYearText !== undefined && !/^(?:19|20)\d{2}$/u.test(logYearText)) throw new UsageError(`--log-year must be a year such as 2024 (got '${logYearText}')`);
    const hosts = parseNamedHosts(values.host ?? []);
    const archiveLimits = {
      ...(values["max-archive-bytes"] !== undefined ? { maxExpandedBytes: parseByteSize(values["max-archive-bytes"], "--max-archive-bytes") } : {}),
      ...(values["max-archive-ratio"] !== undefined ? { maxRatio: parsePositive(values["max-archive-ratio"], "--max-archive-ratio") } : {}),
    };
    const progress = values.quiet !== true && process.stderr.isTTY === true ? new TerminalProgress(process.stderr) : null;
    let result;
    try {
      result = await analyze({ inputs, ruleLevels, hosts, archiveLimits, ...(progress ? { onProgress: progress.update } : {}), ...(logYearText ? { settings: { logYear: Number(logYearText) } } : {}) });
    } finally {
      progress?.finish();
    }
    const internal = result.diagnostics.filter((d) => d.code === "internal-error");
    const color = values["no-color"] !== true && process.stdout.isTTY === true && !process.env.NO_COLOR;
    for (const output of outputs) {
      const text = render(result, output.format, { color: output.file ? false : color });
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
    process.stderr.write(`stacklint: ${usage ? "" : "internal error: "}${message}${usage ? " (see --help)" : ""}\n`);
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

function listRules(levels: ReadonlyMap<string, LevelSetting>): string {
  const rows = allRules.map((rule) => [rule.id, rule.name, levels.get(rule.id) ?? rule.level, rule.summary]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), ["ID", "NAME", "LEVEL"][i]!.length));
  const line = (r: string[]) => `${r.slice(0, 3).map((c, i) => c.padEnd(widths[i]!)).join("  ")}  ${r[3]}`.trimEnd();
  return `${[line(["ID", "NAME", "LEVEL", "SUMMARY"]), ...rows.map(line)].join("\n")}\n`;
}

function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
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
