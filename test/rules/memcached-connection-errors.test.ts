import { describe, expect, it } from "vitest";
import rule from "../../rules/memcached-connection-errors.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcached-connection-errors";
const p503 = "fixtures/rules/proxy-503-memcached-errors";

describe("SL402 memcached-connection-errors", () => {
  it("one finding per (client host, server), at the first error line, from docker json-file logs", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    const log = `${dir}/fires/proxy2/var/lib/docker/containers/abc123/abc123-json.log`;
    expect(findingSites(result)).toEqual([
      ["SL402", log, 1],
      ["SL402", log, 4],
    ]);
    expect(result.findings.map((f) => f.level)).toEqual(["warning", "warning"]);
    expect(result.findings[0]!.message).toContain("swift_proxy_server on proxy2 logged 2 memcache errors for 192.0.2.12:11211 between 2024-05-01 16:08:04Z and 2024-05-01 16:08:06Z: Timeout connecting ×2");
    expect(result.findings[0]!.message).toContain("a firewall drops the packets");
    expect(result.findings[0]!.related.map((r) => [r.location.file, r.location.line])).toEqual([
      [`${dir}/fires/proxy2/etc/swift/proxy-server.conf`, 15],
      [log, 3],
    ]);
    expect(result.findings[1]!.message).toContain("the server name does not resolve");
  });
  it("is an error when every configured server fails, and reports Swift's ALL lines", async () => {
    const result = await runRuleOn(rule, `${p503}/fires`);
    const log = `${p503}/fires/proxy1/var/log/swift/proxy.log`;
    expect(findingSites(result)).toEqual([
      ["SL402", log, 2],
      ["SL402", log, 3],
      ["SL402", log, 6],
    ]);
    expect(result.findings.map((f) => f.level)).toEqual(["error", "error", "error"]);
    expect(result.findings[0]!.message).toContain("2 memcache errors for 192.0.2.11:11211 between 2024-05-01 16:08:03Z and 2024-05-01 16:08:10Z: Error connecting: ECONNREFUSED ×1, Error limiting server ×1");
    expect(result.findings[0]!.message).toContain("Every configured server of this proxy is failing");
    expect(result.findings[2]!.messageId).toBe("all");
  });
  it("stays a warning when only some servers fail", async () => {
    const result = await runRuleOn(rule, `${p503}/only-some-servers`);
    expect(result.findings.map((f) => [f.ruleId, f.level, f.location.line])).toEqual([["SL402", "warning", 1]]);
  });
  it("a clean log gives nothing", async () => {
    expect((await runRuleOn(rule, `${dir}/clean`)).findings).toEqual([]);
  });
});
