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
    expect(result.findings[0]!.message).toContain("16 workers × 20 memcache_max_connections = 320");
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
  it.each(["clean-demand", "clean-floor", "clean-observed"])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, `${dir}/${name}`)).findings).toEqual([]);
  });
});
