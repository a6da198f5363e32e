import { describe, expect, it } from "vitest";
import rule from "../../rules/memcached-rejecting-connections.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcached-rejecting-connections";

describe("SL403 memcached-rejecting-connections", () => {
  it("fires on stats at the limit and on memcached's own lines", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    const stats = `${dir}/fires/mc1/sos_commands/memcached/memcached-tool_192.0.2.11_11211_stats`;
    const syslog = `${dir}/fires/mc1/var/log/syslog`;
    expect(findingSites(result)).toEqual([
      ["SL403", stats, 4],
      ["SL403", syslog, 2],
      ["SL403", syslog, 3],
    ]);
    expect(result.findings[0]!.message).toContain("curr_connections 1019 of max_connections 1024");
    expect(result.findings[0]!.message).toContain("rejected_connections 57");
    expect(result.findings[2]!.message).toContain("`Too many open connections` 2 times on mc1 between 2024-05-01 16:08:02Z and 2024-05-01 16:09:02Z");
  });
  it("stays silent below 90 % with nothing rejected", async () => {
    expect((await runRuleOn(rule, `${dir}/clean`)).findings).toEqual([]);
  });
});
