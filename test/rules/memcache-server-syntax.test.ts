import { describe, expect, it } from "vitest";
import rule from "../../rules/memcache-server-syntax.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcache-server-syntax";

/** `[ruleId, file, line, column]`: entry-level findings point at the entry's own columns. */
function entrySites(result: Awaited<ReturnType<typeof runRuleOn>>): [string, string, number, number][] {
  return result.findings.map((f) => [f.ruleId, f.location.file, f.location.line, f.location.column]);
}

describe("SL107 memcache-server-syntax", () => {
  it("fires on every unusable or duplicate entry, at the entry's columns", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(entrySites(result)).toEqual([
      // An inline comment is part of an INI value.
      ["SL107", `${dir}/fires/etc/cinder/cinder.conf`, 7, 37],
      // python-memcached: IPv6 without inet6:, then a port above 65535.
      ["SL107", `${dir}/fires/etc/nova/nova.conf`, 8, 37],
      ["SL107", `${dir}/fires/etc/nova/nova.conf`, 8, 57],
      // 10.0.0.11 is 10.0.0.11:11211 again.
      ["SL107", `${dir}/fires/etc/nova/nova.conf`, 16, 52],
      // Swift: unbracketed IPv6, then the inet6: prefix Kolla renders.
      ["SL107", `${dir}/fires/etc/swift/proxy-server.conf`, 15, 40],
      ["SL107", `${dir}/fires/etc/swift/proxy-server.conf`, 15, 58],
    ]);
    expect(result.findings.map((f) => f.messageId)).toEqual(["unusable", "unusable", "unusable", "duplicate", "unusable", "unusable"]);
    expect(result.findings.every((f) => f.level === "error")).toBe(true);
    expect(result.findings[5]!.location).toMatchObject({ endColumn: 83 });
  });

  it("reports a memcache.conf line read by several Swift daemons once, under the proxy", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-shared-memcache-conf`);
    expect(findingSites(result)).toEqual([["SL107", `${dir}/fires-shared-memcache-conf/etc/swift/memcache.conf`, 3]]);
    const [finding] = result.findings;
    expect(finding!.location.column).toBe(52);
    expect(finding!.message).toMatch(/^The Swift proxy \[filter:cache\] \(the same line also feeds the Swift object-expirer \[filter:cache\]\) lists the memcached server 10\.0\.0\.11:11211 twice:/u);
    expect(finding!.related).toEqual([{ location: expect.objectContaining({ line: 3, column: 20 }), message: "first listed here as 10.0.0.11:11211" }]);
  });

  it("stays silent on well-formed lists, Swift's dropped empty entry, swift-ring and disabled clients", async () => {
    expect((await runRuleOn(rule, `${dir}/clean`)).findings).toEqual([]);
  });

  it("states the evidence and the fix", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    const byLine = (file: string, column: number) => result.findings.find((f) => f.location.file.endsWith(file) && f.location.column === column)!.message;
    expect(byLine("proxy-server.conf", 58)).toContain("Swift does not accept the 'inet6:' prefix in 'inet6:[fd00:10::13]:11211' and refuses to start");
    expect(byLine("proxy-server.conf", 58)).toContain("Write each entry as host:port, or [IPv6]:port for IPv6");
    expect(byLine("nova.conf", 37)).toContain("write inet6:[fd00:10::12]:11211");
    expect(byLine("nova.conf", 37)).toContain("Write each entry as host:port, or inet6:[IPv6]:port for IPv6");
    expect(byLine("cinder.conf", 37)).toContain("INI files have no inline comments");
    expect(byLine("nova.conf", 52)).toContain("lists the memcached server 10.0.0.11:11211 twice (as 10.0.0.11:11211 and 10.0.0.11)");
    expect(byLine("nova.conf", 52)).toContain("Remove the duplicate entry.");
  });

  it("never prints a secret of the inputs", async () => {
    const text = JSON.stringify(await runRuleOn(rule, `${dir}/fires`));
    for (const secret of ["Svc-nova-Passw0rd", "Rabb1tPassw0rd"]) expect(text).not.toContain(secret);
  });
});
