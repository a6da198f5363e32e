import type { IniDocument, IniEntry } from "../parsers/ini.js";
import { locateInValue } from "../parsers/ini.js";
import { redactValue } from "../redact.js";
import type {
  CacheClient,
  CacheClientKind,
  EffectiveSetting,
  PipelineRole,
  PipelineStage,
  ServerEntry,
  SettingOrigin,
  ShadowedSetting,
  SwiftPipeline,
  WrittenOption,
} from "./deployment.js";
import { mergeLayers, pasteContext, type MergedConfig, type PasteContext } from "./paste.js";
import { parseServerEntry, splitServerList, type ServerSyntax } from "./server-list.js";
import type { Located, SourceLocation } from "./source.js";
import { spanOnLine } from "./source.js";

/** One Swift daemon configuration: `<daemon>.conf` alone, or the files of `<daemon>.conf.d/` in read order. */
export interface SwiftDaemonConfig {
  readonly kind: CacheClientKind;
  readonly hostId: string;
  /** Display directory holding `<daemon>.conf` / `<daemon>.conf.d`. */
  readonly directory: string;
  readonly layers: readonly IniDocument[];
  /** The `[memcache]` file Swift would read from this daemon's swift_dir, when among the inputs. */
  readonly memcacheConf?: IniDocument;
}

export interface SwiftModel {
  readonly clients: CacheClient[];
  readonly pipelines: SwiftPipeline[];
  readonly shadowed: ShadowedSetting[];
}

const SWIFT: SettingOrigin = { kind: "default", product: "Swift" };

/**
 * Swift's memcache options and defaults (openstack/swift swift/common/memcached.py
 * `load_memcache` and its constants; REFERENCE-openstack.md §1.1).
 */
export const SWIFT_MEMCACHE_DEFAULTS: Readonly<Record<string, string>> = {
  memcache_servers: "127.0.0.1:11211",
  memcache_max_connections: "2",
  connect_timeout: "0.3",
  pool_timeout: "1.0",
  tries: "3",
  io_timeout: "2.0",
  error_suppression_interval: "60.0",
  error_suppression_limit: "10",
  tls_enabled: "false",
  item_size_warning_threshold: "-1",
};
const SWIFT_OPTIONAL = ["tls_cafile", "tls_certfile", "tls_keyfile"];

export function isSwiftMemcacheEntryPoint(entryPoint: string | undefined): boolean {
  return entryPoint !== undefined && stageRole(entryPoint) === "cache";
}

/** What a pipeline stage is, from its paste entry point (`use = egg:swift#memcache`). */
export function stageRole(entryPoint: string): PipelineRole {
  const ep = entryPoint.trim().toLowerCase();
  const egg = /^egg:([\w.-]+)#([\w.-]+)$/u.exec(ep);
  const name = egg ? `${egg[1]}#${egg[2]}` : ep;
  const table: [RegExp, PipelineRole][] = [
    [/^swift#memcache$|swift\.common\.middleware\.memcache/u, "cache"],
    [/^keystonemiddleware#auth_token$|keystonemiddleware\.auth_token|keystoneclient\.middleware\.auth_token/u, "authtoken"],
    [/^swift#tempauth$|middleware\.tempauth/u, "tempauth"],
    [/^swift#ratelimit$|middleware\.ratelimit/u, "ratelimit"],
    [/^swift#s3token$|middleware\.s3api\.s3token|swift3\.s3_token|keystonemiddleware#s3_token/u, "s3token"],
    [/^swift#s3api$|middleware\.s3api\.s3api|^swift3#swift3$/u, "s3api"],
    [/^swift#tempurl$|middleware\.tempurl/u, "tempurl"],
    [/^swift#formpost$|middleware\.formpost/u, "formpost"],
    [/^swift#staticweb$|middleware\.staticweb/u, "staticweb"],
    [/^swift#container_sync$|middleware\.container_sync/u, "container_sync"],
    [/^swift#proxy$|swift\.proxy\.server/u, "proxy-app"],
  ];
  return table.find(([pattern]) => pattern.test(name))?.[1] ?? "other";
}

export function buildSwiftModel(daemons: readonly SwiftDaemonConfig[]): SwiftModel {
  const clients: CacheClient[] = [];
  const pipelines: SwiftPipeline[] = [];
  const shadowed: ShadowedSetting[] = [];
  for (const daemon of daemons) {
    const merged = mergeLayers(daemon.layers);
    const mainFile = daemon.layers[0]!.file;
    const pipeline = readPipeline(merged, daemon);
    if (!pipeline) continue;
    const cacheStage = pipeline.stages.find((s) => s.role === "cache");
    let cacheClient: CacheClient | undefined;
    if (cacheStage?.section) {
      cacheClient = swiftCacheClient(daemon, merged, cacheStage.name, cacheStage.section, mainFile, shadowed);
      clients.push(cacheClient);
    }
    if (daemon.kind === "swift-proxy") {
      pipelines.push(cacheClient ? { ...pipeline, cacheClientId: cacheClient.id } : pipeline);
      const authStage = pipeline.stages.find((s) => s.role === "authtoken");
      if (authStage?.section) {
        clients.push(proxyAuthtokenClient(daemon, merged, authStage, pipeline, cacheClient, mainFile, shadowed));
      }
    }
    for (const override of merged.overrides) {
      shadowed.push({
        clientId: cacheClient?.id ?? `${daemon.kind}@${mainFile}`,
        key: `[${override.section}] ${override.key}`,
        reason: "conf-d-override",
        ignored: override.earlier.keyLocation,
        ignoredValue: redactValue(override.key, override.earlier.value),
        winner: override.later.keyLocation,
        winnerValue: redactValue(override.key, override.later.value),
      });
    }
  }
  return { clients, pipelines, shadowed };
}

function readPipeline(merged: MergedConfig, daemon: SwiftDaemonConfig): SwiftPipeline | null {
  const section = merged.sections.get("pipeline:main") ?? [...merged.sections.values()].find((s) => s.name.startsWith("pipeline:"));
  const entry = section?.options.get("pipeline");
  if (!entry) return null;
  const names: { name: string; location: SourceLocation }[] = [];
  for (const match of entry.value.matchAll(/\S+/gu)) {
    names.push({ name: match[0], location: locateInValue(entry, match.index, match[0].length) });
  }
  let accessLogTemplate: Located<string> | undefined;
  const stages: PipelineStage[] = names.map(({ name, location }, index) => {
    const isApp = index === names.length - 1;
    const sectionName = isApp ? `app:${name}` : `filter:${name}`;
    const stageSection = merged.sections.get(sectionName);
    if (!stageSection) return { name, location, role: "other" };
    const context = pasteContext(merged, sectionName);
    const entryPoint = context.use?.value ?? context.conf.get("paste.filter_factory")?.value ?? context.conf.get("paste.app_factory")?.value;
    const cacheKey = context.conf.get("cache");
    // proxy-logging writes access lines with its `log_msg_template` (swift/common/middleware/proxy_logging.py).
    const template = entryPoint && /swift#proxy_logging$|middleware\.proxy_logging/u.test(entryPoint.trim().toLowerCase()) ? context.conf.get("log_msg_template") : undefined;
    if (template && !accessLogTemplate) accessLogTemplate = { value: template.value, location: template.entry.valueLocation };
    return {
      name,
      location,
      section: stageSection.header,
      ...(entryPoint ? { entryPoint } : {}),
      role: entryPoint ? stageRole(entryPoint) : "other",
      ...(cacheKey ? { cacheEnvKey: { value: cacheKey.value, location: cacheKey.entry.valueLocation } } : {}),
    };
  });
  return { hostId: daemon.hostId, file: entry.keyLocation.file, pipeline: { value: entry.value, location: entry.valueLocation }, stages, ...(accessLogTemplate ? { accessLogTemplate } : {}) };
}

function origin(entry: IniEntry): SettingOrigin {
  return { kind: "file", location: entry.valueLocation };
}

/**
 * Swift's precedence between the proxy's conf and memcache.conf, as `load_memcache(conf,
 * logger)` implements it (openstack/swift swift/common/memcached.py; REFERENCE-openstack §1.2):
 * memcache.conf is read only when the proxy side lacks memcache_servers or a positive
 * memcache_max_connections; when read, it is the base layer and proxy-side values win per key.
 */
function swiftCacheClient(
  daemon: SwiftDaemonConfig,
  merged: MergedConfig,
  stageName: string,
  section: Located<string>,
  mainFile: string,
  shadowed: ShadowedSetting[],
): CacheClient {
  const sectionName = `filter:${stageName}`;
  const context = pasteContext(merged, sectionName);
  const id = `${daemon.kind}@${mainFile}#${sectionName}`;
  recordPasteShadows(id, sectionName, context, shadowed);

  const conf = context.conf;
  const serversValue = conf.get("memcache_servers");
  const maxConnsValue = conf.get("memcache_max_connections") ?? conf.get("max_connections");
  const proxyHasServers = serversValue !== undefined && serversValue.value.trim() !== "";
  const proxyMaxConns = maxConnsValue ? pythonInt(maxConnsValue.value) : 0;
  const readsMemcacheConf = !proxyHasServers || proxyMaxConns <= 0;

  const settings: Record<string, EffectiveSetting> = {};
  const memcacheSection = daemon.memcacheConf?.sections.filter((s) => s.name === "memcache") ?? [];
  const memcacheOptions = new Map<string, IniEntry>();
  for (const s of memcacheSection) for (const e of s.entries) memcacheOptions.set(e.key, e);

  let serversEntry: IniEntry | undefined = proxyHasServers ? serversValue.entry : undefined;
  if (readsMemcacheConf) {
    for (const [key, entry] of memcacheOptions) {
      const proxySide = conf.get(key);
      if (proxySide) {
        if (proxySide.value !== entry.value) {
          shadowed.push({
            clientId: id,
            key,
            reason: "proxy-side-wins",
            ignored: entry.keyLocation,
            ignoredValue: redactValue(key, entry.value),
            winner: proxySide.entry.keyLocation,
            winnerValue: redactValue(key, proxySide.value),
          });
        }
      } else {
        settings[key] = { name: key, value: redactValue(key, entry.value), origin: origin(entry) };
      }
    }
    if (!proxyHasServers) {
      const fromConf = memcacheOptions.get("memcache_servers");
      if (fromConf && fromConf.value.trim() !== "") serversEntry = fromConf;
    }
    if (proxyMaxConns <= 0) {
      const fromConf = memcacheOptions.get("memcache_max_connections");
      if (fromConf && pythonInt(fromConf.value) > 0) settings.memcache_max_connections = { name: "memcache_max_connections", value: fromConf.value, origin: origin(fromConf) };
    }
  } else {
    // Both set on the proxy side: memcache.conf is never opened, whatever it says.
    for (const [key, entry] of memcacheOptions) {
      const effective = conf.get(key === "max_connections" ? "memcache_max_connections" : key);
      const effectiveValue = effective?.value ?? SWIFT_MEMCACHE_DEFAULTS[key];
      if (effectiveValue === entry.value) continue;
      shadowed.push({
        clientId: id,
        key,
        reason: "memcache-conf-unread",
        ignored: entry.keyLocation,
        ignoredValue: redactValue(key, entry.value),
        winner: effective ? effective.entry.keyLocation : null,
        winnerValue: redactValue(key, effectiveValue ?? "(unset)"),
      });
    }
  }
  // Proxy-side values win, option by option (opts.update(conf)).
  for (const [key, value] of conf) {
    // max connections is resolved above: an unparseable proxy value counts as unset.
    if (key === "memcache_max_connections" || key === "max_connections") continue;
    if (key in SWIFT_MEMCACHE_DEFAULTS || SWIFT_OPTIONAL.includes(key)) {
      settings[key] = { name: key, value: redactValue(key, value.value), origin: origin(value.entry) };
    }
  }
  if (proxyMaxConns > 0 && maxConnsValue) {
    settings.memcache_max_connections = { name: "memcache_max_connections", value: String(proxyMaxConns), origin: origin(maxConnsValue.entry) };
  }
  for (const [key, value] of Object.entries(SWIFT_MEMCACHE_DEFAULTS)) {
    if (!settings[key]) settings[key] = { name: key, value, origin: SWIFT };
  }
  if (pythonInt(settings.memcache_max_connections!.value) <= 0) settings.memcache_max_connections = { name: "memcache_max_connections", value: "2", origin: SWIFT };

  const servers = serversEntry ? entriesFromValue(serversEntry, "swift") : [parseServerEntry(SWIFT_MEMCACHE_DEFAULTS.memcache_servers!, "swift", null)];
  settings.memcache_servers = serversEntry
    ? { name: "memcache_servers", value: redactValue("memcache_servers", serversEntry.value), origin: origin(serversEntry) }
    : { name: "memcache_servers", value: SWIFT_MEMCACHE_DEFAULTS.memcache_servers!, origin: SWIFT };

  const writtenOptions: WrittenOption[] = [];
  for (const [key, value] of context.conf) if (value.scope === "local") writtenOptions.push({ section: sectionName, name: key, location: value.entry.keyLocation });
  if (readsMemcacheConf) for (const [key, entry] of memcacheOptions) writtenOptions.push({ section: "memcache", name: key, location: entry.keyLocation });

  return {
    id,
    kind: daemon.kind,
    service: "swift",
    hostId: daemon.hostId,
    file: mainFile,
    section,
    servers,
    serversOrigin: settings.memcache_servers.origin,
    mode: "own-servers",
    orderSensitive: false,
    tlsEnabled: configTrueValue(settings.tls_enabled!.value),
    settings: sortSettings(settings),
    writtenOptions,
  };
}

function recordPasteShadows(clientId: string, sectionName: string, context: PasteContext, shadowed: ShadowedSetting[]): void {
  for (const shadow of context.shadows) {
    if (shadow.local.value === shadow.global.value) continue;
    shadowed.push({
      clientId,
      key: `[${sectionName}] ${shadow.key}`,
      reason: "paste-default-wins",
      ignored: shadow.local.keyLocation,
      ignoredValue: redactValue(shadow.key, shadow.local.value),
      winner: shadow.global.keyLocation,
      winnerValue: redactValue(shadow.key, shadow.global.value),
    });
  }
}

/** keystonemiddleware as a paste filter in the proxy pipeline (`[filter:authtoken]`). */
function proxyAuthtokenClient(
  daemon: SwiftDaemonConfig,
  merged: MergedConfig,
  stage: PipelineStage,
  pipeline: SwiftPipeline,
  cacheClient: CacheClient | undefined,
  mainFile: string,
  shadowed: ShadowedSetting[],
): CacheClient {
  const sectionName = `filter:${stage.name}`;
  const context = pasteContext(merged, sectionName);
  const id = `keystonemiddleware@${mainFile}#${sectionName}`;
  recordPasteShadows(id, sectionName, context, shadowed);
  const options = new Map<string, { value: string; entry: IniEntry }>();
  for (const [key, value] of context.conf) options.set(key, value);
  const cacheIndex = pipeline.stages.findIndex((s) => s.role === "cache");
  const authIndex = pipeline.stages.indexOf(stage);
  const usesSwiftRing = stage.cacheEnvKey?.value === "swift.cache" && cacheClient !== undefined && cacheIndex >= 0 && cacheIndex < authIndex;
  const writtenOptions: WrittenOption[] = [];
  for (const [key, value] of context.conf) if (value.scope === "local") writtenOptions.push({ section: sectionName, name: key, location: value.entry.keyLocation });
  return keystonemiddlewareClient({
    id,
    service: "swift",
    hostId: daemon.hostId,
    file: mainFile,
    section: stage.section!,
    options,
    writtenOptions,
    ...(usesSwiftRing ? { swiftRing: cacheClient } : {}),
  });
}

export interface KeystonemiddlewareInput {
  readonly id: string;
  readonly service: string;
  readonly hostId: string;
  readonly file: string;
  readonly section: Located<string>;
  readonly options: ReadonlyMap<string, { value: string; entry: IniEntry }>;
  readonly writtenOptions: WrittenOption[];
  readonly swiftRing?: CacheClient;
}

const KEYSTONEMIDDLEWARE: SettingOrigin = { kind: "default", product: "keystonemiddleware" };

/**
 * keystonemiddleware's token cache (keystonemiddleware auth_token/_cache.py `_get_cache_pool`,
 * REFERENCE-openstack §2.1): Swift's ring through `cache = swift.cache`, else `memcached_servers`
 * (deprecated name `memcache_servers`), else an in-process cache.
 */
export function keystonemiddlewareClient(input: KeystonemiddlewareInput): CacheClient {
  const get = (name: string) => input.options.get(name);
  const settings: Record<string, EffectiveSetting> = {};
  const defaults: Record<string, string> = {
    memcache_security_strategy: "None",
    memcache_use_advanced_pool: "True",
    memcache_pool_maxsize: "10",
    memcache_pool_socket_timeout: "3",
    memcache_pool_dead_retry: "300",
    memcache_tls_enabled: "False",
    token_cache_time: "300",
  };
  for (const name of [...Object.keys(defaults), "cache", "memcache_secret_key", "memcached_servers", "memcache_servers"]) {
    const option = get(name);
    if (option) settings[name] = { name, value: redactValue(name, option.value), origin: origin(option.entry) };
    else if (defaults[name] !== undefined) settings[name] = { name, value: defaults[name], origin: KEYSTONEMIDDLEWARE };
  }
  const serversOption = get("memcached_servers") ?? get("memcache_servers");
  const tlsEnabled = configTrueValue(settings.memcache_tls_enabled!.value);
  const base = {
    id: input.id,
    kind: "keystonemiddleware" as const,
    service: input.service,
    hostId: input.hostId,
    file: input.file,
    section: input.section,
    orderSensitive: true,
    tlsEnabled,
    settings: sortSettings(settings),
    writtenOptions: input.writtenOptions,
  };
  if (input.swiftRing) {
    return { ...base, servers: input.swiftRing.servers, serversOrigin: input.swiftRing.serversOrigin, mode: "swift-ring", sharesRingOf: input.swiftRing.id, orderSensitive: false, tlsEnabled: input.swiftRing.tlsEnabled };
  }
  if (serversOption && serversOption.value.trim() !== "") {
    return { ...base, servers: entriesFromValue(serversOption.entry, "python-memcached"), serversOrigin: origin(serversOption.entry), mode: "own-servers" };
  }
  return { ...base, servers: [], serversOrigin: KEYSTONEMIDDLEWARE, mode: "in-process" };
}

/** Entries of a server-list option, each located on its own columns. */
export function entriesFromValue(entry: IniEntry, syntax: ServerSyntax): ServerEntry[] {
  // Swift drops empty entries (`[s.strip() for s in servers.split(',') if s.strip()]`); the
  // python-memcached clients do not.
  const parts = splitServerList(entry.value).filter(({ text }) => syntax !== "swift" || text !== "");
  return parts.map(({ text, offset }) => parseServerEntry(text, syntax, text === "" ? spanOnLine(entry.valueLocation.file, entry.valueLocation.line, entry.valueLocation.column + offset, 1) : locateInValue(entry, offset, text.length)));
}

/** Python's int() on a config string: surrounding white space allowed, else 0 (Swift treats ValueError as unset). */
export function pythonInt(text: string): number {
  const t = text.trim().replace(/_/gu, "");
  return /^[+-]?\d+$/u.test(t) ? Number(t) : 0;
}

/** swift.common.utils.config_true_value. */
export function configTrueValue(text: string): boolean {
  return ["true", "1", "yes", "on", "t", "y"].includes(text.trim().toLowerCase());
}

function sortSettings(settings: Record<string, EffectiveSetting>): Record<string, EffectiveSetting> {
  return Object.fromEntries(Object.entries(settings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
