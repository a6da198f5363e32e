import type { CacheClient } from "../../src/model/deployment.js";

/** The effective cache settings in the shape test/oracles/swift_memcache_oracle.py prints. */
export type SwiftView = {
  cache: boolean;
  servers?: string[];
  max_connections?: number;
  connect_timeout?: number;
  pool_timeout?: number;
  io_timeout?: number;
  tries?: number;
  tls_enabled?: boolean;
  error_suppression_limit?: number;
  error_suppression_interval?: number;
};
export function stacklintView(client: CacheClient | undefined): SwiftView {
  if (!client) return { cache: false };
  const n = (name: string) => Number(client.settings[name]!.value);
  return {
    cache: true,
    servers: client.servers.map((s) => s.raw),
    max_connections: n("memcache_max_connections"),
    connect_timeout: n("connect_timeout"),
    pool_timeout: n("pool_timeout"),
    io_timeout: n("io_timeout"),
    // MemcacheRing clamps tries to the number of servers.
    tries: Math.min(n("tries"), client.servers.length),
    tls_enabled: ["true", "1", "yes", "on", "t", "y"].includes(client.settings.tls_enabled!.value.toLowerCase()),
    error_suppression_limit: n("error_suppression_limit"),
    error_suppression_interval: n("error_suppression_interval"),
  };
}

