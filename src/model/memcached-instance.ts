import path from "node:path";
import { isPublicAddress, parseIp } from "../engine/ip.js";
import { isMemcachedService, type ComposeArg, type ComposeService } from "../parsers/compose.js";
import { assignmentValue, envFileValues, type EnvFile } from "../parsers/env-file.js";
import { groupHosts, type AnsibleInventory, type ContainerCommand, type KollaGlobals, type LocatedScalar } from "../parsers/kolla.js";
import type { ArgvItem, EffectiveValue, MemcachedArgs, ShellWord } from "../parsers/memcached-args.js";
import { parseMemcachedArgs, parseMemcachedCommandLine, splitShellCommands, MEMCACHED_DEFAULTS } from "../parsers/memcached-args.js";
import type { MemcachedConf } from "../parsers/memcached-conf.js";
import type { ParsedTopologyFile } from "../parsers/topology-document.js";
import {
  environmentMap,
  expandSystemdVariables,
  mergeSystemdService,
  orderDropIns,
  substituteWordSpecifiers,
  unitNameOf,
  type EnvironmentValue,
  type SystemdService,
  type SystemdUnitFile,
} from "../parsers/systemd-unit.js";
import type { Diagnostic } from "./diagnostic.js";
import type { InstanceSetting, MemcachedInstance, MemcachedListener, MemcachedSourceKind, PublishedPort, SettingOrigin } from "./deployment.js";
import { isLoopbackHost } from "./server-list.js";
import type { SourceLocation } from "./source.js";
import { wholeFile } from "./source.js";

/**
 * memcached instances from every launch source, normalized to one shape that remembers where
 * each value came from. Rules see only the result (ARCHITECTURE.md: "fires the same whether
 * `-l 127.0.0.1` came from a systemd unit, /etc/memcached.conf, …").
 */
const MEMCACHED: SettingOrigin = { kind: "default", product: "memcached" };
const KOLLA: SettingOrigin = { kind: "default", product: "Kolla-Ansible" };

/** Kolla-Ansible's memcached role defaults (REFERENCE-openstack.md §3.1). */
export const KOLLA_MEMCACHED_DEFAULTS = { memcached_port: "11211", memcached_connection_limit: "5000", memcached_max_memory: "256" } as const;

export interface InstanceBuild {
  readonly instances: MemcachedInstance[];
  readonly diagnostics: Diagnostic[];
  /** Kolla inventory hosts (name → api address), for the host list. */
  readonly inventoryHosts: { readonly hostId: string; readonly name: string; readonly address: LocatedScalar | null; readonly inventoryFile: string }[];
}

export function scopeOf(address: string | null): MemcachedListener["scope"] {
  if (address === null || address === "*" || address === "0.0.0.0" || address === "::" || address === "[::]") return "wildcard";
  if (isLoopbackHost(address)) return "loopback";
  const ip = parseIp(address.replace(/^\[|\]$/gu, ""));
  if (!ip) return /[{}$<%]/u.test(address) ? "unknown" : "hostname";
  return isPublicAddress(ip) ? "public" : "private";
}

function setting<T>(value: EffectiveValue<T>, defaultOrigin: SettingOrigin = MEMCACHED): InstanceSetting<T> {
  if (value.source === "default" || !value.location) return { value: value.value, origin: defaultOrigin };
  return { value: value.unknown ? null : value.value, origin: { kind: "file", location: value.location } };
}

interface InstanceSeed {
  readonly hostId: string;
  readonly source: MemcachedSourceKind;
  readonly name: string;
  readonly origin: SourceLocation;
  readonly files: string[];
  readonly args: MemcachedArgs;
  readonly nofile?: InstanceSetting<number | "infinity"> | null;
  readonly container?: { readonly networkMode: string | null; readonly published: PublishedPort[] };
  /** Values a deployment tool sets when the command line leaves them out (Kolla). */
  readonly toolDefaults?: Partial<Record<"maxConnections" | "memoryLimitMb" | "tcpPort", { value: number; origin: SettingOrigin }>>;
}

export function instanceFromArgs(seed: InstanceSeed): MemcachedInstance {
  const e = seed.args.effective;
  const port = setting(e.tcpPort);
  const tcpPort = port.value ?? null;
  const listenValues = e.listen.value ?? [];
  const tcpOff = tcpPort === 0 || e.unixSocket.value !== null;
  const listeners: MemcachedListener[] = tcpOff
    ? []
    : listenValues.map((a) => ({
        address: a.family === "wildcard" ? null : a.host,
        port: a.port ?? tcpPort ?? MEMCACHED_DEFAULTS.tcpPort,
        scope: a.family === "unknown" ? "unknown" : scopeOf(a.family === "wildcard" ? null : a.host),
        location: a.location,
      }));
  const tool = seed.toolDefaults ?? {};
  const pick = (value: EffectiveValue<number>, key: keyof NonNullable<InstanceSeed["toolDefaults"]>): InstanceSetting<number> =>
    value.source === "default" && tool[key] ? { value: tool[key]!.value, origin: tool[key]!.origin } : setting(value);
  return {
    id: `${seed.source}@${seed.origin.file}#${seed.name}`,
    hostId: seed.hostId,
    source: seed.source,
    name: seed.name,
    origin: seed.origin,
    files: [...new Set(seed.files)],
    listeners,
    listenKnown: !e.listen.unknown && listeners.every((l) => l.scope !== "unknown") && seed.args.unresolved.length === 0,
    port: pick(e.tcpPort, "tcpPort"),
    udpPort: setting(e.udpPort),
    maxConnections: pick(e.maxConnections, "maxConnections"),
    listenBacklog: setting(e.listenBacklog),
    memoryLimitMb: pick(e.memoryLimitMb, "memoryLimitMb"),
    threads: setting(e.threads),
    maxItemSizeBytes: setting(e.maxItemSizeBytes),
    nofileLimit: seed.nofile ?? null,
    ...(seed.container ? { container: seed.container } : {}),
    observedListeners: [],
  };
}

/** Builds every launch-configured instance of the deployment. */
export function buildLaunchInstances(files: readonly ParsedTopologyFile[]): InstanceBuild {
  const instances: MemcachedInstance[] = [];
  const diagnostics: Diagnostic[] = [];
  const inventoryHosts: InstanceBuild["inventoryHosts"][number][] = [];
  const hostIds = [...new Set(files.map((f) => f.hostId))].sort();
  for (const hostId of hostIds) {
    const onHost = files.filter((f) => f.hostId === hostId);
    const envFiles = new Map<string, EnvFile>();
    const confs = new Map<string, MemcachedConf>();
    const units: SystemdUnitFile[] = [];
    for (const f of onHost) {
      if (f.document.kind === "memcached-env") envFiles.set(f.file, f.document.env);
      if (f.document.kind === "memcached-conf") confs.set(f.file, f.document.conf);
      if (f.document.kind === "systemd-unit") units.push(f.document.unit);
    }
    const consumedEnv = new Set<string>();
    const consumedConf = new Set<string>();
    /** LimitNOFILE of wrapper units and limit-only drop-ins, by unit prefix. */
    const wrapperLimits = new Map<string, { service: SystemdService; files: string[] }>();

    const enablements = onHost.flatMap((f) => (f.document.kind === "systemd-enablement" ? [{ unit: f.document.unit, file: f.file }] : []));
    const templates = new Set(units.map((u) => unitNameOf(u.file)).filter((n) => n?.template).map((n) => n!.name));
    for (const e of enablements) {
      const n = unitNameOf(e.unit);
      if (n?.instance && !templates.has(`${n.prefix}@.${n.type}`) && !units.some((u) => unitNameOf(u.file)?.name === e.unit)) {
        diagnostics.push({ severity: "note", code: "systemd-template-missing", message: `${e.unit} is enabled, but neither it nor its template ${n.prefix}@.${n.type} is in the inputs; what it runs is unknown`, file: e.file });
      }
    }
    const templateGroups: UnitGroup[] = [];
    const unitGroups = groupUnits(units, enablements.map((e) => e.unit));
    for (const group of unitGroups) {
      const service = mergeSystemdService(group.units);
      diagnostics.push(...service.diagnostics);
      const files = group.units.map((u) => u.file);
      const exec = service.execStart[0];
      const program = exec?.path?.text ?? "";
      const programName = program.slice(program.lastIndexOf("/") + 1);
      if (!exec || !programName.startsWith("memcached")) {
        // Debian's unit runs systemd-memcached-wrapper /etc/memcached.conf; a limits-only drop-in
        // has no ExecStart: both give their limits to the instance the conf file describes.
        wrapperLimits.set(group.prefix, { service, files });
        continue;
      }
      if (group.template) {
        // memcached@.service runs only as instances: `systemctl enable memcached@11211` links one.
        templateGroups.push(group);
        continue;
      }
      const specifiers = { i: group.instance ?? "", I: group.instance ?? "", n: group.name, p: group.prefix };
      const environment = new Map<string, EnvironmentValue>(environmentMap(service.environment));
      for (const ref of service.environmentFiles) {
        const wanted = ref.path.replace(/%i|%I/gu, group.instance ?? "").replace(/^\/+/u, "");
        for (const [file, env] of envFiles) {
          if (!file.endsWith(wanted)) continue;
          consumedEnv.add(file);
          files.push(file);
          // systemd.exec(5): settings from EnvironmentFile= override Environment=.
          for (const [name, a] of envFileValues(env)) environment.set(name, assignmentValue(a));
        }
      }
      const words = substituteWordSpecifiers(exec.args, specifiers);
      const expanded = expandSystemdVariables(words, environment);
      diagnostics.push(...expanded.diagnostics.filter((d) => d.severity !== "note" || d.code !== "systemd-unset-variable"));
      const args = parseMemcachedArgs(expanded.words);
      diagnostics.push(...args.diagnostics);
      const link = enablements.find((e) => e.unit === group.name);
      instances.push(
        instanceFromArgs({ hostId, source: "systemd", name: group.name, origin: exec.entry.valueLocation, files: [...files, ...(link ? [link.file] : [])], args, nofile: nofileOf(service) }),
      );
    }

    for (const template of templateGroups) {
      const prefix = template.name.slice(0, template.name.indexOf("@"));
      if (unitGroups.some((g) => !g.template && g.prefix.startsWith(`${prefix}@`))) continue;
      const main = template.units[0];
      if (main) diagnostics.push({ severity: "note", code: "systemd-template-no-instance", message: `${template.name} is a template: it runs only as instances (${prefix}@<name>.service), and the inputs enable none (no ${prefix}@<name>.service link under a .wants/ folder), so no memcached is modelled from it`, file: main.file, line: 1, column: 1 });
    }

    for (const [file, conf] of confs) {
      const limits = wrapperLimits.get(conf.file.includes("memcached_") ? `memcached@${path.posix.basename(file, ".conf").slice("memcached_".length)}` : "memcached") ?? wrapperLimits.get("memcached");
      consumedConf.add(file);
      const args = parseMemcachedArgs(conf.args);
      diagnostics.push(...args.diagnostics);
      instances.push(
        instanceFromArgs({
          hostId,
          source: "memcached.conf",
          name: path.posix.basename(file, ".conf"),
          origin: conf.args[0]?.location ?? wholeFile(file),
          files: [file, ...(limits?.files ?? [])],
          args,
          nofile: limits ? nofileOf(limits.service) : null,
        }),
      );
    }

    // Container commands (Kolla's config.json, TripleO's): before the sysconfig files, since
    // TripleO's command sources /etc/sysconfig/memcached and so consumes it.
    for (const f of onHost) {
      if ((f.document.kind !== "kolla-config-json" && f.document.kind !== "tripleo-container-config") || !f.document.command) continue;
      const built = containerCommandInstance(hostId, f.file, f.document.kind, f.document.command, envFiles, consumedEnv);
      diagnostics.push(...built.diagnostics);
      if (built.instance) instances.push(built.instance);
    }

    for (const [file, env] of envFiles) {
      if (consumedEnv.has(file)) continue;
      const argv = sysconfigArgv(env);
      if (!argv) continue;
      const args = parseMemcachedArgs(argv.words);
      diagnostics.push(...args.diagnostics);
      const limits = wrapperLimits.get("memcached");
      instances.push(
        instanceFromArgs({ hostId, source: "sysconfig", name: path.posix.basename(file), origin: argv.origin, files: [file, ...(limits?.files ?? [])], args, nofile: limits ? nofileOf(limits.service) : null }),
      );
    }

    for (const f of onHost) {
      if (f.document.kind === "compose") {
        for (const service of f.document.compose.services) {
          if (!isMemcachedService(service)) continue;
          const built = composeInstance(hostId, f.file, service);
          diagnostics.push(...built.diagnostics);
          instances.push(built.instance);
        }
      }
    }

    // A Kolla config repo: the inventory's memcached group, rendered as Kolla's role would.
    const globals = onHost.find((f) => f.document.kind === "kolla-globals");
    for (const f of onHost) {
      if (f.document.kind !== "ansible-inventory") continue;
      const built = kollaInstances(hostId, f.file, f.document.inventory, globals?.document.kind === "kolla-globals" ? globals.document.globals : null);
      instances.push(...built.instances);
      inventoryHosts.push(...built.hosts);
    }
  }
  return { instances, diagnostics, inventoryHosts };
}

interface UnitGroup {
  readonly name: string;
  readonly prefix: string;
  readonly instance: string | null;
  readonly template: boolean;
  readonly units: SystemdUnitFile[];
}

/**
 * Groups unit files and drop-ins by unit name in systemd's load order: the unit file (the /etc
 * copy shadows /usr/lib), then its drop-ins by file name. An instance `memcached@11211` also
 * reads the template `memcached@.service` and the template's drop-ins.
 */
function groupUnits(units: readonly SystemdUnitFile[], enabled: readonly string[] = []): UnitGroup[] {
  const byName = new Map<string, SystemdUnitFile[]>();
  for (const unit of units) {
    const name = unitNameOf(unit.file);
    if (!name) continue;
    const list = byName.get(name.name) ?? [];
    list.push(unit);
    byName.set(name.name, list);
  }
  // An enabled instance with no file of its own runs from the template alone.
  for (const name of enabled) {
    const unitName = unitNameOf(name);
    if (unitName?.instance && !byName.has(name) && byName.has(`${unitName.prefix}@.${unitName.type}`)) byName.set(name, []);
  }
  const groups: UnitGroup[] = [];
  for (const [name, list] of [...byName].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const unitName = unitNameOf(list[0]?.file ?? name)!;
    const templateName = unitName.instance ? `${unitName.prefix}@.service` : null;
    const all = [...list, ...(templateName && templateName !== name ? (byName.get(templateName) ?? []) : [])];
    const mains = all.filter((u) => !/\.d\/[^/]+\.conf$/u.test(u.file));
    const main = mains.sort((a, b) => rank(a.file) - rank(b.file))[0];
    const dropIns = orderDropIns(all.filter((u) => /\.d\/[^/]+\.conf$/u.test(u.file)).map((u) => u.file)).ordered.map((file) => all.find((u) => u.file === file)!);
    groups.push({ name, prefix: unitName.instance !== null ? `${unitName.prefix}@${unitName.instance}` : unitName.prefix, instance: unitName.instance, template: unitName.template, units: [...(main ? [main] : []), ...dropIns] });
  }
  return groups;
}

function rank(file: string): number {
  return file.includes("etc/systemd/") ? 0 : file.includes("run/systemd/") ? 1 : 2;
}

function nofileOf(service: SystemdService): InstanceSetting<number | "infinity"> | null {
  const limit = service.limitNoFile;
  if (!limit) return null;
  return { value: limit.opaque ? null : limit.soft, origin: { kind: "file", location: limit.location } };
}

/**
 * RHEL/upstream `/etc/sysconfig/memcached` as the packaged unit uses it
 * (`ExecStart=/usr/bin/memcached -p ${PORT} -u ${USER} -m ${CACHESIZE} -c ${MAXCONN} $OPTIONS`,
 * memcached:scripts/memcached.service), or SUSE's `MEMCACHED_PARAMS`.
 */
function sysconfigArgv(env: EnvFile): { words: ArgvItem[]; origin: SourceLocation } | null {
  const values = envFileValues(env);
  const words: ArgvItem[] = [];
  let origin: SourceLocation | null = null;
  for (const [variable, option] of [["PORT", "-p"], ["USER", "-u"], ["CACHESIZE", "-m"], ["MAXCONN", "-c"]] as const) {
    const a = values.get(variable);
    if (!a) continue;
    origin ??= a.nameLocation;
    words.push({ text: option, location: a.nameLocation }, { ...assignmentValue(a), ...(a.opaque ? { opaque: true } : {}) });
  }
  for (const variable of ["OPTIONS", "MEMCACHED_PARAMS"]) {
    const a = values.get(variable);
    if (!a) continue;
    origin ??= a.nameLocation;
    const expanded = expandSystemdVariables([{ text: `$${variable}`, location: a.nameLocation }], new Map([[variable, assignmentValue(a)]]));
    words.push(...expanded.words);
  }
  return origin ? { words, origin } : null;
}

/**
 * A container's command as a shell runs it: split at operators, the memcached command is the
 * segment whose program (after `exec`) is memcached. When an earlier segment sources
 * `/etc/sysconfig/memcached` (TripleO: `source /etc/sysconfig/memcached; exec /usr/bin/memcached
 * -p ${PORT} -u ${USER} -m ${CACHESIZE} -c ${MAXCONN} $OPTIONS >> … 2>&1`), its variables are
 * expanded from that file as the container sees it: TripleO mounts
 * var/lib/config-data/puppet-generated/memcached/ as the container's root files
 * (tripleo-heat-templates deployment/memcached/memcached-container-puppet.yaml), so that copy is
 * preferred over the host's own etc/sysconfig/memcached. Unquoted expansions are split at blanks,
 * as bash does.
 */
function containerCommandInstance(
  hostId: string,
  file: string,
  kind: "kolla-config-json" | "tripleo-container-config",
  command: ContainerCommand,
  envFiles: ReadonlyMap<string, EnvFile>,
  consumedEnv: Set<string>,
): { instance: MemcachedInstance | null; diagnostics: Diagnostic[] } {
  const segments = splitShellCommands(command.text, command.words);
  const programOf = (segment: readonly ShellWord[]) => {
    const k = segment[0]?.text === "exec" ? 1 : 0;
    return { word: segment[k], index: k };
  };
  const memcachedIndex = segments.findIndex((seg) => /(^|\/)memcached$/u.test(programOf(seg).word?.text ?? "") || (segments.length === 1 && seg[0]?.text.startsWith("-")));
  if (memcachedIndex < 0) {
    const l = command.location;
    return { instance: null, diagnostics: [{ severity: "note", code: "container-command-not-memcached", message: "the container command runs no `memcached` program stacklint can find; its settings are unknown", file, line: l.line, column: l.column }] };
  }
  const segment = segments[memcachedIndex]!;
  const { word: program, index } = programOf(segment);
  const argsWords = program && !program.text.startsWith("-") ? segment.slice(index + 1) : segment.slice(index);
  // `source FILE` / `. FILE` in an earlier segment.
  const sourced = segments
    .slice(0, memcachedIndex)
    .flatMap((seg) => seg.flatMap((w, i) => ((w.text === "source" || w.text === ".") && seg[i + 1] ? [seg[i + 1]!.text] : [])))
    .find((p) => /(^|\/)sysconfig\/memcached$/u.test(p));
  const diagnostics: Diagnostic[] = [];
  const files = [file];
  let words: ArgvItem[];
  let tripleo = kind === "tripleo-container-config";
  if (sourced) {
    tripleo = true;
    const wanted = sourced.replace(/^\/+/u, "");
    const candidates = [...envFiles.keys()].filter((f) => f.endsWith(wanted)).sort((a, b) => Number(b.includes("puppet-generated/memcached/")) - Number(a.includes("puppet-generated/memcached/")) || (a < b ? -1 : 1));
    const envFile = candidates[0];
    const environment = new Map<string, EnvironmentValue>();
    if (envFile) {
      consumedEnv.add(envFile);
      files.push(envFile);
      for (const [name, a] of envFileValues(envFiles.get(envFile)!)) environment.set(name, assignmentValue(a));
    } else {
      const l = command.location;
      diagnostics.push({ severity: "note", code: "container-sysconfig-missing", message: `the command sources ${sourced}, which is not in the inputs (TripleO keeps it in var/lib/config-data/puppet-generated/memcached${sourced}); the values it sets are unknown`, file, line: l.line, column: l.column });
    }
    // bash splits `${NAME}` like `$NAME`: normalize, then expand as systemd's `$NAME` (split at blanks).
    const normalized = argsWords.map((w) => {
      const braced = /^\$\{(\w+)\}$/u.exec(w.text) ?? /^\$(\w+)$/u.exec(w.text);
      return braced ? { text: `$${braced[1]}`, location: w.location } : toArgv(w);
    });
    const expanded = expandSystemdVariables(normalized, environment);
    words = expanded.words;
  } else {
    words = argsWords.map(toArgv);
  }
  const args = parseMemcachedArgs(words);
  diagnostics.push(...args.diagnostics);
  return { instance: instanceFromArgs({ hostId, source: tripleo ? "tripleo" : "kolla", name: "memcached", origin: command.location, files, args }), diagnostics };
}

function toArgv(w: ShellWord): ArgvItem {
  return { text: w.text, location: w.location, ...(w.spans ? { spans: w.spans } : {}), ...(w.hasTemplate || w.hasVariables ? { opaque: true } : {}) };
}

function composeInstance(hostId: string, file: string, service: ComposeService): { instance: MemcachedInstance; diagnostics: Diagnostic[] } {
  // The entrypoint replaces the image's; the command is appended to it (Compose Specification).
  const words: ComposeArg[] = [...(service.entrypoint?.words ?? []), ...(service.command?.words ?? [])];
  const diagnostics: Diagnostic[] = [];
  let args: MemcachedArgs;
  const shellAt = /(^|\/)(ba|da)?sh$/u.test(words[0]?.text ?? "") ? 0 : -1;
  if (shellAt === 0 && /^-\w*c$/u.test(words[1]?.text ?? "") && words[2]) {
    // `sh -c "… exec memcached …"`: the memcached command inside the script (newlines and
    // here-documents included), each word located in the file.
    const script = words[2];
    const parsed = parseMemcachedCommandLine(file, script.text, { shellOperators: true, positionOf: script.positionOf });
    if (!parsed.program || !/(^|\/)memcached$/u.test(parsed.program.text)) {
      const l = script.location;
      diagnostics.push({ severity: "note", code: "compose-command-not-memcached", message: `service '${service.name}' runs a shell script in which stacklint finds no memcached command; memcached's defaults are assumed`, file, line: l.line, column: l.column });
      args = parseMemcachedArgs([]);
    } else {
      args = parsed;
    }
  } else if (words.length > 0 && /(^|\/)memcached$/u.test(words[0]!.text)) {
    args = parseMemcachedArgs(words.slice(1));
  } else if (service.entrypoint && words.length > 0 && !words[0]!.text.startsWith("-")) {
    // An entrypoint that is not memcached nor a shell (a wrapper script): what it runs is unknown.
    const l = service.entrypoint.location;
    diagnostics.push({ severity: "note", code: "compose-entrypoint-unknown", message: `service '${service.name}' starts through entrypoint '${words[0]!.text}', which stacklint cannot follow; memcached's settings are read from the remaining options only`, file, line: l.line, column: l.column });
    const firstOption = words.findIndex((w) => w.text.startsWith("-"));
    args = parseMemcachedArgs(firstOption < 0 ? [] : words.slice(firstOption));
  } else {
    // The official image's entrypoint runs `memcached "$@"` when the first argument is an option.
    args = parseMemcachedArgs(words.filter((w, i) => i > 0 || w.text.startsWith("-")));
    const official = service.imageResolved !== null && /^(?:(?:docker\.io\/)?(?:library\/)?)memcached(?:[:@]|$)/u.test(service.imageResolved);
    if (words.length === 0 && !official && service.environment.length > 0) {
      // e.g. cusdeb/memcached with PORT=/BIND=/MEM_LIMIT=: the image's own script reads them.
      const l = service.location;
      diagnostics.push({
        severity: "note",
        code: "compose-image-environment",
        message: `service '${service.name}' runs image '${service.imageResolved ?? service.image}' without a command; its environment (${service.environment.map((e) => e.name).join(", ")}) is read by that image's own start script, which stacklint cannot see, so memcached's defaults are assumed`,
        file,
        line: l.line,
        column: l.column,
      });
    }
  }
  const networkMode = service.networkMode?.value ?? null;
  const instance = instanceFromArgs({
    hostId,
    source: "compose",
    name: service.name,
    origin: service.location,
    files: [file],
    args,
    nofile: service.nofile ? { value: service.nofile.value, origin: { kind: "file", location: service.nofile.location } } : null,
    container: {
      networkMode,
      published: service.ports
        .filter((p) => p.hostPort !== null || p.hostAddress !== null || true)
        .map((p) => ({ hostAddress: p.hostAddress, hostPort: p.hostPort ?? p.containerPort, containerPort: p.containerPort, protocol: p.protocol, location: p.location })),
    },
  });
  return { instance, diagnostics: [...diagnostics, ...args.diagnostics] };
}

/**
 * Kolla-Ansible renders `/usr/bin/memcached -v -l {{ api_interface_address }} -p {{ memcached_port }}
 * -c {{ memcached_connection_limit }} -U 0 -m {{ memcached_max_memory }}` for every host of the
 * `memcached` group (ansible/roles/memcached/templates/memcached.json.j2).
 */
function kollaInstances(repoHostId: string, inventoryFile: string, inventory: AnsibleInventory, globals: KollaGlobals | null): { instances: MemcachedInstance[]; hosts: InstanceBuild["inventoryHosts"][number][] } {
  const instances: MemcachedInstance[] = [];
  const hosts: InstanceBuild["inventoryHosts"][number][] = [];
  for (const host of inventory.hosts.values()) {
    const address = host.variables.get("api_interface_address") ?? host.variables.get("ansible_host") ?? null;
    hosts.push({ hostId: kollaHostId(repoHostId, host.name), name: host.name, address, inventoryFile });
  }
  if (globals?.variables.get("enable_memcached")?.value.toLowerCase() === "false" || globals?.variables.get("enable_memcached")?.value.toLowerCase() === "no") return { instances, hosts };
  const variable = (name: keyof typeof KOLLA_MEMCACHED_DEFAULTS): { value: number; origin: SettingOrigin } => {
    const written = globals?.variables.get(name);
    if (written && /^\d+$/u.test(written.value)) return { value: Number(written.value), origin: { kind: "file", location: written.location } };
    return { value: Number(KOLLA_MEMCACHED_DEFAULTS[name]), origin: KOLLA };
  };
  const port = variable("memcached_port");
  const limit = variable("memcached_connection_limit");
  const memory = variable("memcached_max_memory");
  for (const name of groupHosts(inventory, "memcached")) {
    const host = inventory.hosts.get(name);
    if (!host) continue;
    const address = host.variables.get("api_interface_address") ?? host.variables.get("ansible_host") ?? null;
    const listenWord: ArgvItem = address ? { text: address.value, location: address.location } : { text: "{{ api_interface_address }}", location: host.location, opaque: true };
    const words: ArgvItem[] = [
      { text: "-v", location: host.location },
      { text: "-l", location: listenWord.location },
      listenWord,
      { text: "-p", location: host.location },
      { text: String(port.value), location: port.origin.kind === "file" ? port.origin.location : host.location },
      { text: "-c", location: host.location },
      { text: String(limit.value), location: limit.origin.kind === "file" ? limit.origin.location : host.location },
      { text: "-U", location: host.location },
      { text: "0", location: host.location },
      { text: "-m", location: host.location },
      { text: String(memory.value), location: memory.origin.kind === "file" ? memory.origin.location : host.location },
    ];
    const args = parseMemcachedArgs(words);
    const instance = instanceFromArgs({ hostId: kollaHostId(repoHostId, name), source: "kolla", name: "memcached", origin: host.location, files: [inventoryFile, ...(globals ? [globals.file] : [])], args });
    // Values Kolla's template writes come from Kolla's defaults or globals.yml, not from a line of the inventory.
    instances.push({
      ...instance,
      id: `kolla@${inventoryFile}#${name}`,
      port: { value: port.value, origin: port.origin },
      maxConnections: { value: limit.value, origin: limit.origin },
      memoryLimitMb: { value: memory.value, origin: memory.origin },
      udpPort: { value: 0, origin: KOLLA },
    });
  }
  return { instances, hosts };
}

export function kollaHostId(repoHostId: string, name: string): string {
  return `${repoHostId}#${name}`;
}
