import { describe, expect, it } from "vitest";
import { parseServerEntry } from "../../src/model/server-list.js";

/** What each client's server-list syntax makes of an entry, and the words the problem uses. */
describe("parseServerEntry", () => {
  it.each([
    ["10.0.0.11:11211", "swift", { host: "10.0.0.11", port: 11211, family: "ipv4" }],
    ["[fd00::11]:11211", "swift", { host: "fd00::11", port: 11211, family: "ipv6" }],
    ["memcached-1", "swift", { host: "memcached-1", port: 11211 }],
  ] as const)("%s (%s) is usable", (entry, syntax, expected) => {
    const parsed = parseServerEntry(entry, syntax, null);
    expect(parsed).toMatchObject(expected);
    expect(parsed.problem).toBeUndefined();
  });

  it("an unbracketed IPv6 address is called one, with Swift's own error", () => {
    const parsed = parseServerEntry("fd00::11:11211", "swift", null);
    expect(parsed.family).toBe("ipv6");
    expect(parsed.problem).toBe(`'fd00::11:11211' is an IPv6 address without brackets; Swift refuses to start ("IPv6 addresses must be between '[]'"): write [addr]:port`);
  });

  it("credentials in an entry are named as credentials, not as an IPv6 address", () => {
    const parsed = parseServerEntry("admin:pw@10.0.0.11:11211", "swift", null);
    expect(parsed.family).toBe("invalid");
    expect(parsed.problem).toMatch(/^'admin:\*{8}@10\.0\.0\.11:11211' looks like credentials \(user:password@host:port\), which memcached server lists cannot carry; Swift splits it at ':' and refuses to start/u);
    expect(parsed.problem).not.toMatch(/IPv6 address without/u);
    expect(JSON.stringify(parsed)).not.toContain("pw@");
  });

  it("other text with several colons says so", () => {
    expect(parseServerEntry("host:11211:extra", "python-memcached", null).problem).toBe("'host:11211:extra' has more than one ':' outside brackets: write host:port");
  });
});
