import type { Diagnostic } from "../model/diagnostic.js";
import type { SourceLocation } from "../model/source.js";
import { spanOnLine } from "../model/source.js";
import { mapEntries, mapGet, parseYamlFile, scalarContentStart, scalarText, type YamlFile } from "./yaml-located.js";
import type { ShellWord } from "./memcached-args.js";
import { tokenizeCommandLine } from "./memcached-args.js";
import { seqItems } from "./yaml-located.js";
import { positionInLocated } from "./systemd-unit.js";

/**
 * Kolla-Ansible config repos: `globals.yml` (variables), Ansible inventories (INI or YAML:
 * groups, `[group:children]`, host variables such as `ansible_host` / `api_interface_address`),
 * and rendered `config.json` files (`{"command": "/usr/bin/memcached …"}`).
 */
export interface LocatedScalar {
  readonly value: string;
  readonly location: SourceLocation;
}

export interface KollaGlobals {
  readonly file: string;
  readonly variables: Map<string, LocatedScalar>;
  readonly diagnostics: Diagnostic[];
}

export function parseKollaGlobals(file: string, text: string): KollaGlobals {
  const yaml = parseYamlFile(file, text);
  const variables = new Map<string, LocatedScalar>();
  for (const { key, value, keyNode } of mapEntries(yaml.root)) {
    const scalar = scalarText(value);
    if (scalar !== null) variables.set(key, { value: scalar, location: yaml.locate(value ?? keyNode) });
  }
  return { file, variables, diagnostics: yaml.diagnostics };
}

/** Every value of a YAML file (passwords.yml): only for the secret registry, never shown. */
export function yamlSecretValues(file: string, text: string): string[] {
  const yaml = parseYamlFile(file, text);
  const out: string[] = [];
  for (const { value } of mapEntries(yaml.root)) {
    const scalar = scalarText(value);
    if (scalar !== null) out.push(scalar);
    else for (const nested of mapEntries(value)) {
      const inner = scalarText(nested.value);
      if (inner !== null) out.push(inner);
    }
  }
  return out;
}

export interface InventoryHost {
  readonly name: string;
  readonly location: SourceLocation;
  readonly variables: Map<string, LocatedScalar>;
}

export interface InventoryGroup {
  readonly name: string;
  readonly location: SourceLocation;
  readonly hosts: string[];
  readonly children: string[];
}

export interface AnsibleInventory {
  readonly file: string;
  readonly hosts: Map<string, InventoryHost>;
  readonly groups: Map<string, InventoryGroup>;
  readonly diagnostics: Diagnostic[];
}

/** INI or YAML, by content: a YAML inventory starts with `all:` or another `name:` mapping. */
export function parseAnsibleInventory(file: string, text: string): AnsibleInventory {
  const firstLine = text.split(/\r?\n/u).find((l) => l.trim() !== "" && !/^\s*[#;]/u.test(l)) ?? "";
  return /^[\w.-]+:\s*$/u.test(firstLine.trim()) || firstLine.trim() === "---" ? parseYamlInventory(file, text) : parseIniInventory(file, text);
}

function parseIniInventory(file: string, text: string): AnsibleInventory {
  const hosts = new Map<string, InventoryHost>();
  const groups = new Map<string, InventoryGroup>();
  const diagnostics: Diagnostic[] = [];
  let section: { name: string; kind: "hosts" | "children" | "vars" } = { name: "ungrouped", kind: "hosts" };
  const group = (name: string, location: SourceLocation): InventoryGroup => {
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { name, location, hosts: [], children: [] }));
    return g;
  };
  text.split(/\r\n|\n|\r/u).forEach((raw, index) => {
    // search + slice, not /\s[#;].*$/: that regex retried from every ' #' when `.` met a line separator.
    const comment = raw.search(/\s[#;]/u);
    const uncommented = comment === -1 ? raw : raw.slice(0, comment);
    const line = /^\s*[#;]/u.test(uncommented) ? "" : uncommented.trim();
    if (line === "") return;
    const header = /^\[([^\]:]+)(?::(children|vars))?\]$/u.exec(line);
    if (header) {
      section = { name: header[1]!, kind: (header[2] as "children" | "vars" | undefined) ?? "hosts" };
      if (section.kind !== "vars") group(section.name, spanOnLine(file, index + 1, raw.indexOf("[") + 1, line.length));
      return;
    }
    const words = line.split(/\s+/u);
    const first = words[0]!;
    const location = spanOnLine(file, index + 1, raw.indexOf(first) + 1, first.length);
    if (section.kind === "vars") return;
    if (section.kind === "children") {
      group(section.name, location).children.push(first);
      return;
    }
    const variables = new Map<string, LocatedScalar>();
    for (const word of words.slice(1)) {
      const eq = word.indexOf("=");
      if (eq <= 0) continue;
      const value = word.slice(eq + 1).replace(/^(["'])(.*)\1$/u, "$2");
      variables.set(word.slice(0, eq), { value, location: spanOnLine(file, index + 1, raw.indexOf(word) + eq + 2, word.length - eq - 1) });
    }
    for (const name of expandHostPattern(first)) {
      const existing = hosts.get(name);
      if (existing) for (const [k, v] of variables) existing.variables.set(k, v);
      else hosts.set(name, { name, location, variables });
      group(section.name, location).hosts.push(name);
    }
  });
  return { file, hosts, groups, diagnostics };
}

/** Ansible's `ctl[1:3]` ranges. */
function expandHostPattern(pattern: string): string[] {
  const range = /^(.*)\[(\d+):(\d+)\](.*)$/u.exec(pattern);
  if (!range) return [pattern];
  const [, prefix, from, to, suffix] = range;
  const out: string[] = [];
  for (let n = Number(from); n <= Number(to) && out.length < 1000; n++) out.push(`${prefix}${String(n).padStart(from!.length, "0")}${suffix}`);
  return out;
}

function parseYamlInventory(file: string, text: string): AnsibleInventory {
  const yaml = parseYamlFile(file, text);
  const hosts = new Map<string, InventoryHost>();
  const groups = new Map<string, InventoryGroup>();
  const visit = (name: string, node: ReturnType<typeof mapGet>, keyLocation: SourceLocation, y: YamlFile) => {
    const g: InventoryGroup = groups.get(name) ?? { name, location: keyLocation, hosts: [], children: [] };
    groups.set(name, g);
    for (const h of mapEntries(mapGet(node, "hosts"))) {
      const variables = new Map<string, LocatedScalar>();
      for (const v of mapEntries(h.value)) {
        const s = scalarText(v.value);
        if (s !== null) variables.set(v.key, { value: s, location: y.locate(v.value) });
      }
      const existing = hosts.get(h.key);
      if (existing) for (const [k, v] of variables) existing.variables.set(k, v);
      else hosts.set(h.key, { name: h.key, location: y.locate(h.keyNode), variables });
      g.hosts.push(h.key);
    }
    for (const child of mapEntries(mapGet(node, "children"))) {
      g.children.push(child.key);
      visit(child.key, child.value, y.locate(child.keyNode), y);
    }
  };
  for (const top of mapEntries(yaml.root)) visit(top.key, top.value, yaml.locate(top.keyNode), yaml);
  return { file, hosts, groups, diagnostics: yaml.diagnostics };
}

/** Hosts of a group with its children, in first-seen order, cycles ignored. */
export function groupHosts(inventory: AnsibleInventory, name: string, seen = new Set<string>()): string[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const group = inventory.groups.get(name);
  if (!group) return [];
  const out = [...group.hosts];
  for (const child of group.children) for (const h of groupHosts(inventory, child, seen)) if (!out.includes(h)) out.push(h);
  return [...new Set(out)];
}

/** A container's command as shell words (operators kept), located in its file. */
export interface ContainerCommand {
  /** The shell text the words come from ("" for an argv list). */
  readonly text: string;
  readonly words: ShellWord[];
  readonly location: SourceLocation;
}

/**
 * A Kolla `config.json` (Kolla-Ansible's /etc/kolla/memcached/config.json, or TripleO's
 * /var/lib/kolla/config_files/memcached.json): its `command` string as shell words, located in
 * the JSON. The command is run by kolla_start through a shell, so operators are kept.
 */
export function parseKollaConfigJson(file: string, text: string): { command: ContainerCommand | null; diagnostics: Diagnostic[] } {
  // JSON is YAML: the yaml package gives the string's position.
  const yaml = parseYamlFile(file, text);
  const node = mapGet(yaml.root, "command");
  const command = scalarText(node);
  if (!node || command === null) return { command: null, diagnostics: yaml.diagnostics };
  const start = scalarContentStart(node);
  // JSON escapes other than \/ and \" are rare in commands; positions stay right without them.
  const tokenized = tokenizeCommandLine(command, { file, positionOf: (offset) => yaml.positionOf(start + offset), escapes: "shell", variables: "shell", shellOperators: true });
  const unwrapped = unwrapShellScript(file, command, tokenized.words);
  return { command: { ...unwrapped, location: yaml.locate(node) }, diagnostics: [...yaml.diagnostics, ...tokenized.diagnostics, ...unwrapped.diagnostics] };
}

/**
 * `bash -c 'SCRIPT'` written as one string: what runs is the script, so its words (located inside
 * the quoted word) replace the wrapper's. Anything else is returned as it is.
 */
function unwrapShellScript(file: string, text: string, words: ShellWord[]): { text: string; words: ShellWord[]; diagnostics: Diagnostic[] } {
  const [shell, flag, script] = words;
  const quoted = script?.parts.some((p) => p.kind === "literal" && p.quoted !== "none") ?? false;
  if (!shell || !flag || !script || !quoted || !/(^|\/)(ba|da)?sh$/u.test(shell.text) || !/^-\w*c$/u.test(flag.text)) return { text, words, diagnostics: [] };
  const inner = tokenizeCommandLine(script.text, { file, positionOf: (offset) => positionInLocated(script, offset), escapes: "shell", variables: "shell", shellOperators: true });
  return { text: script.text, words: inner.words, diagnostics: inner.diagnostics };
}

/**
 * TripleO's container startup config (paunch / tripleo_container_manage): either one file per
 * container (`var/lib/tripleo-config/container-startup-config/step_1/memcached.json`, the
 * container's definition at the root) or one file per step
 * (`…/docker-container-startup-config-step_1.json`, `hashed-…`, containers by name). The
 * memcached container's `command` is a list (argv; `["/bin/bash", "-c", "<script>"]` runs the
 * script) or a string; older TripleO wrote `source /etc/sysconfig/memcached; /usr/bin/memcached
 * -p ${PORT} …` there (tripleo-heat-templates docker/services/memcached.yaml).
 */
export function parseTripleoContainerConfig(file: string, text: string): { command: ContainerCommand | null; net: string | null; diagnostics: Diagnostic[] } {
  const yaml = parseYamlFile(file, text);
  const diagnostics = [...yaml.diagnostics];
  const perContainer = /(?:^|\/)memcached\.json$/u.test(file);
  const container = perContainer ? yaml.root : mapGet(yaml.root, "memcached");
  if (!container) return { command: null, net: null, diagnostics };
  const net = scalarText(mapGet(container, "net"));
  const node = mapGet(container, "command");
  if (!node) return { command: null, net, diagnostics };
  const tokenize = (item: NonNullable<typeof node>, value: string, shell: boolean): ShellWord[] => {
    const start = scalarContentStart(item);
    const out = tokenizeCommandLine(value, { file, positionOf: (offset) => yaml.positionOf(start + offset), escapes: "shell", variables: "shell", shellOperators: shell });
    diagnostics.push(...out.diagnostics);
    return out.words;
  };
  const whole = scalarText(node);
  if (whole !== null) {
    const unwrapped = unwrapShellScript(file, whole, tokenize(node, whole, true));
    diagnostics.push(...unwrapped.diagnostics);
    return { command: { text: unwrapped.text, words: unwrapped.words, location: yaml.locate(node) }, net, diagnostics };
  }
  // A list is argv. `bash -c SCRIPT`: the script is what runs; else each item is one word.
  const items = seqItems(node).flatMap((item) => {
    const value = scalarText(item);
    return value === null ? [] : [{ item, value }];
  });
  const dashC = items.findIndex((x, i) => i > 0 && /^-\w*c$/u.test(x.value) && /(^|\/)(ba)?sh$/u.test(items[0]!.value));
  if (dashC > 0 && items[dashC + 1]) {
    const script = items[dashC + 1]!;
    return { command: { text: script.value, words: tokenize(script.item, script.value, true), location: yaml.locate(node) }, net, diagnostics };
  }
  // argv items reach the program as written: no shell, so `$X` is literal.
  const words: ShellWord[] = items.map(({ item, value }) => ({
    text: value,
    raw: value,
    parts: [{ kind: "literal", text: value, quoted: "single" }],
    startOffset: 0,
    endOffset: value.length,
    hasVariables: false,
    hasTemplate: false,
    operator: false,
    location: yaml.locate(item),
  }));
  return { command: { text: "", words, location: yaml.locate(node) }, net, diagnostics };
}
