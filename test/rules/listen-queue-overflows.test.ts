import { describe, expect, it } from "vitest";
import rule from "../../rules/listen-queue-overflows.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/listen-queue-overflows";

describe("SL404 listen-queue-overflows", () => {
  it("fires on netstat -s and /proc/net/netstat, saying the counters are host-wide", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(findingSites(result)).toEqual([
      ["SL404", `${dir}/fires/mc1/sos_commands/networking/netstat_-s`, 8],
      ["SL404", `${dir}/fires/mc2/proc/net/netstat`, 2],
    ]);
    expect(result.findings[0]!.message).toContain("TcpExtListenOverflows 37 and TcpExtListenDrops 41");
    expect(result.findings[0]!.message).toContain("host-wide");
  });
  it("stays silent on zero counters", async () => {
    expect((await runRuleOn(rule, `${dir}/clean`)).findings).toEqual([]);
  });
});
