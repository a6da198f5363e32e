import { describe, expect, it } from "vitest";
import rule from "../../rules/memcached-udp-enabled.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcached-udp-enabled";

describe("SL205 memcached-udp-enabled", () => {
  it("fires: fires", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(findingSites(result)).toEqual([["SL205", `${dir}/fires/etc/sysconfig/memcached`, 5]]);
  });
  it("fires: fires-observed", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-observed`);
    expect(findingSites(result)).toEqual([["SL205", `${dir}/fires-observed/sos_commands/networking/ss_-peaonmi`, 5]]);
  });
  it.each(["clean"])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, `${dir}/${name}`)).findings).toEqual([]);
  });
});
