import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { UsageError } from "../analyze.js";
import { parseCidr, parseIp } from "../engine/ip.js";
import { closestName } from "../engine/did-you-mean.js";
import type { LevelSetting, RuleSettings } from "../engine/rule.js";
import type { NamedHost } from "../model/topology.js";
import { packageRoot } from "../package-info.js";
import { allRules } from "../../rules/index.js";

/** Looked for in this order; two of them in one directory is an error (which one would win is a guess). */
export const CONFIG_FILE_NAMES = [".stacklint.json", ".stacklint.yaml", ".stacklint.yml"] as const;

export const CONFIG_SCHEMA_PATH = path.join(packageRoot, "schemas", "config.schema.json");

/** A config file that cannot be used: exit 2 with this one line. */
export class ConfigError extends UsageError {}

/** The config file's content, checked and converted to what analyze() and the CLI take. */
export interface LoadedConfig {
  /** The file as given or found (absolute). */
  readonly file: string;
  /** Level per rule ID (names already resolved to IDs). */
  readonly ruleLevels: ReadonlyMap<string, LevelSetting>;
  readonly settings: Partial<RuleSettings>;
  readonly hosts: readonly NamedHost[];
  /** Glob patterns relative to `directory`. */
  readonly ignore: readonly string[];
  /** The directory ignore patterns are relative to: the config file's own. */
  readonly directory: string;
}

interface ConfigDocument {
  rules?: Record<string, LevelSetting>;
  thresholds?: Partial<Pick<RuleSettings, "maxConnectionsFloor" | "connectionHeadroom" | "listenBacklogFloor" | "memoryFloorMb" | "causeWindowSeconds" | "restartWindowSeconds" | "authBurstWindowSeconds" | "authBurstMinimum">>;
  trustedNetworks?: string[];
  hosts?: Record<string, { addresses: string[]; role?: string }>;
  ignore?: string[];
  logYear?: number;
}

/**
 * Finds the config file for a run, the way ESLint and Ruff users expect: from each input (its
 * directory, or the directory holding a named file) upward, the nearest directory that has a
 * `.stacklint.json`, `.stacklint.yaml` or `.stacklint.yml`. The search stops at the root of the
 * repository (a directory with `.git`, itself searched) or of the filesystem, so a file in a
 * parent project or the home directory is never picked up by accident. One run has one
 * configuration: inputs whose nearest config files differ are a usage error.
 */
export function findConfigFile(inputs: readonly string[], cwd: string): string | null {
  const found = new Map<string, string>();
  for (const input of inputs) {
    const absolute = path.resolve(cwd, input);
    let directory = isDirectory(absolute) ? absolute : path.dirname(absolute);
    for (;;) {
      const here = CONFIG_FILE_NAMES.map((name) => path.join(directory, name)).filter((candidate) => isFile(candidate));
      if (here.length > 1) throw new ConfigError(`${here.map((f) => displayPath(f, cwd)).join(" and ")} are both config files; keep one`);
      if (here.length === 1) {
        found.set(here[0]!, input);
        break;
      }
      if (existsSync(path.join(directory, ".git"))) break;
      const parent = path.dirname(directory);
      if (parent === directory) break;
      directory = parent;
    }
  }
  if (found.size > 1) {
    const [[a, inputA], [b, inputB]] = [...found] as [[string, string], [string, string]];
    throw new ConfigError(`inputs '${inputA}' and '${inputB}' have different config files (${displayPath(a!, cwd)}, ${displayPath(b!, cwd)}); name one with --config`);
  }
  return found.size === 1 ? [...found.keys()][0]! : null;
}

/** Reads, validates and converts a config file; any problem is a ConfigError naming file, line and key. */
export function loadConfigFile(file: string, cwd: string): LoadedConfig {
  const absolute = path.resolve(cwd, file);
  const shown = displayPath(absolute, cwd);
  let text: string;
  try {
    text = readFileSync(absolute, "utf8");
  } catch (error) {
    const code = error && typeof error === "object" && "code" in error ? String(error.code) : "read error";
    throw new ConfigError(`${shown}: cannot read the config file (${code})`);
  }
  const json = absolute.endsWith(".json");
  // The yaml package reads JSON too (JSON is YAML 1.2); it is used for positions in both cases.
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  let data: unknown;
  if (json) {
    try {
      data = JSON.parse(text);
    } catch (error) {
      // V8 says "at position N" (Node 20) or "(line L column C)" (later versions).
      const message = error instanceof Error ? error.message : "";
      const offset = /at position (\d+)/u.exec(message);
      const lineMatch = /\(line (\d+) column \d+\)/u.exec(message);
      const position = offset ? lineCounter.linePos(Number(offset[1])).line : lineMatch ? Number(lineMatch[1]) : document.errors[0] ? lineCounter.linePos(document.errors[0].pos[0]).line : null;
      throw new ConfigError(`${shown}${position ? `:${position}` : ""}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
  } else {
    const first = document.errors[0];
    if (first) {
      throw new ConfigError(`${shown}:${lineCounter.linePos(first.pos[0]).line}: not valid YAML (${first.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/u, "")})`);
    }
    data = document.toJS() ?? {};
  }
  const where = (instancePath: readonly (string | number)[]) => {
    const node = nodeAt(document.contents as Node | null, instancePath);
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : null;
    return `${shown}${line ? `:${line}` : ""}: ${dotted(instancePath) || "(top level)"}`;
  };

  const validate = configValidator();
  if (!validate(data)) throw new ConfigError(describeSchemaError(validate.errors![0]!, data, where));
  const config = data as ConfigDocument;

  const ruleLevels = new Map<string, LevelSetting>();
  for (const [key, level] of Object.entries(config.rules ?? {})) {
    const rule = allRules.find((r) => r.id.toLowerCase() === key.toLowerCase() || r.name === key);
    if (!rule) {
      const suggestion = closestName(key, allRules.flatMap((r) => [r.id, r.name]));
      throw new ConfigError(`${where(["rules", key])}: unknown rule '${key}'${suggestion ? `; did you mean '${suggestion}'?` : " (see --list-rules)"}`);
    }
    ruleLevels.set(rule.id, level);
  }
  const hosts: NamedHost[] = Object.entries(config.hosts ?? {}).map(([name, host]) => ({ name, addresses: host.addresses.map((a) => a.replace(/^\[(.*)\]$/u, "$1")), ...(host.role ? { role: host.role } : {}) }));
  const settings: Partial<RuleSettings> = {
    ...(config.thresholds ?? {}),
    ...(config.trustedNetworks ? { trustedNetworks: config.trustedNetworks } : {}),
    ...(config.logYear !== undefined ? { logYear: config.logYear } : {}),
  };
  return { file: absolute, ruleLevels, settings, hosts, ignore: config.ignore ?? [], directory: path.dirname(absolute) };
}

let compiled: ValidateFunction | undefined;

function configValidator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv({ allErrors: false, strict: true });
  // Our own formats, with our own parsers: the rules read these values with the same functions.
  ajv.addFormat("stacklint-cidr", { type: "string", validate: (text: string) => /^[0-9A-Fa-f.:]+(?:\/\d{1,3})?$/u.test(text) && parseCidr(text) !== null });
  ajv.addFormat("stacklint-ip", { type: "string", validate: (text: string) => parseIp(text) !== null });
  compiled = ajv.compile(JSON.parse(readFileSync(CONFIG_SCHEMA_PATH, "utf8")) as object);
  return compiled;
}

/** One readable sentence per ajv error shape the schema can produce. */
function describeSchemaError(error: ErrorObject, data: unknown, where: (p: readonly (string | number)[]) => string): string {
  const at = pointerSegments(error.instancePath);
  const value = valueAt(data, at);
  const params = error.params as Record<string, unknown>;
  // An error inside `propertyNames` (ajv reports the inner keyword and sets propertyName).
  if (error.propertyName !== undefined) {
    const key = error.propertyName;
    const what = at[0] === "rules" ? "is not a rule ID (SL101) or name (memcache-single-server)" : "is not a host name (letters, digits, '.', '_' and '-')";
    return `${where([...at, key])}: '${key}' ${what}`;
  }
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      const known = Object.keys(schemaPropertiesAt(at));
      const suggestion = closestName(key, known);
      return `${where([...at, key])}: unknown key '${key}'${suggestion ? `; did you mean '${suggestion}'?` : known.length > 0 ? ` (known keys: ${known.join(", ")})` : ""}`;
    }
    case "propertyNames": {
      const key = String(params.propertyName);
      const what = at[0] === "rules" ? "is not a rule ID (SL101) or name (memcache-single-server)" : "is not a host name (letters, digits, '.', '_' and '-')";
      return `${where([...at, key])}: '${key}' ${what}`;
    }
    case "enum":
      return `${where(at)}: ${JSON.stringify(value)} is not one of ${(params.allowedValues as unknown[]).map((v) => String(v)).join(", ")}`;
    case "format":
      return `${where(at)}: '${String(value)}' is not ${params.format === "stacklint-cidr" ? "a network in CIDR notation (203.0.113.0/24, 2001:db8::/32)" : "an IP address"}`;
    case "required":
      return `${where(at)}: '${String(params.missingProperty)}' is required`;
    case "type":
      return `${where(at)}: must be ${params.type === "object" ? "a mapping" : params.type === "array" ? "a list" : `${params.type === "integer" ? "an" : "a"} ${String(params.type)}`} (got ${describeValue(value)})`;
    case "uniqueItems":
      return `${where(at)}: lists the same value twice (items ${String(params.j)} and ${String(params.i)})`;
    default:
      return `${where(at)}: ${error.message ?? error.keyword}`;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** The schema's `properties` at an instance path, for did-you-mean on unknown keys. */
function schemaPropertiesAt(at: readonly (string | number)[]): Record<string, unknown> {
  let schema = JSON.parse(readFileSync(CONFIG_SCHEMA_PATH, "utf8")) as { properties?: Record<string, unknown>; additionalProperties?: unknown };
  for (const segment of at) {
    const next = (schema.properties?.[String(segment)] ?? schema.additionalProperties) as typeof schema | undefined;
    if (!next || typeof next !== "object") return {};
    schema = next;
  }
  return schema.properties ?? {};
}

function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/gu, "/").replace(/~0/gu, "~"))
    .map((s) => (/^\d+$/u.test(s) ? Number(s) : s));
}

function valueAt(data: unknown, at: readonly (string | number)[]): unknown {
  let value = data;
  for (const segment of at) value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[String(segment)] : undefined;
  return value;
}

/** `thresholds.maxConnectionsFloor`, `hosts.ctl1.addresses[0]`. */
function dotted(at: readonly (string | number)[]): string {
  return at.map((s, i) => (typeof s === "number" ? `[${s}]` : `${i === 0 ? "" : "."}${/^[\w-]+$/u.test(s) ? s : JSON.stringify(s)}`)).join("");
}

/** The YAML (or JSON) node at a path: the key's node for a mapping key, for the line number. */
function nodeAt(root: Node | null, at: readonly (string | number)[]): Node | null {
  let node: Node | null = root;
  let last: Node | null = root;
  for (const [index, segment] of at.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return last;
      // For the last segment, the key's line (where the reader looks); else descend into the value.
      if (index === at.length - 1) return (pair.key as Node | null) ?? last;
      last = (pair.key as Node | null) ?? last;
      node = (pair.value as Node | null) ?? null;
    } else if (isSeq(node) && typeof segment === "number") {
      node = (node.items[segment] as Node | undefined) ?? null;
      if (node) last = node;
    } else {
      return last;
    }
  }
  return node ?? last;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function displayPath(absolute: string, cwd: string): string {
  const relative = path.relative(cwd, absolute);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? absolute : relative.split(path.sep).join("/");
}
