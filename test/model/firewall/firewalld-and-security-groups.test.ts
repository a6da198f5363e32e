import { describe, expect, it } from "vitest";
import { evaluate } from "../../../src/model/firewall/evaluate.js";
import { mergeFirewalld, parseFirewalldListAllZones, parseFirewalldServiceXml, parseFirewalldZoneXml } from "../../../src/parsers/firewall/firewalld.js";
import { parseSecurityGroupRulesJson } from "../../../src/parsers/firewall/security-groups.js";
import { fixture } from "../../parsers/firewall/paths.js";
import { syn } from "./packets.js";

describe("firewalld evaluation (--list-all-zones)", () => {
  const { ruleset } = parseFirewalldListAllZones("firewall-cmd_--list-all-zones", fixture("firewall-cmd_--list-all-zones"));

  it.each([
    ["source zone internal: the memcache service", syn(), "accept", ["zone internal (source 10.0.0.0/24)", "ACCEPT: service memcache at line 21"]],
    ["source zone internal: the deny rich rule comes before the service", syn({ saddr: "10.0.0.66" }), "reject", ["zone internal (source 10.0.0.0/24)", expect.stringMatching(/^REJECT: rich rule .*10\.0\.0\.66.* at line 30$/u)]],
    ["interface zone internal: NOT 10/8 is dropped", syn({ saddr: "172.16.0.5" }), "drop", ["zone internal (interface eth1)", expect.stringMatching(/^DROP: rich rule .* at line 31$/u)]],
    ["an opened port range", syn({ saddr: "10.1.0.5", dport: 20003 }), "accept", ["zone internal (interface eth1)", "ACCEPT: port 20000-20010/tcp at line 22"]],
    ["nothing matches: target default rejects", syn({ saddr: "10.1.0.5", dport: 11300 }), "reject", ["zone internal (interface eth1)", "target default"]],
    ["an unbound interface falls to the default zone", syn({ saddr: "192.0.2.99", iif: "eth7" }), "reject", ["zone public (default zone)", "target default"]],
    ["the default zone's rich rule", syn({ saddr: "192.0.2.10", iif: "eth0" }), "accept", null],
    ["a forwarded port is not guessed", syn({ saddr: "192.0.2.99", iif: "eth0", dport: 8080 }), "unknown", null],
    ["loopback is always accepted", syn({ iif: "lo" }), "accept", ["iifname lo accept"]],
    ["established is always accepted", syn({ state: "established", saddr: "172.16.0.5" }), "accept", null],
    ["the host's own outgoing traffic is not filtered", syn({ hook: "output", iif: undefined, oif: "eth1" }), "accept", null],
  ])("%s", (_name, packet, verdict, path) => {
    const result = evaluate(ruleset, packet);
    expect(result.verdict).toBe(verdict);
    if (path) expect(result.path).toEqual(path);
  });

  it("points at the zone target when it decides, and says when the interface is needed", () => {
    const rejected = evaluate(ruleset, syn({ saddr: "10.1.0.5", dport: 11300 }));
    expect(rejected.decidingPolicy).toMatchObject({ chain: "zone internal", location: { line: 17, column: 11, endColumn: 18 } });
    expect(evaluate(ruleset, syn({ saddr: "10.1.0.5", iif: undefined, viaLoopback: false }))).toMatchObject({
      verdict: "unknown",
      unknownReason: expect.stringMatching(/zones bind interfaces/u),
    });
    expect(evaluate(ruleset, syn({ saddr: "10.1.0.5", iif: undefined }))).toMatchObject({ verdict: "unknown", unknownReason: expect.stringMatching(/lo/u) });
  });
});

describe("firewalld evaluation (zone XML)", () => {
  const internal = parseFirewalldZoneXml("etc/firewalld/zones/internal.xml", fixture("zones/internal.xml")).ruleset;
  const drop = parseFirewalldZoneXml("etc/firewalld/zones/drop.xml", fixture("zones/drop.xml")).ruleset;
  const merged = mergeFirewalld("etc/firewalld", [internal, drop], { defaultZone: { name: "internal", location: internal.zones[0]!.location } });

  it.each([
    ["memcache service (firewalld's definition: 11211/tcp)", syn(), "accept"],
    ["priority -10 rich rule drops 10.0.0.66 before the service", syn({ saddr: "10.0.0.66" }), "drop"],
    ["inverted source: outside 10/8 is rejected", syn({ saddr: "192.168.1.1" }), "reject"],
    ["source zone DROP", syn({ saddr: "203.0.113.5" }), "drop"],
    ["ipset source: unknown for its port", syn({ dport: 11212 }), "unknown"],
    ["a port no element opens: target", syn({ dport: 11300 }), "reject"],
  ])("%s", (_name, packet, verdict) => {
    expect(evaluate(merged, packet).verdict).toBe(verdict);
  });

  it("takes public as the default zone when nothing says otherwise, and says so", () => {
    const alone = evaluate(internal, syn({ iif: "eth0" }));
    expect(alone).toMatchObject({ verdict: "unknown", unknownReason: "the default zone public is not in the inputs" });
    expect(alone.notes[0]).toMatch(/default zone taken as public/u);
    expect(evaluate(internal, syn({ iif: "eth0" }), { firewalldDefaultZone: "internal" }).verdict).toBe("accept");
  });

  it("uses service definitions from the inputs, destinations included", () => {
    const zone = parseFirewalldZoneXml("zones/mc.xml", '<zone><interface name="eth1"/><service name="memcache-udp"/></zone>').ruleset;
    const service = parseFirewalldServiceXml("services/memcache-udp.xml", fixture("services/memcache-udp.xml")).service!;
    const withService = mergeFirewalld("x", [zone], { services: [service] });
    expect(evaluate(withService, syn({ protocol: "udp" })).verdict).toBe("accept");
    expect(evaluate(withService, syn({ protocol: "udp", daddr: "10.0.0.11" })).verdict).toBe("reject");
    expect(evaluate(withService, syn()).verdict).toBe("reject");
    expect(evaluate(zone, syn())).toMatchObject({ verdict: "unknown", unknownReason: expect.stringMatching(/memcache-udp is neither in the inputs nor in the built-in table/u) });
  });
});

describe("security group evaluation", () => {
  const { ruleset } = parseSecurityGroupRulesJson("sg-rules.json", fixture("security-group-rules.json"));

  it.each([
    ["the allowed prefix", syn(), "accept", 22],
    ["outside the prefix, the remote-group rule cannot be decided", syn({ saddr: "192.168.1.5" }), "unknown", 32],
    ["another port: default deny", syn({ dport: 11300, saddr: "192.168.1.5" }), "drop", null],
    ["SSH from anywhere", syn({ dport: 22, saddr: "198.51.100.1" }), "accept", 12],
    ["egress allow-all", syn({ hook: "output" }), "accept", 2],
    ["IPv6 has no ingress rule here", syn({ family: "ipv6", saddr: "fd00::5", daddr: "fd00::10" }), "drop", null],
  ])("%s", (_name, packet, verdict, line) => {
    const result = evaluate(ruleset, packet);
    expect(result.verdict).toBe(verdict);
    if (verdict === "accept") expect(result.decidingRule?.line).toBe(line);
    if (verdict === "unknown") expect(result.unknownLocation?.line).toBe(line);
    if (verdict === "drop") expect(result.decidingPolicy?.chain).toMatch(/security groups (ingress|egress)/u);
  });

  it("names the remote group it cannot resolve", () => {
    expect(evaluate(ruleset, syn({ saddr: "192.168.1.5" })).unknownReason).toBe("membership of the remote security group 5f0e1d2c-3b4a-4968-8776-655443322110 is not in the dump");
  });

  it("reads show output for IPv6", () => {
    const show = parseSecurityGroupRulesJson("sg-rule.json", fixture("security-group-rule-show.json")).ruleset;
    expect(evaluate(show, syn({ family: "ipv6", saddr: "fd00:10::5", daddr: "fd00:10::10" })).verdict).toBe("accept");
    expect(evaluate(show, syn({ family: "ipv6", saddr: "fd00:11::5", daddr: "fd00:10::10" })).verdict).toBe("drop");
    expect(evaluate(show, syn()).verdict).toBe("drop");
  });
});
