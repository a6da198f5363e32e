import { describe, expect, it } from "vitest";
import rule from "../../rules/proxy-503-memcached-errors.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/proxy-503-memcached-errors";
const conf = (d: string) => `${dir}/${d}/proxy1/etc/swift/proxy-server.conf`;

describe("SL401 proxy-503-memcached-errors", () => {
  it("joins 503s with memcache errors by transaction id, at the first 503 line", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    const log = `${dir}/fires/proxy1/var/log/swift/proxy.log`;
    expect(findingSites(result)).toEqual([["SL401", log, 4]]);
    const finding = result.findings[0]!;
    expect(finding.level).toBe("error");
    // The 503 logged twice (second line with source TA) counts once: 3 requests.
    expect(finding.message).toContain("3 503 responses of the proxy on proxy1 between 2024-05-01 16:08:03Z and 2024-05-01 16:09:40Z were caused by memcached");
    expect(finding.message).toContain("3 share a transaction id with a memcache error line");
    expect(finding.message).toContain("5 memcache errors for 192.0.2.11:11211, 192.0.2.12:11211, ALL");
    expect(finding.message).toContain("Likely cause: connections refused: memcached is down or listens on another address or port");
    expect(finding.message).toContain("GET /auth/v1.0");
    expect(finding.related.map((r) => [r.location.file, r.location.line])).toEqual([
      [log, 2],
      [conf("fires"), 15],
      [log, 3],
      [conf("fires"), 15],
      [log, 6],
      [log, 10],
    ]);
  });
  it("gives the same answer from a journald JSON export", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-json`);
    const log = `${dir}/fires-json/proxy1/sos_commands/logs/journal.json`;
    expect(findingSites(result)).toEqual([["SL401", log, 4]]);
    const text = (await runRuleOn(rule, `${dir}/fires`)).findings[0]!.message;
    expect(result.findings[0]!.message).toBe(text);
  });
  it("falls back to the window only without transaction ids, and only when every configured server fails", async () => {
    const result = await runRuleOn(rule, `${dir}/no-txn`);
    // 16:08:03: both servers failed within ±30 s → blamed. 16:12:04: only .11 failed → not blamed, and not unexplained (errors near).
    expect(findingSites(result)).toEqual([["SL401", `${dir}/no-txn/proxy1/var/log/swift/proxy.log`, 3]]);
    expect(result.findings[0]!.message).toContain("1 503 response of the proxy on proxy1 at 2024-05-01 16:08:03Z");
    expect(result.findings[0]!.message).toContain("fall within 60 s windows in which every configured server failed");
  });
  it("the window is a setting", async () => {
    const result = await runRuleOn(rule, `${dir}/no-txn`, { causeWindowSeconds: 1 });
    expect(result.findings.map((f) => f.messageId)).toEqual(["unexplained", "unexplained"].slice(0, result.findings.length));
    expect(result.findings.every((f) => f.messageId !== "cache")).toBe(true);
  });
  it("does not blame memcached when only some servers fail, or a backend error explains the 503", async () => {
    expect((await runRuleOn(rule, `${dir}/only-some-servers`)).findings).toEqual([]);
    expect((await runRuleOn(rule, `${dir}/backend`)).findings).toEqual([]);
  });
  it("a clean log gives nothing", async () => {
    expect((await runRuleOn(rule, `${dir}/clean`)).findings).toEqual([]);
  });
  it("503s with no memcache errors around them are a note: look elsewhere", async () => {
    const result = await runRuleOn(rule, `${dir}/no-memcache-errors`);
    expect(findingSites(result)).toEqual([["SL401", `${dir}/no-memcache-errors/proxy1/var/log/swift/proxy.log`, 1]]);
    expect(result.findings[0]!.level).toBe("note");
    expect(result.findings[0]!.message).toContain("2 503 responses of the proxy on proxy1 between 2024-05-01 16:08:05Z and 2024-05-01 16:08:09Z have no memcache error within 30 s");
  });
});
