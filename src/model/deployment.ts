import type { RuntimeEvidence } from "./runtime/evidence.js";
import { emptyRuntime } from "./runtime/evidence.js";
import type { Located, SourceLocation } from "./source.js";

/**
 * The deployment model: the one place rules look. Parsers fill it through the model builders;
 * rules never see a file format. Every value remembers where it came from.
 */
export interface Deployment {
  readonly hosts: Host[];
  readonly cacheClients: CacheClient[];
  readonly swiftPipelines: SwiftPipeline[];
  /** Settings the operator wrote that the product ignores (SL105). */
  readonly shadowedSettings: ShadowedSetting[];
  readonly memcachedInstances: MemcachedInstance[];
  /** What logs and counter dumps showed (aggregates and evidence lines; src/model/runtime/). */
  readonly runtime: RuntimeEvidence;
}

export interface Host {
  /** Stable identifier: the path prefix the host's files live under ("" for a flat input). */
  readonly id: string;
  readonly name: string;
  /** How the name was learned: a hostname file in the inputs, the folder name, or nothing. */
  readonly nameSource: "hostname-file" | "folder" | "single-input";
  readonly addresses: string[];
}

export type CacheClientKind =
  | "swift-proxy"
  | "swift-object-expirer"
  | "swift-container-reconciler"
  | "swift-internal-client"
  | "keystonemiddleware"
  | "oslo-cache";

/** Where an effective value came from: a line the operator wrote, or the product's default. */
export type SettingOrigin =
  | { readonly kind: "file"; readonly location: SourceLocation }
  | { readonly kind: "default"; readonly product: string };

export interface EffectiveSetting {
  readonly name: string;
  /** Redacted for secret-bearing options: the model never holds a secret value. */
  readonly value: string;
  readonly origin: SettingOrigin;
}

/** One entry of a client's server list, as the client library would parse it. */
export interface ServerEntry {
  /** The entry as written (trimmed). */
  readonly raw: string;
  readonly host: string | null;
  readonly port: number | null;
  readonly family: "ipv4" | "ipv6" | "hostname" | "unix" | "invalid";
  /** Why the client cannot use this entry, when it cannot (SL107). */
  readonly problem?: string;
  /** The entry's own span, or null when the list is the product's default. */
  readonly location: SourceLocation | null;
}

export interface CacheClient {
  /** Stable id: `<kind>@<file>#<section>`. */
  readonly id: string;
  readonly kind: CacheClientKind;
  /** The OpenStack service this client belongs to (swift, nova, keystone, …), from the path. */
  readonly service: string;
  readonly hostId: string;
  /** The config file that defines the client; the first of its layers for Swift. */
  readonly file: string;
  /** The section that configures the client (`[filter:cache]`, `[keystone_authtoken]`, …). */
  readonly section: Located<string>;
  /** Effective server list after the product's own precedence rules. */
  readonly servers: ServerEntry[];
  /** Where the effective list came from (the line, or the product default). */
  readonly serversOrigin: SettingOrigin;
  /**
   * How the client caches: its own server list, Swift's ring (authtoken with
   * `cache = swift.cache` after the cache filter), an in-process cache, or not at all.
   */
  readonly mode: "own-servers" | "swift-ring" | "in-process" | "disabled";
  /** For `swift-ring` mode: the id of the Swift client whose ring is used. */
  readonly sharesRingOf?: string;
  /** Swift's md5 ring does not depend on order; python-memcached/pymemcache hashing does. */
  readonly orderSensitive: boolean;
  readonly tlsEnabled: boolean;
  /** Effective values of the options the product reads, with their origin. */
  readonly settings: Record<string, EffectiveSetting>;
  /** Every option written in the client's sections, as written (for SL110). */
  readonly writtenOptions: WrittenOption[];
}

export interface WrittenOption {
  readonly section: string;
  readonly name: string;
  readonly location: SourceLocation;
}

export interface SwiftPipeline {
  readonly hostId: string;
  readonly file: string;
  /** The `pipeline = …` value. */
  readonly pipeline: Located<string>;
  readonly stages: PipelineStage[];
  /** Id of the proxy's cache client, when the pipeline has a cache filter. */
  readonly cacheClientId?: string;
  /** `log_msg_template` of the pipeline's proxy-logging filter, when set: how access lines are written. */
  readonly accessLogTemplate?: Located<string>;
}

export interface PipelineStage {
  readonly name: string;
  /** The stage's span inside the pipeline value. */
  readonly location: SourceLocation;
  /** The section that defines it (`[filter:name]` / `[app:name]`), when present. */
  readonly section?: Located<string>;
  /** `use = egg:swift#memcache` or the factory path, when given. */
  readonly entryPoint?: string;
  /** What the stage is, derived from its entry point. */
  readonly role: PipelineRole;
  /** For authtoken: the `cache` option (`swift.cache`) when set. */
  readonly cacheEnvKey?: Located<string>;
}

export type PipelineRole =
  | "cache"
  | "authtoken"
  | "tempauth"
  | "ratelimit"
  | "s3token"
  | "s3api"
  | "tempurl"
  | "formpost"
  | "staticweb"
  | "container_sync"
  | "proxy-app"
  | "other";

export type ShadowReason =
  /** proxy-server.conf sets memcache_servers and memcache_max_connections: memcache.conf is never read. */
  | "memcache-conf-unread"
  /** paste.deploy keeps the [DEFAULT] value for a key a section repeats without `set`. */
  | "paste-default-wins"
  /** A later file of the same proxy-server.conf.d directory sets the same key. */
  | "conf-d-override"
  /** The same proxy-side key beats memcache.conf when both are read. */
  | "proxy-side-wins";

export interface ShadowedSetting {
  readonly clientId: string;
  readonly key: string;
  readonly reason: ShadowReason;
  /** The line the operator wrote and the product ignores. */
  readonly ignored: SourceLocation;
  readonly ignoredValue: string;
  /** The line that wins instead, or null (memcache.conf unread: the product default wins). */
  readonly winner: SourceLocation | null;
  readonly winnerValue: string;
}

/** A memcached process, from its launch configuration or an observed listener (topology issue). */
export interface MemcachedInstance {
  readonly id: string;
  readonly hostId: string;
  readonly listen: Located<string>[];
  readonly port: Located<number> | null;
  readonly origin: SourceLocation;
}

export function emptyDeployment(): Deployment {
  return { hosts: [], cacheClients: [], swiftPipelines: [], shadowedSettings: [], memcachedInstances: [], runtime: emptyRuntime() };
}
