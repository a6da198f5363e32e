import { describe, expect, it } from "vitest";
import rule from "../../rules/memcached-bound-to-loopback.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcached-bound-to-loopback";

describe("SL201 memcached-bound-to-loopback", () => {
  it("fires: fires", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(findingSites(result)).toEqual([["SL201", `${dir}/fires/ctl1/etc/memcached.conf`, 7]]);
  });
  it("fires: fires-hostname", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-hostname`);
    expect(findingSites(result)).toEqual([["SL201", `${dir}/fires-hostname/controller/etc/sysconfig/memcached`, 5]]);
  });
  it("fires: fires-container", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-container`);
    expect(findingSites(result)).toEqual([["SL201", `${dir}/fires-container/docker-compose.yml`, 4]]);
  });
  it("relates the client line that cannot connect", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(result.findings[0]!.related.map((r) => [r.location.file, r.location.line])).toEqual([[`${dir}/fires/proxy1/etc/swift/proxy-server.conf`, 12]]);
    expect(result.findings[0]!.messageId).toBe("remoteClients");
  });
  it("resolves a host name through the client's /etc/hosts", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-hostname`);
    expect(result.findings[0]!.message).toContain("at controller:11211");
  });
  it.each(["clean-single-node", "clean-both", "clean-container"])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, `${dir}/${name}`)).findings).toEqual([]);
  });
});
