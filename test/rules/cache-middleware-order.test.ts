import { describe, expect, it } from "vitest";
import rule from "../../rules/cache-middleware-order.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/cache-middleware-order";

describe("SL106 cache-middleware-order", () => {
  it("fires at the pipeline when cache is missing and consumers need it", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-missing`);
    expect(findingSites(result)).toEqual([["SL106", `${dir}/fires-missing/etc/swift/proxy-server.conf`, 2]]);
    expect(result.findings[0]!.message).toContain("ratelimit, authtoken need it");
    expect(result.findings[0]!.related.map((r) => r.location.column)).toEqual([39, 49]);
  });
  it("fires at the cache stage when it stands after a consumer, across continuation lines, with a renamed filter", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-late`);
    expect(findingSites(result)).toEqual([["SL106", `${dir}/fires-late/etc/swift/proxy-server.conf`, 3]]);
    expect(result.findings[0]!.location).toMatchObject({ column: 18, endColumn: 26 });
    expect(result.findings[0]!.related[0]!.location).toMatchObject({ line: 2, column: 39 });
  });
  it.each(["clean-authtoken-own-servers", "clean-no-consumers"])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, `${dir}/${name}`)).findings).toEqual([]);
  });
  it("fires on the demo's proxy1 (tempauth before cache)", async () => {
    expect(findingSites(await runRuleOn(rule, "fixtures/demo"))).toEqual([["SL106", "fixtures/demo/proxy1/etc/swift/proxy-server.conf", 9]]);
  });
});
