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
  it.each(["clean-demand", "clean-floor"])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, `${dir}/${name}`)).findings).toEqual([]);
  });
});
