import type { IniDocument, IniEntry } from "../parsers/ini.js";
import { redactValue } from "../redact.js";
import type { CacheClient, EffectiveSetting, ProcessCount, SettingOrigin, WrittenOption } from "./deployment.js";
import { parseServerEntry } from "./server-list.js";
import { configTrueValue, entriesFromValue, keystonemiddlewareClient } from "./swift.js";

/**
 * Cache clients of an oslo.config service file (nova.conf, keystone.conf, …):
 * `[keystone_authtoken]` (keystonemiddleware) and `[cache]` (oslo.cache). oslo.config reads each
 * option's last occurrence in a group; [DEFAULT] does not flow into other groups.
 */
export function buildServiceClients(document: IniDocument, hostId: string, service: string): CacheClient[] {
  const clients: CacheClient[] = [];
  const authtoken = groupOptions(document, "keystone_authtoken");
  if (authtoken) {
    clients.push(
      keystonemiddlewareClient({
        id: `keystonemiddleware@${document.file}#keystone_authtoken`,
        service,
        hostId,
        file: document.file,
        section: authtoken.header,
        options: authtoken.options,
        writtenOptions: authtoken.written,
      }),
    );
  }
  const cache = groupOptions(document, "cache");
  if (cache) {
    const client = osloCacheClient(document.file, hostId, service, cache);
    if (client) clients.push(client);
  }
  const processes = serviceWorkers(document, service);
  return processes ? clients.map((c) => ({ ...c, processes })) : clients;
}

/**
 * The API's worker-process option, per service (the file's folder: `nova`, `nova-api`, …):
 * nova `osapi_compute_workers`, glance `workers`, cinder `osapi_volume_workers`, neutron
 * `api_workers` (all [DEFAULT]), heat `[heat_api] workers` and `[heat_api_cfn] workers`. Each
 * process holds its own keystonemiddleware and oslo.cache pools. Only a written positive count
 * is used: the services' defaults depend on the CPU count, and keystone and placement run under
 * a WSGI server whose process count is not in their INI.
 */
const WORKER_OPTIONS: readonly { readonly service: RegExp; readonly section: string; readonly key: string }[] = [
  { service: /^nova(-api)?$/u, section: "DEFAULT", key: "osapi_compute_workers" },
  { service: /^glance(-api)?$/u, section: "DEFAULT", key: "workers" },
  { service: /^cinder(-api)?$/u, section: "DEFAULT", key: "osapi_volume_workers" },
  { service: /^neutron(-server)?$/u, section: "DEFAULT", key: "api_workers" },
  { service: /^heat-api-cfn$/u, section: "heat_api_cfn", key: "workers" },
  { service: /^heat(-api)?$/u, section: "heat_api", key: "workers" },
];

export function serviceWorkers(document: IniDocument, service: string): ProcessCount | undefined {
  const option = WORKER_OPTIONS.find((o) => o.service.test(service));
  if (!option) return undefined;
  let last: IniEntry | undefined;
  for (const section of document.sections) if (section.name === option.section) for (const e of section.entries) if (e.key === option.key) last = e;
  const value = last?.value.trim() ?? "";
  if (!last || !/^\d+$/u.test(value) || Number(value) < 1) return undefined;
  return { option: option.section === "DEFAULT" ? option.key : `[${option.section}] ${option.key}`, value: Number(value), origin: { kind: "file", location: last.valueLocation } };
}

interface GroupOptions {
  readonly header: { value: string; location: IniEntry["keyLocation"] };
  readonly options: Map<string, { value: string; entry: IniEntry }>;
  readonly written: WrittenOption[];
}

function groupOptions(document: IniDocument, group: string): GroupOptions | null {
  const sections = document.sections.filter((s) => s.name === group);
  if (sections.length === 0) return null;
  const options = new Map<string, { value: string; entry: IniEntry }>();
  const written: WrittenOption[] = [];
  for (const section of sections) {
    for (const entry of section.entries) {
      options.set(entry.key, { value: entry.value, entry });
      written.push({ section: group, name: entry.key, location: entry.keyLocation });
    }
  }
  return { header: { value: group, location: sections[0]!.location }, options, written };
}

const OSLO_CACHE: SettingOrigin = { kind: "default", product: "oslo.cache" };

/** oslo.cache backends that talk to memcached, and how each parses its server list. */
const MEMCACHE_BACKENDS: Record<string, "python-memcached" | "other"> = {
  "oslo_cache.memcache_pool": "python-memcached",
  "dogpile.cache.memcached": "python-memcached",
  "dogpile.cache.pymemcache": "other",
  "dogpile.cache.pylibmc": "other",
  "dogpile.cache.bmemcached": "other",
};
const NO_CACHE_BACKENDS = new Set(["dogpile.cache.null", "dogpile.cache.memory", "dogpile.cache.memory_pickle", "oslo_cache.dict"]);

/**
 * oslo.cache's `[cache]` group (openstack/oslo.cache oslo_cache/_opts.py; REFERENCE-openstack
 * §2.2): `enabled` defaults to False, `backend` to dogpile.cache.null, `memcache_servers` to
 * localhost:11211. Backends that are not memcached (redis, etcd, dbm) are not cache clients here.
 */
function osloCacheClient(file: string, hostId: string, service: string, group: GroupOptions): CacheClient | null {
  const get = (name: string) => group.options.get(name);
  const backend = get("backend")?.value.trim() ?? "dogpile.cache.null";
  const syntax = MEMCACHE_BACKENDS[backend];
  if (!syntax && !NO_CACHE_BACKENDS.has(backend)) return null;
  const enabled = configTrueValue(get("enabled")?.value ?? "false");
  const settings: Record<string, EffectiveSetting> = {};
  const defaults: Record<string, string> = {
    enabled: "False",
    backend: "dogpile.cache.null",
    memcache_servers: "localhost:11211",
    memcache_pool_maxsize: "10",
    memcache_dead_retry: "300",
    socket_timeout: "1.0",
    tls_enabled: "False",
  };
  for (const name of new Set([...Object.keys(defaults), ...group.options.keys()])) {
    const option = get(name);
    if (option) settings[name] = { name, value: redactValue(name, option.value), origin: { kind: "file", location: option.entry.valueLocation } };
    else if (defaults[name] !== undefined) settings[name] = { name, value: defaults[name], origin: OSLO_CACHE };
  }
  const serversOption = get("memcache_servers");
  const servers =
    serversOption && serversOption.value.trim() !== ""
      ? entriesFromValue(serversOption.entry, syntax ?? "other")
      : [parseServerEntry("localhost:11211", syntax ?? "other", null)];
  return {
    id: `oslo-cache@${file}#cache`,
    kind: "oslo-cache",
    service,
    hostId,
    file,
    section: group.header,
    servers,
    serversOrigin: serversOption ? { kind: "file", location: serversOption.entry.valueLocation } : OSLO_CACHE,
    mode: enabled && syntax ? "own-servers" : "disabled",
    orderSensitive: true,
    tlsEnabled: configTrueValue(get("tls_enabled")?.value ?? "false"),
    settings: Object.fromEntries(Object.entries(settings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    writtenOptions: group.written,
  };
}
