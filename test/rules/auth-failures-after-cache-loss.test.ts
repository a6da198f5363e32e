import { describe, expect, it } from "vitest";
import rule from "../../rules/auth-failures-after-cache-loss.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/auth-failures-after-cache-loss";

describe("SL408 auth-failures-after-cache-loss", () => {
  it("fires on a burst of 401s after a restart, with the token redacted in the snippet", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    const log = `${dir}/fires/proxy1/var/log/swift/proxy.log`;
    expect(findingSites(result)).toEqual([["SL408", log, 1]]);
    expect(result.findings[0]!.message).toContain("12 401 responses of the proxy on proxy1 within 300 s after memcached restarted at 2024-05-01 16:05:11Z");
    expect(result.findings[0]!.related[0]!.location).toMatchObject({ file: `${dir}/fires/mc1/sos_commands/logs/journalctl_--no-pager`, line: 4 });
    expect(result.snippets[`${log}:1`]).not.toContain("AUTH_tk");
    expect(result.snippets[`${log}:1`]).toContain("********");
  });
  it("stays silent below the burst size", async () => {
    expect((await runRuleOn(rule, `${dir}/clean`)).findings).toEqual([]);
  });
});
