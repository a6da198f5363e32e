import { describe, expect, it } from "vitest";
import { spanOnLine } from "../../../src/model/source.js";
import {
  mergeFirewalld,
  parseFirewalldConf,
  parseFirewalldListAllZones,
  parseFirewalldServiceXml,
  parseFirewalldZoneXml,
  parseRichRuleText,
} from "../../../src/parsers/firewall/firewalld.js";
import { corpus, fixture } from "./paths.js";

const at = spanOnLine("x", 1, 1, 1);

describe("firewalld zone XML", () => {
  it("reads target, interfaces, services, ports and rich rules, with positions", () => {
    const { ruleset, diagnostics } = parseFirewalldZoneXml("etc/firewalld/zones/internal.xml", fixture("zones/internal.xml"));
    expect(diagnostics).toEqual([]);
    const zone = ruleset.zones[0]!;
    expect(zone.name).toBe("internal");
    expect(zone.target).toBe("default");
    expect(zone.targetLocation).toMatchObject({ line: 2, column: 7, endColumn: 23 });
    expect(zone.interfaces.map((i) => i.value)).toEqual(["eth1"]);
    expect(zone.services.map((s) => [s.value, s.location.line])).toEqual([
      ["ssh", 6],
      ["memcache", 7],
    ]);
    expect(zone.ports).toMatchObject([{ ports: { first: 20000, last: 20010 }, protocol: "tcp", location: { line: 8 } }]);
    expect(zone.richRules.map((r) => [r.location.line, r.priority, r.action, r.source?.text, r.source?.invert, r.element])).toEqual([
      [9, -10, "drop", "10.0.0.66", false, { kind: "service", name: "memcache" }],
      [15, 0, "reject", "10.0.0.0/8", true, { kind: "port", ports: { first: 11211, last: 11211 }, protocol: "tcp" }],
      [20, 0, "accept", "ipset:monitoring", false, { kind: "port", ports: { first: 11212, last: 11212 }, protocol: "tcp" }],
    ]);
    expect(zone.richRules[2]!.source).toMatchObject({ other: "ipset:monitoring" });
    expect(zone.richRules[0]!.text).toBe('rule family="ipv4" priority="-10" source address="10.0.0.66" service name="memcache" log drop');
  });

  it("reads the corpus zones", () => {
    const casjay = parseFirewalldZoneXml("etc/firewalld/zones/public.xml", corpus("casjay-firewalld-public.xml"));
    expect(casjay.diagnostics).toEqual([]);
    expect(casjay.ruleset.zones[0]!.services.map((s) => s.value)).toEqual([
      "ssh",
      "dhcpv6-client",
      "http",
      "https",
      "smtp",
      "smtps",
      "smtp-submission",
      "ftp",
      "rsyncd",
      "imap",
      "imaps",
      "pop3",
      "pop3s",
      "managesieve",
    ]);
    expect(casjay.ruleset.zones[0]!.ports).toMatchObject([{ ports: { first: 49152, last: 65534 }, protocol: "tcp", location: { line: 26 } }]);
    const deads1 = parseFirewalldZoneXml("etc/firewalld/zones/public.xml", corpus("deads1-firewalld-public.xml"));
    expect(deads1.diagnostics).toEqual([]);
    expect(deads1.ruleset.zones[0]!.richRules.map((r) => [r.location.line, r.source?.text, r.element, r.action])).toEqual([
      [9, "85.195.192.176/32", { kind: "service", name: "ssh" }, "accept"],
      [14, "149.126.4.94/23", { kind: "service", name: "ssh" }, "accept"],
      [19, "147.88.200.97/32", { kind: "service", name: "ssh" }, "accept"],
      [24, "62.171.108.7/32", { kind: "service", name: "ssh" }, "accept"],
    ]);
    // 149.126.4.94/23: firewalld (like the kernel) masks the host bits.
    expect(deads1.ruleset.zones[0]!.richRules[1]!.source!.address).toMatchObject({ family: "ipv4" });
  });

  it.each([
    ["<zone><port port='x' protocol='tcp'/></zone>", "firewalld-zone"],
    ["<service><short>x</short></service>", "firewalld-not-a-zone"],
    ["<zone><service name='ssh'></zone>", "firewalld-xml-syntax"],
    ["<zone><icmp-type name='x'/><weird/></zone>", "firewalld-zone"],
    ["", "firewalld-xml-syntax"],
  ])("reports problems: %s", (text, code) => {
    const { diagnostics } = parseFirewalldZoneXml("zones/x.xml", text);
    if (text === "") expect(diagnostics).toEqual([]);
    else expect(diagnostics.map((d) => d.code)).toContain(code);
  });
});

describe("firewalld service XML", () => {
  it("reads ports, protocols, destinations and includes", () => {
    const { service, diagnostics } = parseFirewalldServiceXml("etc/firewalld/services/memcache-udp.xml", fixture("services/memcache-udp.xml"));
    expect(diagnostics).toEqual([]);
    expect(service).toMatchObject({ name: "memcache-udp", ports: [{ ports: { first: 11211, last: 11211 }, protocol: "udp" }], includes: [] });
    expect(service!.destinations.map((d) => d.text)).toEqual(["10.0.0.10", "fd00:10::10"]);
    const include = parseFirewalldServiceXml("s/x.xml", '<service><include service="ssh"/><port port="" protocol="gre"/></service>').service;
    expect(include).toMatchObject({ includes: ["ssh"], protocols: ["gre"] });
  });
});

describe("firewalld rich rules (text)", () => {
  it.each([
    ['rule family="ipv4" source address="10.0.0.5" port port="11211" protocol="tcp" accept', { family: "ipv4", action: "accept", source: { text: "10.0.0.5", invert: false }, element: { kind: "port" } }],
    ['rule family="ipv4" source NOT address="10.0.0.0/8" service name="memcache" reject type="icmp-port-unreachable"', { action: "reject", source: { invert: true }, element: { kind: "service", name: "memcache" } }],
    ['rule priority="-5" source ipset="clients" drop', { priority: -5, action: "drop", source: { other: "ipset:clients" } }],
    ['rule family="ipv6" destination address="fd00::1" protocol value="tcp" accept', { family: "ipv6", destination: { text: "fd00::1" }, element: { kind: "protocol", protocol: "tcp" } }],
    ['rule service name="ssh" log prefix="ssh " level="info" limit value="3/m" burst=5 accept', { action: "accept", element: { kind: "service" } }],
    ['rule service name="ssh" accept limit value="3/m"', { notUnderstood: "accept with a rate limit" }],
    ['rule forward-port port="11211" protocol="tcp" to-port="11311"', { element: { kind: "forward-port" } }],
    ['rule icmp-block name="echo-request"', { element: { kind: "icmp" } }],
    ['rule tcp-mss-clamp value="pmtu"', { notUnderstood: "`tcp-mss-clamp`" }],
    ["not a rule", { notUnderstood: "does not start with `rule`" }],
  ])("%s", (text, expected) => {
    expect(parseRichRuleText(text, at)).toMatchObject(expected);
  });
});

describe("firewall-cmd --list-all-zones", () => {
  it("reads zones, the default zone, bindings, ports and rich rules", () => {
    const { ruleset, diagnostics } = parseFirewalldListAllZones("sos_commands/firewalld/firewall-cmd_--list-all-zones", fixture("firewall-cmd_--list-all-zones"));
    expect(diagnostics).toEqual([]);
    expect(ruleset.zones.map((z) => [z.name, z.target])).toEqual([
      ["block", "%%REJECT%%"],
      ["internal", "default"],
      ["public", "default"],
      ["trusted", "ACCEPT"],
    ]);
    expect(ruleset.defaultZone).toMatchObject({ name: "public", location: { line: 33, column: 1 } });
    const internal = ruleset.zones[1]!;
    expect(internal.interfaces.map((i) => i.value)).toEqual(["eth1"]);
    expect(internal.sources.map((s) => s.text)).toEqual(["10.0.0.0/24"]);
    expect(internal.services.map((s) => [s.value, s.location.column])).toEqual([
      ["dhcpv6-client", 13],
      ["memcache", 27],
      ["ssh", 36],
    ]);
    expect(internal.ports.map((p) => [p.ports, p.protocol])).toEqual([
      [{ first: 11212, last: 11212 }, "tcp"],
      [{ first: 20000, last: 20010 }, "tcp"],
    ]);
    expect(internal.richRules.map((r) => [r.location.line, r.location.column, r.action, r.source?.invert])).toEqual([
      [30, 2, "reject", false],
      [31, 2, "drop", true],
    ]);
    const pub = ruleset.zones[2]!;
    expect(pub.forwardPorts).toMatchObject([{ ports: { first: 8080, last: 8080 }, protocol: "tcp", location: { line: 44 } }]);
    expect(pub.richRules).toHaveLength(1);
  });

  it("reads DefaultZone from firewalld.conf and merges files (later ones win)", () => {
    expect(parseFirewalldConf("etc/firewalld/firewalld.conf", "# comment\nDefaultZone=internal\n").defaultZone).toMatchObject({ name: "internal", location: { line: 2, column: 13 } });
    const a = parseFirewalldZoneXml("usr/lib/firewalld/zones/internal.xml", "<zone><service name='ssh'/></zone>").ruleset;
    const b = parseFirewalldZoneXml("etc/firewalld/zones/internal.xml", fixture("zones/internal.xml")).ruleset;
    const c = parseFirewalldZoneXml("etc/firewalld/zones/drop.xml", fixture("zones/drop.xml")).ruleset;
    const merged = mergeFirewalld("host1/firewalld", [a, b, c], { defaultZone: { name: "internal", location: at } });
    expect(merged.zones.map((z) => [z.name, z.services.length])).toEqual([
      ["internal", 2],
      ["drop", 0],
    ]);
    expect(merged.defaultZone?.name).toBe("internal");
  });
});
