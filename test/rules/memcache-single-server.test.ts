import { describe, expect, it } from "vitest";
import rule from "../../rules/memcache-single-server.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcache-single-server";

describe("SL101 memcache-single-server", () => {
  it("fires on the single entry of each client, at the entry's columns", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(findingSites(result)).toEqual([
      ["SL101", `${dir}/fires/etc/nova/nova.conf`, 2],
      ["SL101", `${dir}/fires/etc/swift/proxy-server.conf`, 15],
    ]);
    expect(result.findings[1]!.location).toMatchObject({ column: 20, endColumn: 35 });
    expect(result.findings[1]!.message).toMatch(/lists only one memcached server, 10\.0\.0\.11:11211.*List every memcached server/u);
  });
  it("stays silent with two servers", async () => {
    expect((await runRuleOn(rule, `${dir}/clean`)).findings).toEqual([]);
  });
  it("leaves Swift's silent default to SL102", async () => {
    expect((await runRuleOn(rule, `${dir}/default-only`)).findings).toEqual([]);
  });
});
