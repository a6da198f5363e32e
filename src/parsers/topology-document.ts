import type { TopologyKind } from "../discover/classify.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { parseCompose, parseComposeDotEnv, type ComposeFile } from "./compose.js";
import { parseEnvFile, type EnvFile } from "./env-file.js";
import { parseCpuCount, parseEtcHosts, parseIpAddr, parseKernelRelease, type HostsEntry, type InterfaceAddress, type LocatedValue } from "./host-facts.js";
import { parseAnsibleInventory, parseKollaConfigJson, parseKollaGlobals, parseTripleoContainerConfig, yamlSecretValues, type AnsibleInventory, type ContainerCommand, type KollaGlobals } from "./kolla.js";
import { parseMemcachedConf, type MemcachedConf } from "./memcached-conf.js";
import { parseSocketTable, type SocketTable } from "./sockets.js";
import { parseProcSysFile, parseSysctlConf, parseSysctlDump, type SysctlDocument } from "./sysctl.js";
import { parseSystemdUnit, type SystemdUnitFile } from "./systemd-unit.js";

/** One parsed topology file: what the model builder receives for each TopologyKind. */
export type TopologyDocument =
  | { readonly kind: "systemd-unit"; readonly unit: SystemdUnitFile }
  | { readonly kind: "memcached-env"; readonly env: EnvFile }
  | { readonly kind: "memcached-conf"; readonly conf: MemcachedConf }
  | { readonly kind: "sysctl"; readonly sysctl: SysctlDocument }
  | { readonly kind: "kernel-version"; readonly release: LocatedValue<string> | null }
  | { readonly kind: "cpu-info"; readonly cpus: LocatedValue<number> | null }
  | { readonly kind: "socket-table"; readonly table: SocketTable }
  | { readonly kind: "ip-addr"; readonly addresses: InterfaceAddress[] }
  | { readonly kind: "etc-hosts"; readonly entries: HostsEntry[] }
  | { readonly kind: "compose"; readonly compose: ComposeFile }
  | { readonly kind: "kolla-globals"; readonly globals: KollaGlobals }
  | { readonly kind: "kolla-passwords" }
  | { readonly kind: "ansible-inventory"; readonly inventory: AnsibleInventory }
  | { readonly kind: "kolla-config-json"; readonly command: ContainerCommand | null }
  | { readonly kind: "tripleo-container-config"; readonly command: ContainerCommand | null; readonly net: string | null }
  /** Only the name matters: `multi-user.target.wants/memcached@11211.service` enables that instance. */
  | { readonly kind: "systemd-enablement"; readonly unit: string };

export interface ParsedTopologyFile {
  readonly file: string;
  readonly hostId: string;
  readonly document: TopologyDocument;
}

/**
 * Parses a topology file of a known kind. Never throws: a parse problem is a diagnostic.
 * `secrets` receives every value that must never be printed (passwords.yml, env-file secrets).
 * `dotEnv`: for a compose file, the `.env` beside it (Compose's project directory).
 */
export function parseTopologyFile(kind: TopologyKind, file: string, text: string, noteSecret: (name: string | null, value: string) => void, dotEnv?: { readonly file: string; readonly text: string }): { document: TopologyDocument; diagnostics: Diagnostic[] } {
  switch (kind) {
    case "systemd-unit": {
      const unit = parseSystemdUnit(file, text);
      return { document: { kind, unit }, diagnostics: unit.diagnostics };
    }
    case "memcached-env": {
      const env = parseEnvFile(file, text);
      for (const a of env.assignments) noteSecret(a.name, a.value);
      return { document: { kind, env }, diagnostics: env.diagnostics };
    }
    case "memcached-conf": {
      const conf = parseMemcachedConf(file, text);
      return { document: { kind, conf }, diagnostics: conf.diagnostics };
    }
    case "sysctl-conf":
    case "sysctl-dump":
    case "proc-somaxconn": {
      const sysctl = kind === "sysctl-conf" ? parseSysctlConf(file, text) : kind === "sysctl-dump" ? parseSysctlDump(file, text) : parseProcSysFile(file, text, "net.core.somaxconn");
      return { document: { kind: "sysctl", sysctl }, diagnostics: sysctl.diagnostics };
    }
    case "kernel-version":
      return { document: { kind, release: parseKernelRelease(file, text) }, diagnostics: [] };
    case "cpu-info":
      return { document: { kind, cpus: parseCpuCount(file, text) }, diagnostics: [] };
    case "socket-table": {
      const table = parseSocketTable(file, text);
      return { document: { kind, table }, diagnostics: table.diagnostics };
    }
    case "ip-addr": {
      const parsed = parseIpAddr(file, text);
      return { document: { kind, addresses: parsed.addresses }, diagnostics: parsed.diagnostics };
    }
    case "etc-hosts": {
      const parsed = parseEtcHosts(file, text);
      return { document: { kind, entries: parsed.entries }, diagnostics: parsed.diagnostics };
    }
    case "compose": {
      const env = dotEnv ? parseComposeDotEnv(dotEnv.file, dotEnv.text) : undefined;
      for (const [name, v] of env?.values ?? []) noteSecret(name, v.value);
      const compose = parseCompose(file, text, env);
      for (const service of compose.services) for (const e of service.environment) noteSecret(e.name, e.value);
      return { document: { kind, compose }, diagnostics: [...(env?.diagnostics ?? []), ...compose.diagnostics] };
    }
    case "kolla-globals": {
      const globals = parseKollaGlobals(file, text);
      for (const [name, value] of globals.variables) noteSecret(name, value.value);
      return { document: { kind, globals }, diagnostics: globals.diagnostics };
    }
    case "kolla-passwords":
      // Every value of passwords.yml is a secret, whatever its key is called.
      for (const value of yamlSecretValues(file, text)) noteSecret(null, value);
      return { document: { kind }, diagnostics: [] };
    case "ansible-inventory": {
      const inventory = parseAnsibleInventory(file, text);
      for (const host of inventory.hosts.values()) for (const [name, value] of host.variables) noteSecret(name, value.value);
      return { document: { kind, inventory }, diagnostics: inventory.diagnostics };
    }
    case "kolla-config-json": {
      const parsed = parseKollaConfigJson(file, text);
      return { document: { kind, command: parsed.command }, diagnostics: parsed.diagnostics };
    }
    case "systemd-enablement":
      return { document: { kind, unit: file.slice(file.lastIndexOf("/") + 1) }, diagnostics: [] };
    case "tripleo-container-config": {
      const parsed = parseTripleoContainerConfig(file, text);
      return { document: { kind, command: parsed.command, net: parsed.net }, diagnostics: parsed.diagnostics };
    }
  }
}
