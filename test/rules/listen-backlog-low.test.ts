import { describe, expect, it } from "vitest";
import rule from "../../rules/listen-backlog-low.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/listen-backlog-low";

describe("SL302 listen-backlog-low", () => {
  it("fires: fires-sysctl", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-sysctl`);
    expect(findingSites(result)).toEqual([["SL302", `${dir}/fires-sysctl/etc/sysctl.d/90-net.conf`, 2]]);
  });
  it("fires: fires-old-kernel", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-old-kernel`);
    expect(findingSites(result)).toEqual([["SL302", `${dir}/fires-old-kernel/etc/memcached.conf`, 4]]);
  });
  it("fires: fires-observed", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-observed`);
    expect(findingSites(result)).toEqual([["SL302", `${dir}/fires-observed/sos_commands/networking/ss_-ltnp`, 2]]);
  });
  it("says which kernel default was assumed", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-old-kernel`);
    expect(result.findings[0]!.message).toContain("the default of Linux 4.18.0-80.el8.x86_64 (128 before 5.4)");
  });
  it.each(["clean", "clean-sysctl-raised"])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, `${dir}/${name}`)).findings).toEqual([]);
  });
});
