import { describe, expect, it } from "vitest";
import rule from "../../rules/memcached-exposed.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcached-exposed";

describe("SL206 memcached-exposed", () => {
  it("fires: fires", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(findingSites(result)).toEqual([["SL206", `${dir}/fires/etc/sysconfig/memcached`, 1]]);
  });
  it("fires: fires-public", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-public`);
    expect(findingSites(result)).toEqual([["SL206", `${dir}/fires-public/etc/memcached.conf`, 6]]);
  });
  it("is a note without firewall data", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(result.findings.map((f) => f.level)).toEqual(["note"]);
  });
  it.each(["clean"])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, `${dir}/${name}`)).findings).toEqual([]);
  });
});
