import { describe, expect, it } from "vitest";
import rule from "../../rules/memcached-nofile-limit-low.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcached-nofile-limit-low";

describe("SL203 memcached-nofile-limit-low", () => {
  it("fires: fires", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(findingSites(result)).toEqual([["SL203", `${dir}/fires/etc/systemd/system/memcached.service.d/limits.conf`, 2]]);
  });
  it("fires: fires-unit", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-unit`);
    expect(findingSites(result)).toEqual([["SL203", `${dir}/fires-unit/etc/systemd/system/memcached.service`, 7]]);
  });
  it("fires: fires-compose", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-compose`);
    expect(findingSites(result)).toEqual([["SL203", `${dir}/fires-compose/compose.yaml`, 8]]);
  });
  it.each(["clean"])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, `${dir}/${name}`)).findings).toEqual([]);
  });
});
