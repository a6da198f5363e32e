import { describe, expect, it } from "vitest";
import rule from "../../rules/memcache-plaintext-untrusted-network.js";
import { cidrContains, isPublicAddress, nonPublicRange, parseCidr, parseCidrList, parseIp } from "../../src/engine/ip.js";
import { runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcache-plaintext-untrusted-network";

describe("SL108 memcache-plaintext-untrusted-network", () => {
  it("fires on public addresses without TLS, at the entry's columns", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(result.findings.map((f) => [f.ruleId, f.location.file, f.location.line, f.location.column])).toEqual([
      ["SL108", `${dir}/fires/etc/nova/nova.conf`, 8, 21],
      ["SL108", `${dir}/fires/etc/nova/nova.conf`, 8, 40],
      ["SL108", `${dir}/fires/etc/swift/proxy-server.conf`, 14, 36],
    ]);
    expect(result.findings.every((f) => f.level === "warning")).toBe(true);
  });

  it("states the evidence and the client's own TLS switch", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    const [ksm, , swift] = result.findings;
    expect(ksm!.message).toMatch(/^keystonemiddleware in nova \[keystone_authtoken\] sends cache traffic in plaintext to 198\.51\.100\.7:11211, a public address:/u);
    expect(ksm!.message).toContain("Enable memcache_tls_enabled = true (with memcache_tls_cafile) in [keystone_authtoken]");
    expect(swift!.message).toContain("Enable tls_enabled = true (with tls_cafile) in [filter:cache]");
    expect(swift!.key).toBe(`swift-proxy@${dir}/fires/etc/swift/proxy-server.conf#filter:cache:plaintext:203.0.113.20:11211`);
  });

  it("stays silent for private, local and unresolved addresses, and with TLS", async () => {
    expect((await runRuleOn(rule, `${dir}/clean`)).findings).toEqual([]);
  });

  it("stays silent for addresses in the configured trusted networks; an invalid entry is ignored", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`, { trustedNetworks: ["not-a-cidr", "203.0.113.0/24", "198.51.100.0/25", "2001:db8::/32"] });
    expect(result.findings).toEqual([]);
    const partly = await runRuleOn(rule, `${dir}/fires`, { trustedNetworks: ["198.51.100.128/25"] });
    expect(partly.findings).toHaveLength(3);
  });

  it("carries the security metadata GitHub reads", () => {
    expect(rule.tags).toContain("security");
    expect(rule.securitySeverity).toBe("5.3");
  });

  it("never prints a secret of the inputs", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    const text = JSON.stringify(result);
    for (const secret of ["k3y-ZmFrZS1zZWNyZXQtZm9yLXRlc3Rz", "Svc-nova-Passw0rd", "Rabb1tPassw0rd", "Adm1n-Temp-Key"]) expect(text).not.toContain(secret);
  });
});

describe("src/engine/ip.ts", () => {
  it.each([
    ["10.0.0.1", 4],
    ["::", 6],
    ["::1", 6],
    ["[fd00:10::11]", 6],
    ["fe80::1%eth0", 6],
    ["::ffff:10.0.0.1", 6],
    ["2001:db8:0:0:0:0:0:7", 6],
    ["1:2:3:4:5:6:7::", 6],
  ] as const)("parses %s as IPv%i", (text, family) => {
    expect(parseIp(text)?.family).toBe(family);
  });

  it.each(["controller", "256.0.0.1", "10.0.0", "010.0.0.1", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::ffff:10.0.0.1:5", "gggg::1", ""])(
    "rejects %s",
    (text) => {
      expect(parseIp(text)).toBeNull();
    },
  );

  it.each([
    ["10.1.2.3", "private (RFC 1918)"],
    ["172.31.255.255", "private (RFC 1918)"],
    ["192.168.0.1", "private (RFC 1918)"],
    ["100.64.0.1", "shared address space (RFC 6598, carrier-grade NAT)"],
    ["127.0.0.53", "loopback"],
    ["169.254.1.1", "link-local"],
    ["::1", "loopback"],
    ["fd12:3456::1", "unique local (RFC 4193)"],
    ["fe80::1", "link-local"],
    ["::ffff:192.168.1.1", "private (RFC 1918)"],
  ])("%s is not public: %s", (text, label) => {
    expect(nonPublicRange(parseIp(text)!)?.label).toBe(label);
  });

  it.each(["172.32.0.1", "100.128.0.1", "8.8.8.8", "203.0.113.20", "2001:db8::1", "2a00:1450::1", "::ffff:203.0.113.1"])("%s is public", (text) => {
    expect(isPublicAddress(parseIp(text)!)).toBe(true);
  });

  it("matches CIDR blocks of both families, clearing host bits", () => {
    const block = parseCidr("10.20.30.40/16")!;
    expect(block.prefixLength).toBe(16);
    expect(cidrContains(block, parseIp("10.20.0.1")!)).toBe(true);
    expect(cidrContains(block, parseIp("10.21.0.1")!)).toBe(false);
    expect(cidrContains(block, parseIp("::ffff:10.20.9.9")!)).toBe(true);
    expect(cidrContains(parseCidr("2001:db8::/32")!, parseIp("2001:db8:ffff::1")!)).toBe(true);
    expect(cidrContains(parseCidr("2001:db8::/32")!, parseIp("2001:db9::1")!)).toBe(false);
    expect(cidrContains(parseCidr("0.0.0.0/0")!, parseIp("203.0.113.1")!)).toBe(true);
    expect(cidrContains(parseCidr("203.0.113.7")!, parseIp("203.0.113.7")!)).toBe(true);
    expect(parseCidr("10.0.0.0/33")).toBeNull();
    expect(parseCidr("fd00::/129")).toBeNull();
    expect(parseCidrList(["10.0.0.0/8", "nope"]).invalid).toEqual(["nope"]);
  });
});
