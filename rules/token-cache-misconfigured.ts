import { clientLabel, onHost } from "../src/engine/describe.js";
import { defineRule } from "../src/engine/rule.js";
import type { CacheClient } from "../src/model/deployment.js";
import type { SourceLocation } from "../src/model/source.js";

/** oslo.config BoolOpt spellings (oslo_config/types.py Boolean, case-insensitive). */
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);
const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);

function configTrue(text: string): boolean {
  return TRUE_WORDS.has(text.trim().toLowerCase());
}

/** keystonemiddleware's strategies (auth_token/_opts.py choices; _cache.py SecureTokenCache). */
const STRATEGIES = new Set(["mac", "encrypt"]);
/** oslo.cache backends that talk to memcached (oslo_cache/_opts.py `backend` choices). */
const MEMCACHE_BACKENDS = new Set(["oslo_cache.memcache_pool", "dogpile.cache.memcached", "dogpile.cache.pymemcache", "dogpile.cache.pylibmc", "dogpile.cache.bmemcached"]);

/** The line where option `name` is written for this client (the key), if it is written. */
function writtenAt(client: CacheClient, name: string): SourceLocation | undefined {
  const written = client.writtenOptions.filter((o) => o.name === name);
  if (written.length > 0) return written[written.length - 1]!.location;
  const origin = client.settings[name]?.origin;
  return origin?.kind === "file" ? origin.location : undefined;
}

function isWritten(client: CacheClient, name: string): boolean {
  return client.settings[name]?.origin.kind === "file";
}

function value(client: CacheClient, name: string): string {
  return client.settings[name]?.value.trim() ?? "";
}

export default defineRule({
  id: "SL109",
  name: "token-cache-misconfigured",
  level: "warning",
  tags: ["reliability", "keystone"],
  precision: "high",
  summary: "keystonemiddleware or oslo.cache is configured so that its memcached cache is not used, or the service cannot start.",
  description:
    "keystonemiddleware without memcached_servers (and without Swift's cache) keeps tokens in an in-process cache per worker, deprecated since 4.2.0; a memcache_security_strategy without memcache_secret_key, or an unknown strategy, makes auth_token raise ConfigurationError when the service starts; memcache_use_advanced_pool = false selects the deprecated eventlet-unsafe pool. oslo.cache with enabled = false or a null or in-memory backend never uses the memcache servers written next to it.",
  messages: {
    inProcess:
      "{client}{host} has no memcached_servers, so keystonemiddleware caches tokens in-process: each worker process keeps its own token cache, a token is validated against Keystone again in every process and on every host, and keystonemiddleware logs a deprecation warning. {fix}",
    missingSecret:
      "{client}{host} sets memcache_security_strategy = {strategy} without a memcache_secret_key{emptyNote}: auth_token raises ConfigurationError (\"memcache_secret_key must be defined when a memcache_security_strategy is defined\") and the service does not start. Set memcache_secret_key to a shared secret, or remove the strategy.",
    invalidStrategy:
      "{client}{host} sets memcache_security_strategy = {strategy}, which keystonemiddleware does not know: auth_token raises ConfigurationError (\"memcache_security_strategy must be ENCRYPT or MAC\") and the service does not start. Use ENCRYPT, MAC or None.",
    cacheDisabled:
      "{client}{host} has caching disabled ({reason}), so the memcache settings written in [cache] are never used. Set enabled = true (with a memcached backend such as oslo_cache.memcache_pool), or remove the memcache settings.",
    nullBackend:
      "{client}{host} uses backend = {backend}, which does not talk to memcached, so the memcache settings written in [cache] are never used. Set backend = oslo_cache.memcache_pool (or dogpile.cache.pymemcache), or remove the memcache settings.",
    basicPool:
      "{client}{host} sets memcache_use_advanced_pool = {value}: keystonemiddleware then uses its eventlet-unsafe memcache pool, which is deprecated (\"Using the eventlet-unsafe cache pool is deprecated\"). Remove the line or set it to true (the default since keystonemiddleware 9.3.0).",
  },
  check({ deployment, report }) {
    for (const client of deployment.cacheClients) {
      const data = { client: clientLabel(client), host: onHost(deployment, client.hostId) };
      const header = client.section.location;

      if (client.kind === "keystonemiddleware") {
        // The in-process cache. `cache = <env key>` hands the choice to the WSGI pipeline: for
        // swift.cache in the proxy, a cache filter that is missing or late is SL106's.
        const cacheKey = value(client, "cache");
        const noCaching = value(client, "token_cache_time") === "-1";
        if (client.mode === "in-process" && cacheKey === "" && !noCaching) {
          const fix = client.section.value.startsWith("filter:")
            ? "Set cache = swift.cache (with the cache filter before authtoken in the pipeline) to share the proxy's memcache ring, or set memcached_servers."
            : "Set memcached_servers to the deployment's memcached servers.";
          report({
            messageId: "inProcess",
            data: { ...data, fix },
            location: writtenAt(client, "memcached_servers") ?? writtenAt(client, "memcache_servers") ?? header,
            key: `${client.id}:in-process`,
          });
        }

        // auth_token/__init__.py builds SecureTokenCache whenever the strategy is not None, in
        // every cache mode; its __init__ raises ConfigurationError (auth_token/_cache.py).
        const strategy = value(client, "memcache_security_strategy");
        if (isWritten(client, "memcache_security_strategy") && strategy !== "" && strategy.toLowerCase() !== "none") {
          const at = writtenAt(client, "memcache_security_strategy") ?? header;
          if (!STRATEGIES.has(strategy.toLowerCase())) {
            report({ messageId: "invalidStrategy", data: { ...data, strategy }, location: at, key: `${client.id}:invalid-strategy`, level: "error" });
          } else if (value(client, "memcache_secret_key") === "") {
            const emptyAt = isWritten(client, "memcache_secret_key") ? writtenAt(client, "memcache_secret_key") : undefined;
            report({
              messageId: "missingSecret",
              data: { ...data, strategy, emptyNote: emptyAt ? " (it is written but empty)" : "" },
              location: at,
              ...(emptyAt ? { related: [{ location: emptyAt, message: "memcache_secret_key is empty" }] } : {}),
              key: `${client.id}:strategy-without-secret`,
              level: "error",
            });
          }
        }

        // _cache.py _get_cache_pool: the advanced pool is used only with memcached_servers.
        const advanced = value(client, "memcache_use_advanced_pool");
        if (client.mode === "own-servers" && isWritten(client, "memcache_use_advanced_pool") && FALSE_WORDS.has(advanced.toLowerCase())) {
          report({
            messageId: "basicPool",
            data: { ...data, value: advanced },
            location: writtenAt(client, "memcache_use_advanced_pool") ?? header,
            key: `${client.id}:basic-pool`,
          });
        }
        continue;
      }

      if (client.kind === "oslo-cache" && client.mode === "disabled") {
        const backend = value(client, "backend");
        const memcacheWritten = isWritten(client, "memcache_servers") || (isWritten(client, "backend") && MEMCACHE_BACKENDS.has(backend));
        if (!memcacheWritten) continue;
        const related = isWritten(client, "memcache_servers")
          ? [{ location: writtenAt(client, "memcache_servers")!, message: "memcache servers that are never used" }]
          : [];
        // One finding per cause: the global toggle (enabled defaults to False) and the backend.
        if (!configTrue(value(client, "enabled"))) {
          const enabledAt = isWritten(client, "enabled") ? writtenAt(client, "enabled") : undefined;
          report({
            messageId: "cacheDisabled",
            data: { ...data, reason: enabledAt ? `enabled = ${value(client, "enabled")}` : "enabled is not set and defaults to false" },
            location: enabledAt ?? header,
            related,
            key: `${client.id}:cache-disabled`,
          });
        }
        if (!MEMCACHE_BACKENDS.has(backend)) {
          const backendAt = isWritten(client, "backend") ? writtenAt(client, "backend") : undefined;
          report({
            messageId: "nullBackend",
            data: { ...data, backend: backendAt ? backend : `${backend} (the default)` },
            location: backendAt ?? header,
            related,
            key: `${client.id}:no-memcache-backend`,
          });
        }
      }
    }
  },
});
