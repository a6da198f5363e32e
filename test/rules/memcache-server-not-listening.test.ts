import { describe, expect, it } from "vitest";
import rule from "../../rules/memcache-server-not-listening.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcache-server-not-listening";

describe("SL103 memcache-server-not-listening", () => {
  it("fires: fires", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(findingSites(result)).toEqual([["SL103", `${dir}/fires/proxy1/etc/swift/proxy-server.conf`, 12]]);
  });
  it("fires: fires-observed", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-observed`);
    expect(findingSites(result)).toEqual([["SL103", `${dir}/fires-observed/proxy1/etc/swift/proxy-server.conf`, 12]]);
  });
  it("names what listens there, with both lines", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(result.findings[0]!.message).toContain("no memcached on ctl2 listens on 10.0.0.12:11212; what listens there: 10.0.0.12:11211");
    expect(result.findings[0]!.related.map((r) => [r.location.file, r.location.line])).toEqual([[`${dir}/fires/ctl2/etc/memcached.conf`, 7]]);
  });
  it.each(["clean", "clean-unknown-host"])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, `${dir}/${name}`)).findings).toEqual([]);
  });
});
