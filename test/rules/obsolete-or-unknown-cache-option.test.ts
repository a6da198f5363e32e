import { describe, expect, it } from "vitest";
import rule, { editDistance } from "../../rules/obsolete-or-unknown-cache-option.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/obsolete-or-unknown-cache-option";

describe("SL110 obsolete-or-unknown-cache-option", () => {
  it("fires on obsolete, deprecated, foreign and unknown options, at the option's line", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(findingSites(result)).toEqual([
      ["SL110", `${dir}/fires/etc/keystone/keystone.conf`, 6],
      ["SL110", `${dir}/fires/etc/nova/nova.conf`, 8],
      ["SL110", `${dir}/fires/etc/nova/nova.conf`, 9],
      ["SL110", `${dir}/fires/etc/nova/nova.conf`, 10],
      ["SL110", `${dir}/fires/etc/nova/nova.conf`, 18],
      ["SL110", `${dir}/fires/etc/nova/nova.conf`, 19],
      ["SL110", `${dir}/fires/etc/nova/nova.conf`, 20],
      ["SL110", `${dir}/fires/etc/swift/proxy-server.conf`, 16],
      ["SL110", `${dir}/fires/etc/swift/proxy-server.conf`, 17],
      ["SL110", `${dir}/fires/etc/swift/proxy-server.conf`, 18],
      ["SL110", `${dir}/fires/etc/swift/proxy-server.conf`, 19],
      ["SL110", `${dir}/fires/etc/swift/proxy-server.conf`, 20],
    ]);
    expect(result.findings.map((f) => f.messageId)).toEqual([
      "deprecatedShadowed", // [keystone_authtoken] memcache_servers next to memcached_servers
      "deprecated", // [keystone_authtoken] memcache_servers
      "unknownSuggest", // memcache_pool_maxsise
      "otherLibrary", // oslo.cache's memcache_pool_connection_get_timeout in keystonemiddleware
      "unknownSuggest", // [cache] memcached_servers
      "deprecated", // [cache] memcache_socket_timeout
      "otherLibrary", // keystonemiddleware's memcache_pool_conn_get_timeout in [cache]
      "deprecated", // [filter:cache] max_connections
      "obsolete", // memcache_serialization_support
      "unknownSuggest", // conect_timeout
      "unknownSuggest", // Memcache_Servers
      "unknown", // memcache_expiry
    ]);
    expect(result.findings.every((f) => f.level === "note")).toBe(true);
  });

  it("judges memcache.conf once although two Swift daemons read it", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-memcache-conf`);
    expect(findingSites(result)).toEqual([
      ["SL110", `${dir}/fires-memcache-conf/etc/swift/memcache.conf`, 3],
      ["SL110", `${dir}/fires-memcache-conf/etc/swift/memcache.conf`, 4],
      ["SL110", `${dir}/fires-memcache-conf/etc/swift/memcache.conf`, 5],
    ]);
    expect(result.findings.map((f) => f.messageId)).toEqual(["obsolete", "aliasNotRead", "unknown"]);
  });

  it("stays silent on known options, logging and paste keys, and non-memcache options", async () => {
    expect((await runRuleOn(rule, `${dir}/clean`)).findings).toEqual([]);
  });

  it("states the evidence and the fix", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    const at = (file: string, line: number) => result.findings.find((f) => f.location.file.endsWith(file) && f.location.line === line)!;
    expect(at("proxy-server.conf", 17).message).toBe(
      "[filter:cache] memcache_serialization_support is no longer read: Swift removed pickle serialization in 2.30.0 and ignores this option. Remove the line.",
    );
    expect(at("proxy-server.conf", 18).message).toMatch(/^\[filter:cache\] conect_timeout is not an option Swift's cache middleware reads, so it has no effect; did you mean connect_timeout\?/u);
    expect(at("proxy-server.conf", 19).message).toContain("did you mean memcache_servers? (Option names are case-sensitive.)");
    expect(at("proxy-server.conf", 16).message).toContain("deprecated name of memcache_max_connections");
    expect(at("nova.conf", 19).message).toContain("deprecated name of socket_timeout since oslo.cache 4.1.0");
    expect(at("nova.conf", 20).message).toContain("oslo.cache calls it memcache_pool_connection_get_timeout.");
    expect(at("nova.conf", 9).message).toContain("did you mean memcache_pool_maxsize?");
    const shadowed = at("keystone.conf", 6);
    expect(shadowed.message).toContain("is ignored: it is a deprecated name of memcached_servers, which is also set and wins");
    expect(shadowed.related[0]!.location.line).toBe(5);
    expect(at("proxy-server.conf", 20).key).toBe(`${dir}/fires/etc/swift/proxy-server.conf[filter:cache]memcache_expiry:unknown`);
  });

  it("measures edit distance with an early exit", () => {
    expect(editDistance("conect_timeout", "connect_timeout", 2)).toBe(1);
    expect(editDistance("memcache_pool_maxsise", "memcache_pool_maxsize", 2)).toBe(1);
    expect(editDistance("memcached_servers", "memcache_servers", 2)).toBe(1);
    expect(editDistance("abc", "xyz", 2)).toBe(3);
    expect(editDistance("memcache_servers", "connect_timeout", 2)).toBe(3);
  });

  it("never prints a secret of the inputs", async () => {
    for (const fixture of ["fires", "clean"]) {
      const text = JSON.stringify(await runRuleOn(rule, `${dir}/${fixture}`));
      for (const secret of ["c3dpZnQtcHJveHktbWVtY2FjaGUta2V5", "Svc-nova-Passw0rd", "Svc-swift-Passw0rd", "Rabb1tPassw0rd"]) expect(text).not.toContain(secret);
    }
  });
});
