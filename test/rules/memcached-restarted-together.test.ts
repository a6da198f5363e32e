import { describe, expect, it } from "vitest";
import rule from "../../rules/memcached-restarted-together.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcached-restarted-together";

describe("SL406 memcached-restarted-together", () => {
  it("fires when every instance started within the window, at the first start", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(findingSites(result)).toEqual([["SL406", `${dir}/fires/mc1/sos_commands/logs/journalctl_--no-pager`, 4]]);
    expect(result.findings[0]!.message).toContain("All 2 memcached instances (mc1, mc2) started within 90 s of each other");
    expect(result.findings[0]!.related.map((r) => [r.location.file, r.location.line])).toEqual([[`${dir}/fires/mc2/sos_commands/logs/journalctl_--no-pager`, 3]]);
  });
  it("stays silent for starts further apart than the window, and the window is a setting", async () => {
    expect((await runRuleOn(rule, `${dir}/clean`)).findings).toEqual([]);
    expect((await runRuleOn(rule, `${dir}/clean`, { restartWindowSeconds: 900 })).findings).toHaveLength(1);
  });
});
