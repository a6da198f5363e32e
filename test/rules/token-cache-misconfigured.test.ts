import { describe, expect, it } from "vitest";
import rule from "../../rules/token-cache-misconfigured.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/token-cache-misconfigured";

describe("SL109 token-cache-misconfigured", () => {
  it("fires once per cause, at the option's line or the section header", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(findingSites(result)).toEqual([
      ["SL109", `${dir}/fires/etc/cinder/cinder.conf`, 8],
      ["SL109", `${dir}/fires/etc/cinder/cinder.conf`, 10],
      ["SL109", `${dir}/fires/etc/cinder/cinder.conf`, 17],
      ["SL109", `${dir}/fires/etc/glance/glance-api.conf`, 8],
      ["SL109", `${dir}/fires/etc/nova/nova.conf`, 5],
      ["SL109", `${dir}/fires/etc/nova/nova.conf`, 8],
      ["SL109", `${dir}/fires/etc/nova/nova.conf`, 17],
    ]);
    expect(result.findings.map((f) => [f.messageId, f.level])).toEqual([
      ["invalidStrategy", "error"],
      ["basicPool", "warning"],
      ["nullBackend", "warning"],
      ["missingSecret", "error"],
      ["inProcess", "warning"],
      ["missingSecret", "error"],
      ["cacheDisabled", "warning"],
    ]);
  });

  it("fires on the proxy's authtoken filter without a cache, with the Swift fix", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-proxy`);
    expect(findingSites(result)).toEqual([["SL109", `${dir}/fires-proxy/etc/swift/proxy-server.conf`, 16]]);
    expect(result.findings[0]!.message).toContain("Set cache = swift.cache (with the cache filter before authtoken in the pipeline)");
  });

  it("stays silent: configured caches, token caching off, caching off with nothing memcache written, Swift's ring", async () => {
    expect((await runRuleOn(rule, `${dir}/clean`)).findings).toEqual([]);
  });

  it("states the evidence and the fix", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    const message = (id: string, file: string) => result.findings.find((f) => f.messageId === id && f.location.file.endsWith(file))!;
    const nova = message("missingSecret", "nova.conf");
    expect(nova.message).toMatch(/^keystonemiddleware in nova \[keystone_authtoken\] sets memcache_security_strategy = ENCRYPT without a memcache_secret_key:/u);
    expect(nova.message).toContain("ConfigurationError");
    expect(nova.message).toContain("Set memcache_secret_key to a shared secret, or remove the strategy.");
    const glance = message("missingSecret", "glance-api.conf");
    expect(glance.message).toContain("(it is written but empty)");
    expect(glance.related).toEqual([{ location: expect.objectContaining({ line: 9 }), message: "memcache_secret_key is empty" }]);
    expect(message("inProcess", "nova.conf").message).toContain("Set memcached_servers to the deployment's memcached servers.");
    expect(message("inProcess", "nova.conf").location.column).toBe(2);
    expect(message("cacheDisabled", "nova.conf").message).toContain("has caching disabled (enabled = false)");
    expect(message("cacheDisabled", "nova.conf").related[0]!.location.line).toBe(19);
    expect(message("nullBackend", "cinder.conf").message).toContain("uses backend = dogpile.cache.null, which does not talk to memcached");
    expect(message("invalidStrategy", "cinder.conf").message).toContain("memcache_security_strategy = hmac, which keystonemiddleware does not know");
    expect(message("basicPool", "cinder.conf").message).toContain("memcache_use_advanced_pool = False");
  });

  it("keeps the per-finding error level unless the user overrides the rule", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(result.findings.filter((f) => f.level === "error")).toHaveLength(3);
    expect(result.rules.find((r) => r.id === "SL109")!.level).toBe("warning");
  });

  it("never prints a secret of the inputs", async () => {
    for (const fixture of ["fires", "clean"]) {
      const result = await runRuleOn(rule, `${dir}/${fixture}`);
      const text = JSON.stringify(result) + result.findings.map((f) => f.message).join("\n");
      for (const secret of ["Zm9vYmFyLWNpbmRlci1zZWNyZXQ=", "Y2xlYW4tbm92YS1zZWNyZXQta2V5", "Svc-nova-Passw0rd", "Svc-cinder-Passw0rd", "Rabb1tPassw0rd"]) {
        expect(text).not.toContain(secret);
      }
    }
  });
});
