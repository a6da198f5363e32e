import type { IniDocument, IniEntry, IniSection } from "../parsers/ini.js";
import { groupHosts, type AnsibleInventory, type InventoryHost, type KollaGlobals } from "../parsers/kolla.js";
import type { ParsedTopologyFile } from "../parsers/topology-document.js";
import type { CacheClient, SettingOrigin } from "./deployment.js";
import type { Diagnostic } from "./diagnostic.js";
import { kollaHostId } from "./memcached-instance.js";
import { buildServiceClients } from "./openstack-service.js";
import type { SourceLocation } from "./source.js";

/**
 * The cache clients a Kolla-Ansible config repo renders, before anything is deployed.
 *
 * For every service container on every host of its inventory group, Kolla's `merge_configs`
 * writes `/etc/kolla/<service>/<file>` from its template, then the overrides of
 * `node_custom_config` (/etc/kolla/config), later sources winning option by option:
 *
 *   template → global.conf → [database.conf, messaging.conf for keystone] → <project>.conf →
 *   <project>/<service>.conf → <project>/<inventory_hostname>/<project>.conf
 *
 * (kolla-ansible ansible/roles/{keystone,nova}/tasks/config.yml, "Copying over <file>"). The
 * templates write `[cache] backend = oslo_cache.memcache_pool, enabled = true, memcache_servers =`
 * every host of `groups['memcached']` on `memcached_port`, and nova's `[keystone_authtoken]`
 * `memcached_servers` (the same list) with `memcache_security_strategy = ENCRYPT` and
 * `memcache_secret_key` from passwords.yml (keystone.conf.j2, nova.conf.j2; REFERENCE-openstack
 * §3.1). Values from the template are Kolla defaults; values from an override point at its line.
 */
interface KollaService {
  /** The container / service key: the `<project>/<service>.conf` override and `/etc/kolla/<service>/`. */
  readonly key: string;
  readonly project: string;
  /** The first group of these the inventory has decides the hosts. */
  readonly groups: readonly string[];
  readonly file: string;
  /** Overrides between global.conf and <project>.conf. */
  readonly extraSources: readonly string[];
  readonly authtoken: boolean;
}

const SERVICES: readonly KollaService[] = [
  { key: "keystone", project: "keystone", groups: ["keystone"], file: "keystone.conf", extraSources: ["database.conf", "messaging.conf"], authtoken: false },
  { key: "nova-api", project: "nova", groups: ["nova-api", "nova"], file: "nova.conf", extraSources: [], authtoken: true },
  { key: "nova-compute", project: "nova", groups: ["compute"], file: "nova.conf", extraSources: [], authtoken: true },
];

const KOLLA: SettingOrigin = { kind: "default", product: "Kolla-Ansible" };

/** An override file under `<repo>/…/kolla/config/`, keyed by its path below that folder. */
interface Override {
  readonly relative: string;
  readonly ini: IniDocument;
}

export interface KollaOverrideFile {
  readonly file: string;
  readonly hostId: string;
  readonly ini: IniDocument;
}

export function buildKollaServiceClients(
  topologyFiles: readonly ParsedTopologyFile[],
  overrideFiles: readonly KollaOverrideFile[],
  renderedFiles: readonly { file: string; hostId: string }[],
): { clients: CacheClient[]; diagnostics: Diagnostic[] } {
  const clients: CacheClient[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const f of topologyFiles) {
    if (f.document.kind !== "ansible-inventory") continue;
    const inventory = f.document.inventory;
    const globalsFile = topologyFiles.find((g) => g.hostId === f.hostId && g.document.kind === "kolla-globals");
    const globals = globalsFile?.document.kind === "kolla-globals" ? globalsFile.document.globals : null;
    const overrides: Override[] = overrideFiles
      .filter((o) => o.hostId === f.hostId)
      .flatMap((o) => {
        const at = o.file.lastIndexOf("kolla/config/");
        return at < 0 ? [] : [{ relative: o.file.slice(at + "kolla/config/".length), ini: o.ini }];
      });
    const rendered = new Set(renderedFiles.filter((r) => r.hostId === f.hostId).flatMap((r) => /(?:^|\/)kolla\/([^/]+)\/[^/]+$/u.exec(r.file)?.[1] ?? []));
    const memcachedGroup = inventory.groups.get("memcached");
    const memcachedHosts = groupHosts(inventory, "memcached").flatMap((name) => (inventory.hosts.get(name) ? [inventory.hosts.get(name)!] : []));
    if (!memcachedGroup || memcachedHosts.length === 0) continue;
    const portWritten = globals?.variables.get("memcached_port");
    const port = portWritten && /^\d+$/u.test(portWritten.value) ? portWritten.value : "11211";
    for (const service of SERVICES) {
      if (!enabled(globals, service.project) || rendered.has(service.key)) continue;
      const group = service.groups.find((g) => inventory.groups.has(g));
      if (!group) continue;
      for (const hostName of groupHosts(inventory, group)) {
        const host = inventory.hosts.get(hostName);
        if (!host) continue;
        const template = renderTemplate(f.file, service, host, memcachedGroup.location, memcachedHosts, port);
        const wanted = ["global.conf", ...service.extraSources, service.file, `${service.project}/${service.key}.conf`, `${service.project}/${hostName}/${service.file}`];
        const layers = wanted.flatMap((name) => overrides.filter((o) => o.relative === name));
        const merged = mergeConfigs(template.document, layers.map((l) => l.ini));
        const hostId = kollaHostId(f.hostId, hostName);
        for (const client of buildServiceClients(merged, hostId, service.key)) clients.push(kollaClient(client, f.file, memcachedGroup.location, service, hostName, template.serverLocations));
      }
    }
    for (const o of overrides) {
      const hostDir = /^([^/]+)\/([^/]+)\/[^/]+$/u.exec(o.relative);
      if (hostDir && !inventory.hosts.has(hostDir[2]!) && SERVICES.some((s) => s.project === hostDir[1])) {
        diagnostics.push({ severity: "note", code: "kolla-override-unknown-host", message: `Kolla reads ${o.relative} only for an inventory host named '${hostDir[2]}', and ${f.file} has none`, file: o.ini.file, line: 1, column: 1 });
      }
    }
  }
  return { clients, diagnostics };
}

function enabled(globals: KollaGlobals | null, project: string): boolean {
  const value = globals?.variables.get(`enable_${project}`)?.value.toLowerCase();
  return !(value === "no" || value === "false" || value === "0");
}

/** The lines of the template that concern the cache, located at the inventory line of the host. */
function renderTemplate(inventoryFile: string, service: KollaService, host: InventoryHost, groupLocation: SourceLocation, memcachedHosts: readonly InventoryHost[], port: string): { document: IniDocument; serverLocations: SourceLocation[] } {
  const at = host.location;
  const serverLocations = memcachedHosts.map((h) => (h.variables.get("api_interface_address") ?? h.variables.get("ansible_host"))?.location ?? h.location);
  const servers = memcachedHosts.map((h) => `${(h.variables.get("api_interface_address") ?? h.variables.get("ansible_host"))?.value ?? h.name}:${port}`).join(",");
  // The server list is the inventory's memcached group: its header is where to change it.
  const entry = (section: string, key: string, value: string): IniEntry => {
    const where = value === servers ? groupLocation : at;
    return { section, key, value, keyLocation: where, valueLocation: where, valueLines: [] };
  };
  const sections: IniSection[] = [];
  if (service.authtoken) {
    sections.push({
      name: "keystone_authtoken",
      location: at,
      entries: [entry("keystone_authtoken", "memcache_security_strategy", "ENCRYPT"), entry("keystone_authtoken", "memcache_secret_key", "{{ memcache_secret_key }}"), entry("keystone_authtoken", "memcached_servers", servers)],
    });
  }
  sections.push({ name: "cache", location: at, entries: [entry("cache", "backend", "oslo_cache.memcache_pool"), entry("cache", "enabled", "true"), entry("cache", "memcache_servers", servers)] });
  return { document: { file: inventoryFile, dialect: "oslo", sections, diagnostics: [] }, serverLocations };
}

/**
 * Kolla's merge_configs: one option per (section, key), the last source that writes it wins; a
 * section keeps the position of the first source that has it.
 */
function mergeConfigs(template: IniDocument, layers: readonly IniDocument[]): IniDocument {
  const sections = new Map<string, { location: SourceLocation; entries: Map<string, IniEntry> }>();
  for (const document of [template, ...layers]) {
    for (const section of document.sections) {
      const merged = sections.get(section.name) ?? { location: section.location, entries: new Map<string, IniEntry>() };
      // An override's header is where the reader looks: it replaces the template's position.
      if (document !== template && merged.location.file === template.file) merged.location = section.location;
      sections.set(section.name, merged);
      for (const e of section.entries) merged.entries.set(e.key, e);
    }
  }
  const last = layers[layers.length - 1];
  return {
    file: last?.file ?? template.file,
    dialect: "oslo",
    sections: [...sections].map(([name, s]) => ({ name, location: s.location, entries: [...s.entries.values()] })),
    diagnostics: [],
  };
}

/**
 * Template values become Kolla defaults, except the server list: it comes from the inventory's
 * memcached group (its origin), each entry located at that host's address.
 */
function kollaClient(client: CacheClient, inventoryFile: string, groupLocation: SourceLocation, service: KollaService, hostName: string, serverLocations: readonly SourceLocation[]): CacheClient {
  const isGroup = (origin: SettingOrigin): boolean => origin.kind === "file" && origin.location === groupLocation;
  const fromTemplate = (origin: SettingOrigin): boolean => origin.kind === "file" && origin.location.file === inventoryFile && !isGroup(origin);
  const settings = Object.fromEntries(Object.entries(client.settings).map(([name, s]) => [name, fromTemplate(s.origin) ? { ...s, origin: KOLLA } : s]));
  const templateServers = isGroup(client.serversOrigin);
  return {
    ...client,
    id: `${client.id.replace(/@[^#]*#/u, `@${inventoryFile}#`)}@${service.key}/${hostName}`,
    file: client.section.location.file,
    settings,
    servers: templateServers ? client.servers.map((s, i) => ({ ...s, location: serverLocations[i] ?? s.location })) : client.servers,
    writtenOptions: client.writtenOptions.filter((w) => w.location.file !== inventoryFile),
  };
}
