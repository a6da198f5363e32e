import { describe, expect, it } from "vitest";
import rule from "../../rules/token-cache-errors.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/token-cache-errors";

describe("SL407 token-cache-errors", () => {
  it("fires on oslo.cache pool exhaustion in a Kolla service log", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(findingSites(result)).toEqual([["SL407", `${dir}/fires/ctl1/var/log/kolla/nova/nova-api.log`, 2]]);
    expect(result.findings[0]!.message).toContain("2 times on ctl1 between 2024-05-01 16:08:13Z and 2024-05-01 16:09:13Z (140213)");
  });
  it("stays silent on a clean log", async () => {
    expect((await runRuleOn(rule, `${dir}/clean`)).findings).toEqual([]);
  });
});
