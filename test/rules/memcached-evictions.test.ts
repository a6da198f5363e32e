import { describe, expect, it } from "vitest";
import rule from "../../rules/memcached-evictions.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcached-evictions";

describe("SL405 memcached-evictions", () => {
  it("fires on evictions with their share, and on too-large replies in client logs", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(findingSites(result)).toEqual([
      ["SL405", `${dir}/fires/mc1/sos_commands/memcached/memcached-tool_127.0.0.1_11211_stats`, 5],
      ["SL405", `${dir}/fires/proxy1/var/log/swift/proxy.log`, 1],
    ]);
    expect(result.findings[0]!.message).toContain("500 evictions (2.5 % of the 20000 items stored)");
    expect(result.findings[1]!.message).toContain("object too large for cache");
  });
  it("stays silent without evictions", async () => {
    expect((await runRuleOn(rule, `${dir}/clean`)).findings).toEqual([]);
  });
});
