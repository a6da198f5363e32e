import { describe, expect, it } from "vitest";
import rule from "../../rules/memcached-memory-low.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcached-memory-low";

describe("SL204 memcached-memory-low", () => {
  it("fires: fires", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(findingSites(result)).toEqual([["SL204", `${dir}/fires/etc/memcached.conf`, 4]]);
  });
  it("follows the memoryFloorMb setting (config thresholds.memoryFloorMb)", async () => {
    // -m 256 is reported under a 512 MB floor; -m 64 is not under a 32 MB floor.
    expect(findingSites(await runRuleOn(rule, `${dir}/clean`, { memoryFloorMb: 512 }))).toEqual([["SL204", `${dir}/clean/etc/memcached.conf`, 4]]);
    expect((await runRuleOn(rule, `${dir}/fires`, { memoryFloorMb: 32 })).findings).toEqual([]);
    expect(findingSites(await runRuleOn(rule, `${dir}/fires`, { memoryFloorMb: 64 }))).toHaveLength(1);
  });
  it.each(["clean", "clean-no-client"])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, `${dir}/${name}`)).findings).toEqual([]);
  });
});
