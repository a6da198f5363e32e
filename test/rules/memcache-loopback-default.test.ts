import { describe, expect, it } from "vitest";
import rule from "../../rules/memcache-loopback-default.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcache-loopback-default";

describe("SL102 memcache-loopback-default", () => {
  it("fires at the section when no servers are set anywhere", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-default`);
    expect(findingSites(result)).toEqual([
      ["SL102", `${dir}/fires-default/etc/keystone/keystone.conf`, 1],
      ["SL102", `${dir}/fires-default/etc/swift/proxy-server.conf`, 13],
    ]);
    expect(result.findings.map((f) => f.messageId)).toEqual(["osloDefault", "swiftDefault"]);
  });
  it("fires on written loopback entries when several hosts run cache clients", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-multihost`);
    expect(findingSites(result)).toEqual([
      ["SL102", `${dir}/fires-multihost/proxy1/etc/swift/proxy-server.conf`, 15],
      ["SL102", `${dir}/fires-multihost/proxy2/etc/swift/proxy-server.conf`, 15],
    ]);
    expect(result.findings[1]!.message).toContain("localhost:11211, a loopback address, while 2 hosts");
  });
  it.each(["clean-single-node", "clean-disabled-cache", "clean-memcache-conf"])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, `${dir}/${name}`)).findings).toEqual([]);
  });
});
