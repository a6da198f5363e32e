import { describe, expect, it } from "vitest";
import rule from "../../rules/memcached-max-connections-low.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcached-max-connections-low";

describe("SL202 memcached-max-connections-low", () => {
  it("fires: fires-demand", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-demand`);
    expect(findingSites(result)).toEqual([["SL202", `${dir}/fires-demand/ctl1/etc/sysconfig/memcached`, 3]]);
  });
  it("fires: fires-floor", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-floor`);
    expect(findingSites(result)).toEqual([["SL202", `${dir}/fires-floor/etc/memcached.conf`, 4]]);
  });
  it("shows the demand arithmetic", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-demand`);
    // Three proxies with the same settings are one term of the sum.
    expect(result.findings[0]!.message).toContain("3 hosts (proxy1, proxy2, proxy3) × the Swift proxy [filter:cache] 16 workers × 20 memcache_max_connections = 960");
    expect(result.findings[0]!.message).toContain("open 960 connections");
    expect(result.findings[0]!.message).toContain("needs at least 1200");
    expect(result.findings[0]!.related).toHaveLength(3);
  });
  it("uses the floor when no client lists the instance", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-floor`);
    expect(result.findings[0]!.messageId).toBe("belowFloor");
    expect(result.findings[0]!.message).toContain("-c 1024 (the memcached default), below the floor of 4096");
  });
  it("fires: fires-observed, on the -c line, with the ESTABLISHED connections per client", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-observed`);
    expect(findingSites(result)).toEqual([["SL202", `${dir}/fires-observed/ctl1/etc/memcached.conf`, 8]]);
    const finding = result.findings[0]!;
    expect(finding.messageId).toBe("belowObserved");
    expect(finding.message).toContain("-c 64 (written) but 60 connections to it were ESTABLISHED");
    expect(finding.message).toContain("10.0.0.21 (cmp1) 40 + 10.0.0.22 (cmp2) 20 = 60");
    expect(finding.message).toContain("needs at least 75");
    expect(finding.related.map((r) => [r.location.file, r.location.line])).toEqual([
      [`${dir}/fires-observed/ctl1/sos_commands/networking/ss_-tanp`, 4],
      [`${dir}/fires-observed/ctl1/sos_commands/networking/ss_-tanp`, 44],
    ]);
    // The estimate alone (two nova [cache] pools of 10) would not fire.
    expect(result.deployment.connectionDemand).toHaveLength(1);
    expect(result.deployment.connectionDemand[0]).toMatchObject({ seenFrom: "server", total: 60 });
  });
  it("counts one pool per worker process of every Kolla service, and says which counts it assumed", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-kolla-workers`);
    expect(findingSites(result)).toEqual([
      ["SL202", `${dir}/fires-kolla-workers/etc/kolla/globals.yml`, 4],
      ["SL202", `${dir}/fires-kolla-workers/etc/kolla/globals.yml`, 4],
      ["SL202", `${dir}/fires-kolla-workers/etc/kolla/globals.yml`, 4],
    ]);
    const message = result.findings[0]!.message;
    // keystone [cache], nova-api [cache] and [keystone_authtoken]: 9 clients × 5 workers × 10 = 450 (one pool each would be 90).
    expect(message).toContain("-c 400 (written) but its clients can open 450 connections");
    expect(message).toContain("3 hosts (ctl1, ctl2, ctl3) × oslo.cache in nova-api [cache] 5 workers (openstack_service_workers) × 10 memcache_pool_maxsize (default) = 150");
    expect(message).toContain("(assumed: keystone: 5 workers (openstack_service_workers = min(CPUs, 5), CPU count unknown); nova-api: 5 workers");
    expect(message).toContain("needs at least 563");
  });
  it.each(["clean-demand", "clean-floor", "clean-observed", "clean-kolla-workers"])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, `${dir}/${name}`)).findings).toEqual([]);
  });
});
