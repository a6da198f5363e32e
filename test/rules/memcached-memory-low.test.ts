import { describe, expect, it } from "vitest";
import rule from "../../rules/memcached-memory-low.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcached-memory-low";

describe("SL204 memcached-memory-low", () => {
  it("fires: fires", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(findingSites(result)).toEqual([["SL204", `${dir}/fires/etc/memcached.conf`, 4]]);
  });
  it.each(["clean", "clean-no-client"])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, `${dir}/${name}`)).findings).toEqual([]);
  });
});
