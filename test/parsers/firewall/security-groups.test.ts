import { describe, expect, it } from "vitest";
import { parseSecurityGroupRulesJson } from "../../../src/parsers/firewall/security-groups.js";
import { fixture } from "./paths.js";

describe("openstack security group rule JSON", () => {
  it("reads `rule list -f json` rows by their column names", () => {
    const { ruleset, diagnostics } = parseSecurityGroupRulesJson("openstack/sg-rules.json", fixture("security-group-rules.json"));
    expect(diagnostics).toEqual([]);
    expect(ruleset.rules.map((r) => [r.location.line, r.direction, r.ethertype, r.protocol, r.ports, r.remoteIpPrefix?.text ?? null, r.remoteGroup])).toEqual([
      [2, "egress", "ipv4", "any", null, "0.0.0.0/0", null],
      [12, "ingress", "ipv4", 6, { first: 22, last: 22 }, "0.0.0.0/0", null],
      [22, "ingress", "ipv4", 6, { first: 11211, last: 11211 }, "10.0.0.0/24", null],
      [32, "ingress", "ipv4", 6, { first: 11211, last: 11212 }, null, "5f0e1d2c-3b4a-4968-8776-655443322110"],
      [42, "ingress", "ipv4", 1, null, "0.0.0.0/0", null],
    ]);
    expect(ruleset.rules[0]!.id).toBe("0b8f2c1e-5c1c-4d0e-9a56-1c6f3d1f0a01");
  });

  it("reads `rule show -f json` objects by their field names", () => {
    const { ruleset, diagnostics } = parseSecurityGroupRulesJson("openstack/sg-rule.json", fixture("security-group-rule-show.json"));
    expect(diagnostics).toEqual([]);
    expect(ruleset.rules).toMatchObject([
      {
        direction: "ingress",
        ethertype: "ipv6",
        protocol: 6,
        ports: { first: 11211, last: 11211 },
        remoteIpPrefix: { text: "fd00:10::/64" },
        remoteGroup: null,
        securityGroup: "0f1e2d3c-4b5a-4697-8887-766554433221",
        location: { line: 1, column: 1, endLine: 19 },
      },
    ]);
  });

  it("reads the Neutron API shape and old listings without Direction/Ethertype", () => {
    const api = JSON.stringify({ security_group_rules: [{ direction: "egress", ethertype: "IPv6", protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null }] });
    expect(parseSecurityGroupRulesJson("x", api).ruleset.rules).toMatchObject([{ direction: "egress", ethertype: "ipv6", protocol: "any", ports: null }]);
    const old = JSON.stringify([{ ID: "1", "IP Protocol": "tcp", "IP Range": "10.0.0.0/24", "Port Range": "11211:11211", "Remote Security Group": null }]);
    expect(parseSecurityGroupRulesJson("x", old).ruleset.rules).toMatchObject([{ direction: null, ethertype: "ipv4", protocol: 6 }]);
  });

  it.each([
    ["[", "openstack-sg-json-syntax"],
    ["42", "openstack-sg-json-syntax"],
    ['[{"IP Protocol": "tcp", "Port Range": "eleven", "Direction": "ingress"}]', "openstack-sg-rule"],
    ['[{"IP Protocol": "warp", "Direction": "sideways"}]', "openstack-sg-rule"],
    ['[{"IP Range": "not-an-address"}]', "openstack-sg-rule"],
  ])("reports what it cannot read: %s", (text, code) => {
    expect(parseSecurityGroupRulesJson("x", text).diagnostics.map((d) => d.code)).toContain(code);
  });
});
