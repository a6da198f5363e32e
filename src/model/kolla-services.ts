import type { IniDocument, IniEntry, IniSection } from "../parsers/ini.js";
import { groupHosts, type AnsibleInventory, type InventoryHost, type KollaGlobals } from "../parsers/kolla.js";
import type { ParsedTopologyFile } from "../parsers/topology-document.js";
import type { CacheClient, ProcessCount, SettingOrigin } from "./deployment.js";
import type { Diagnostic } from "./diagnostic.js";
import { kollaHostId } from "./memcached-instance.js";
import { buildServiceClients, serviceWorkers } from "./openstack-service.js";
import type { SourceLocation } from "./source.js";

/**
 * The cache clients a Kolla-Ansible config repo renders, before anything is deployed.
 *
 * For every service container on every host of its inventory group, Kolla's `merge_configs`
 * writes `/etc/kolla/<service>/<file>` from its template, then the overrides of
 * `node_custom_config` (/etc/kolla/config), later sources winning option by option:
 *
 *   template → global.conf → [database.conf, messaging.conf for keystone and neutron] →
 *   <project>.conf → <project>/<service>.conf → <project>/<inventory_hostname>/<file>
 *
 * (kolla-ansible ansible/roles/<project>/tasks/config.yml, "Copying over <file>"; glance-api's
 * own file is glance-api.conf, so its overrides are glance.conf, glance/glance-api.conf and
 * glance/<host>/glance-api.conf). The templates write `memcached_servers` in
 * `[keystone_authtoken]` and/or `memcache_servers` in `[cache]` (backend
 * oslo_cache.memcache_pool, enabled) as every host of `groups['memcached']` on
 * `memcached_port`, the authtoken ones with `memcache_security_strategy = ENCRYPT` and
 * `memcache_secret_key` from passwords.yml (REFERENCE-openstack §3.1). Values from the template
 * are Kolla defaults; values from an override point at its line.
 *
 * Only API services are clients here: keystonemiddleware runs in their paste pipelines, so
 * cinder-scheduler or heat-engine, whose rendered files carry the same `[keystone_authtoken]`,
 * open no authtoken pools. Horizon is Django (local_settings, not INI) and is not modelled.
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
  /** The template writes `[keystone_authtoken] memcached_servers`. */
  readonly authtoken: boolean;
  /** The template writes an oslo.cache `[cache]` section. */
  readonly cache: boolean;
  /** `enable_<project>` when globals.yml does not set it (ansible/group_vars/all.yml). */
  readonly enabledByDefault: boolean;
  /**
   * The role's variable for the API's process count, whose default is `openstack_service_workers`
   * (the WSGI `processes=` or the service's workers option in the template); absent when the
   * template uses `openstack_service_workers` itself. nova-compute is one process.
   */
  readonly workersVariable?: string;
  /**
   * The template writes the service's own workers option (glance `workers`, cinder
   * `osapi_volume_workers`, neutron `api_workers`), so an override of it counts. The others run
   * under a WSGI server (keystone, placement, heat-api: `wsgi-*.conf` `processes=`), where the
   * INI option is not read.
   */
  readonly iniWorkers?: boolean;
  readonly singleProcess?: boolean;
}

/**
 * Template sources (kolla-ansible ansible/roles/…/templates/): keystone/keystone.conf.j2 ([cache]),
 * nova/nova.conf.j2 and nova-cell/nova.conf.j2 (both), glance/glance-api.conf.j2 (authtoken;
 * `workers = {{ glance_api_workers }}`), cinder/cinder.conf.j2 (authtoken;
 * `osapi_volume_workers`), neutron/neutron.conf.j2 (authtoken; `api_workers = {{
 * openstack_service_workers }}`), placement/placement.conf.j2 (both), heat/heat.conf.j2 (both,
 * rendered for heat-api and heat-api-cfn), octavia/octavia.conf.j2 (authtoken). Not yet
 * modelled: barbican, magnum, manila and the other optional services.
 */
const SERVICES: readonly KollaService[] = [
  { key: "keystone", project: "keystone", groups: ["keystone"], file: "keystone.conf", extraSources: ["database.conf", "messaging.conf"], authtoken: false, cache: true, enabledByDefault: true, workersVariable: "keystone_api_workers" },
  { key: "nova-api", project: "nova", groups: ["nova-api", "nova"], file: "nova.conf", extraSources: [], authtoken: true, cache: true, enabledByDefault: true, workersVariable: "nova_api_workers" },
  { key: "nova-compute", project: "nova", groups: ["compute"], file: "nova.conf", extraSources: [], authtoken: true, cache: true, enabledByDefault: true, singleProcess: true },
  { key: "glance-api", project: "glance", groups: ["glance-api", "glance"], file: "glance-api.conf", extraSources: [], authtoken: true, cache: false, enabledByDefault: true, workersVariable: "glance_api_workers", iniWorkers: true },
  { key: "cinder-api", project: "cinder", groups: ["cinder-api", "cinder"], file: "cinder.conf", extraSources: [], authtoken: true, cache: false, enabledByDefault: false, workersVariable: "cinder_api_workers", iniWorkers: true },
  { key: "neutron-server", project: "neutron", groups: ["neutron-server", "neutron"], file: "neutron.conf", extraSources: ["database.conf", "messaging.conf"], authtoken: true, cache: false, enabledByDefault: true, iniWorkers: true },
  { key: "placement-api", project: "placement", groups: ["placement-api", "placement"], file: "placement.conf", extraSources: [], authtoken: true, cache: true, enabledByDefault: true },
  { key: "heat-api", project: "heat", groups: ["heat-api", "heat"], file: "heat.conf", extraSources: [], authtoken: true, cache: true, enabledByDefault: true },
  { key: "heat-api-cfn", project: "heat", groups: ["heat-api-cfn", "heat"], file: "heat.conf", extraSources: [], authtoken: true, cache: true, enabledByDefault: true },
  { key: "octavia-api", project: "octavia", groups: ["octavia-api", "octavia"], file: "octavia.conf", extraSources: [], authtoken: true, cache: false, enabledByDefault: false },
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
      if (!enabled(globals, service) || rendered.has(service.key)) continue;
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
        const processes = kollaProcesses(service, merged, globals);
        for (const client of buildServiceClients(merged, hostId, service.key)) clients.push({ ...kollaClient(client, f.file, memcachedGroup.location, service, hostName, template.serverLocations), processes });
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

function enabled(globals: KollaGlobals | null, service: KollaService): boolean {
  const value = globals?.variables.get(`enable_${service.project}`)?.value.trim().toLowerCase();
  if (value === undefined) return service.enabledByDefault;
  if (["no", "false", "0", "off"].includes(value)) return false;
  if (["yes", "true", "1", "on"].includes(value)) return true;
  // A Jinja expression (`{{ enable_openstack_core | bool }}`): Kolla's own default is the best guess.
  return service.enabledByDefault;
}

/**
 * The service's process count: its workers option when an override writes it and the service
 * reads it (`iniWorkers`), else the role's
 * variable or `openstack_service_workers` from globals.yml, else Kolla's default
 * `openstack_service_workers: "{{ [ansible_processor_vcpus, 5]|min }}"`
 * (ansible/group_vars/all.yml), which depends on the host's CPUs.
 */
function kollaProcesses(service: KollaService, merged: IniDocument, globals: KollaGlobals | null): ProcessCount {
  if (service.singleProcess) return { option: `${service.key} (one process)`, value: 1, origin: { kind: "default", product: "Nova" } };
  const written = service.iniWorkers ? serviceWorkers(merged, service.key) : undefined;
  if (written && written.value !== null) return written;
  for (const name of [service.workersVariable, "openstack_service_workers"]) {
    const variable = name ? globals?.variables.get(name) : undefined;
    const value = variable?.value.trim() ?? "";
    if (variable && /^\d+$/u.test(value) && Number(value) > 0) return { option: name!, value: Number(value), origin: { kind: "file", location: variable.location } };
  }
  return { option: "openstack_service_workers", value: null, cpuCap: 5, origin: KOLLA };
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
  if (service.cache) sections.push({ name: "cache", location: at, entries: [entry("cache", "backend", "oslo_cache.memcache_pool"), entry("cache", "enabled", "true"), entry("cache", "memcache_servers", servers)] });
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
