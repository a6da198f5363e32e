import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { FirewallKind } from "../../src/discover/classify.js";
import type { Host, HostFirewall } from "../../src/model/deployment.js";
import { buildHostFirewalls, exposureOf, hostVerdict, interfaceFor, sourceAddressesFor } from "../../src/model/host-firewall.js";
import { parseFirewallFile, type ParsedFirewallFile } from "../../src/parsers/firewall/document.js";
import { repoRoot } from "../helpers/rule-harness.js";

const host = (id: string, addresses: string[] = []): Host => ({ id, name: id, nameSource: "folder", addresses, aliases: [], addressEvidence: [] });

function file(hostId: string, kind: FirewallKind, name: string, text: string): ParsedFirewallFile {
  const parsed = parseFirewallFile(kind, name, text);
  if (!parsed.document) throw new Error(`not parsed: ${name}`);
  return { file: name, hostId, document: parsed.document };
}

const SAVE = `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 10.0.0.0/24 -p tcp -m tcp --dport 11211 -j ACCEPT
-A INPUT -s 198.51.100.0/24 -p tcp -m tcp --dport 11211 -j ACCEPT
COMMIT
`;
const LISTING = readFileSync(path.join(repoRoot, "fixtures/parsers/firewall/iptables_-t_filter_-nvL"), "utf8");
const NFT_DROP = `table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    tcp dport 22 accept
  }
}
`;
const IPSET = `*filter
:INPUT ACCEPT [0:0]
-A INPUT -m set --match-set clients src -j ACCEPT
-A INPUT -p tcp --dport 11211 -j DROP
COMMIT
`;

describe("host firewalls: which dumps are evaluated", () => {
  it("an iptables -nvL listing beside iptables-save output of the same family is the same rules", () => {
    const firewalls = buildHostFirewalls([host("ctl1")], [file("ctl1", "iptables-save", "ctl1/sos_commands/firewall_tables/iptables-save", SAVE), file("ctl1", "iptables-list", "ctl1/sos_commands/firewall_tables/iptables_-t_filter_-nvL", LISTING)], []);
    expect(firewalls[0]!.rulesets.map((r) => [r.file, r.format, r.alsoSeenIn])).toEqual([["ctl1/sos_commands/firewall_tables/iptables-save", "iptables-save", ["ctl1/sos_commands/firewall_tables/iptables_-t_filter_-nvL"]]]);
  });

  it("firewall-cmd --list-all-zones wins over zone files; zone files merge /usr/lib before /etc", () => {
    const zone = (target: string) => `<?xml version="1.0" encoding="utf-8"?>\n<zone target="${target}">\n  <short>Public</short>\n</zone>\n`;
    const merged = buildHostFirewalls([host("ctl1")], [file("ctl1", "firewalld-zone-xml", "ctl1/usr/lib/firewalld/zones/public.xml", zone("ACCEPT")), file("ctl1", "firewalld-zone-xml", "ctl1/etc/firewalld/zones/public.xml", zone("DROP"))], []);
    expect(merged[0]!.rulesets.map((r) => [r.file, r.format, r.alsoSeenIn])).toEqual([["ctl1/usr/lib/firewalld/zones/public.xml", "firewalld-zone-xml", ["ctl1/etc/firewalld/zones/public.xml"]]]);
    const verdict = hostVerdict(merged[0], "ctl1", "input", { saddr: "10.0.0.21", daddr: "10.0.0.11", dport: 11211 }, false);
    expect(verdict.verdict).toBe("drop"); // /etc's DROP zone replaced /usr/lib's ACCEPT

    const listAll = readFileSync(path.join(repoRoot, "fixtures/parsers/firewall/firewall-cmd_--list-all-zones"), "utf8");
    const withList = buildHostFirewalls([host("ctl1")], [file("ctl1", "firewalld-zone-xml", "ctl1/etc/firewalld/zones/public.xml", zone("DROP")), file("ctl1", "firewalld-list-all-zones", "ctl1/sos_commands/firewalld/firewall-cmd_--list-all-zones", listAll)], []);
    expect(withList[0]!.rulesets.map((r) => r.format)).toEqual(["firewalld-list-all-zones"]);
  });

  it("keeps interface addresses from ip addr", () => {
    const ipAddr = { file: "ctl1/sos_commands/networking/ip_addr", hostId: "ctl1", document: { kind: "ip-addr" as const, addresses: [{ interface: "eth1", address: "10.0.0.11", prefixLength: 24, location: { file: "x", line: 3, column: 10, endLine: 3, endColumn: 19 } }] } };
    const firewalls = buildHostFirewalls([host("ctl1")], [], [ipAddr]);
    expect(firewalls).toEqual([{ hostId: "ctl1", rulesets: [], interfaces: [{ interface: "eth1", address: "10.0.0.11", prefixLength: 24, location: ipAddr.document.addresses[0]!.location }] }]);
  });
});

describe("host firewalls: verdicts", () => {
  const fw = (files: ParsedFirewallFile[], interfaces: HostFirewall["interfaces"] = []): HostFirewall => ({ ...buildHostFirewalls([host("ctl1")], files, [])[0]!, interfaces });

  it("a drop in one ruleset decides even when another cannot be decided", () => {
    const firewall = fw([file("ctl1", "iptables-save", "ctl1/etc/sysconfig/iptables", IPSET), file("ctl1", "nft", "ctl1/etc/nftables.conf", NFT_DROP)]);
    const verdict = hostVerdict(firewall, "ctl1", "input", { saddr: "10.0.0.21", daddr: "10.0.0.11", dport: 11211 }, false);
    expect([verdict.verdict, verdict.decidedBy, verdict.rulesets.map((r) => r.verdict)]).toEqual(["drop", 1, ["unknown", "drop"]]);
  });

  it("unknown when nothing drops and one ruleset cannot be decided", () => {
    const firewall = fw([file("ctl1", "iptables-save", "ctl1/etc/sysconfig/iptables", IPSET)]);
    const verdict = hostVerdict(firewall, "ctl1", "input", { saddr: "10.0.0.21", daddr: "10.0.0.11", dport: 11211 }, false);
    expect(verdict.verdict).toBe("unknown");
    expect(verdict.rulesets[0]!.unknownReason).toContain("ipset clients");
  });

  it("none when no ruleset covers the packet's family (an IPv4 dump, an IPv6 packet)", () => {
    const firewall = fw([file("ctl1", "iptables-save", "ctl1/etc/iptables/rules.v4", SAVE)]);
    expect(hostVerdict(firewall, "ctl1", "input", { saddr: "fd00::21", daddr: "fd00::11", dport: 11211 }, false).verdict).toBe("none");
    expect(hostVerdict(undefined, "ctl1", "input", { saddr: null, daddr: "10.0.0.11", dport: 11211 }, false).verdict).toBe("none");
  });

  it("the interface is the one whose prefix holds the peer, the longest prefix winning", () => {
    const at = (iface: string, address: string, prefixLength: number | null) => ({ interface: iface, address, prefixLength, location: { file: "x", line: 1, column: 1, endLine: 1, endColumn: 2 } });
    const interfaces = [at("lo", "127.0.0.1", 8), at("eth0", "10.0.0.11", 16), at("eth1", "10.0.5.11", 24), at("eth2", "192.168.1.1", null)];
    expect(interfaceFor(interfaces, "10.0.5.99")).toBe("eth1");
    expect(interfaceFor(interfaces, "10.0.9.99")).toBe("eth0");
    expect(interfaceFor(interfaces, "192.168.1.7")).toBeNull();
    expect(interfaceFor(interfaces, "203.0.113.5")).toBeNull();
    const firewall: HostFirewall = { hostId: "proxy1", rulesets: [], interfaces };
    expect(sourceAddressesFor(host("proxy1", ["10.0.0.11", "10.0.5.11", "192.168.1.1"]), firewall, "10.0.5.20")).toEqual(["10.0.5.11"]);
    expect(sourceAddressesFor(host("proxy1", ["10.0.0.11", "192.168.1.1"]), { ...firewall, interfaces: [] }, "172.16.0.1")).toEqual(["10.0.0.11", "192.168.1.1"]);
  });

  it("exposure: probes the ranges the rules name and keeps the untrusted ones", () => {
    const firewall = fw([file("ctl1", "iptables-save", "ctl1/etc/sysconfig/iptables", SAVE)]);
    const publicOnly = (a: string) => !a.startsWith("10.");
    const open = exposureOf(firewall, "ctl1", "10.0.0.11", 11211, "ipv4", publicOnly);
    expect(open).toMatchObject({ kind: "accepted", source: "198.51.100.0" });
    const trusted = exposureOf(firewall, "ctl1", "10.0.0.11", 11211, "ipv4", (a) => publicOnly(a) && !a.startsWith("198.51.100."));
    expect(trusted.kind).toBe("blocked");
    expect(exposureOf(undefined, "ctl1", "10.0.0.11", 11211, "ipv4", publicOnly).kind).toBe("no-firewall");
  });
});
