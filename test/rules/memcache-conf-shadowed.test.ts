import { describe, expect, it } from "vitest";
import rule from "../../rules/memcache-conf-shadowed.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcache-conf-shadowed";
const precedence = "fixtures/model/swift-precedence";

describe("SL105 memcache-conf-shadowed", () => {
  it("fires on every memcache.conf line Swift never reads, relating the line in effect", async () => {
    const result = await runRuleOn(rule, `${precedence}/03-proxy-sets-both`);
    expect(findingSites(result)).toEqual([
      ["SL105", `${precedence}/03-proxy-sets-both/etc/swift/memcache.conf`, 2],
      ["SL105", `${precedence}/03-proxy-sets-both/etc/swift/memcache.conf`, 3],
      ["SL105", `${precedence}/03-proxy-sets-both/etc/swift/memcache.conf`, 4],
    ]);
    expect(result.findings[0]!.related.map((r) => [r.location.file, r.location.line])).toEqual([[`${precedence}/03-proxy-sets-both/etc/swift/proxy-server.conf`, 12]]);
    expect(result.findings[0]!.message).toMatch(/never read: proxy-server.conf sets both/u);
  });
  it("fires on a [filter:cache] value that paste.deploy replaces with [DEFAULT]'s", async () => {
    const result = await runRuleOn(rule, `${precedence}/07-default-shadows-filter`);
    expect(findingSites(result)).toEqual([["SL105", `${precedence}/07-default-shadows-filter/etc/swift/proxy-server.conf`, 15]]);
    expect(result.findings[0]!.message).toContain("`set memcache_servers = 10.0.0.11:11211,10.0.0.12:11211`");
  });
  it("fires on a memcache.conf value that the proxy side beats", async () => {
    expect(findingSites(await runRuleOn(rule, `${precedence}/02-proxy-servers-only`))).toEqual([["SL105", `${precedence}/02-proxy-servers-only/etc/swift/memcache.conf`, 2]]);
  });
  it("fires on a proxy-server.conf.d value that a later file of the directory overrides", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-conf-d`);
    expect(findingSites(result)).toEqual([["SL105", `${dir}/fires-conf-d/etc/swift/proxy-server.conf.d/10-base.conf`, 15]]);
    expect(result.findings[0]!.related[0]!.location).toMatchObject({ file: `${dir}/fires-conf-d/etc/swift/proxy-server.conf.d/20-cache.conf`, line: 2 });
  });
  it.each([`${dir}/clean-same-value`, `${dir}/clean-separate-configs`, `${precedence}/08-set-overrides-default`, `${precedence}/01-no-config`])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, name)).findings).toEqual([]);
  });
});
