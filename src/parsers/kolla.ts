import type { Diagnostic } from "../model/diagnostic.js";
import type { SourceLocation } from "../model/source.js";
import { spanOnLine } from "../model/source.js";
import { mapEntries, mapGet, parseYamlFile, scalarContentStart, scalarText, type YamlFile } from "./yaml-located.js";
import type { ArgvItem } from "./memcached-args.js";
import { tokenizeCommandLine } from "./memcached-args.js";

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

/** A Kolla `config.json`: its `command` string as memcached's argv words, located in the JSON. */
export function parseKollaConfigJson(file: string, text: string): { command: { words: ArgvItem[]; location: SourceLocation } | null; diagnostics: Diagnostic[] } {
  // JSON is YAML: the yaml package gives the string's position.
  const yaml = parseYamlFile(file, text);
  const node = mapGet(yaml.root, "command");
  const command = scalarText(node);
  if (!node || command === null) return { command: null, diagnostics: yaml.diagnostics };
  const start = scalarContentStart(node);
  // JSON escapes other than \/ and \" are rare in commands; positions stay right without them.
  const tokenized = tokenizeCommandLine(command, { file, positionOf: (offset) => yaml.positionOf(start + offset), escapes: "shell", variables: "shell", shellOperators: true });
  return {
    command: {
      location: yaml.locate(node),
      words: tokenized.words.map((w) => ({ text: w.text, location: w.location, ...(w.spans ? { spans: w.spans } : {}), ...(w.hasTemplate || w.hasVariables ? { opaque: true } : {}) })),
    },
    diagnostics: [...yaml.diagnostics, ...tokenized.diagnostics],
  };
}
