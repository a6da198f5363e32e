import { describe, expect, it } from "vitest";
import { evaluate } from "../../../src/model/firewall/evaluate.js";
import type { Packet } from "../../../src/model/firewall/packet.js";
import { mergeFirewalld, parseFirewalldServiceXml } from "../../../src/parsers/firewall/firewalld.js";
import type { FirewallFormat } from "../../../src/parsers/firewall/index.js";
import { parseFirewall } from "../../../src/parsers/firewall/index.js";
import { corpus, fixture } from "../../parsers/firewall/paths.js";
import { syn } from "./packets.js";

/**
 * Real rulesets from ../shared/corpus/firewall (licence unknown: read in place, see
 * PROVENANCE.md). The packet: a NEW TCP connection to memcached (11211) from another host,
 * 10.0.0.5 → 10.0.0.10, arriving on eth0.
 */
const remote = (overrides: Partial<Packet> = {}): Packet => syn({ iif: "eth0", ...overrides });

const load = (name: string, format: FirewallFormat, path = name) => {
  const { ruleset, diagnostics } = parseFirewall(format, path, corpus(name));
  expect(diagnostics).toEqual([]);
  return ruleset;
};

describe("corpus: memcached from a remote host", () => {
  it("amimoto /etc/sysconfig/iptables: rejected by RH-Firewall-1-INPUT's final REJECT", () => {
    const ruleset = load("amimoto-sysconfig-iptables", "iptables-save", "etc/sysconfig/iptables");
    const result = evaluate(ruleset, remote());
    expect(result).toMatchObject({ verdict: "reject", path: ["INPUT", "RH-Firewall-1-INPUT", "REJECT at line 23"], decidingRule: { file: "etc/sysconfig/iptables", line: 23, column: 1 } });
    // Close case: SSH is let in by the NEW rule for 22, and the interface does not matter.
    expect(evaluate(ruleset, remote({ dport: 22, iif: undefined, viaLoopback: false }))).toMatchObject({ verdict: "accept", decidingRule: { line: 19 } });
    // The established-only rule does not accept the NEW packet, but does accept replies.
    expect(evaluate(ruleset, remote({ state: "established" }))).toMatchObject({ verdict: "accept", decidingRule: { line: 16 } });
  });

  it("oneinstack /etc/iptables/rules.v4: dropped by the INPUT policy", () => {
    const ruleset = load("oneinstack-rules.v4", "iptables-save", "etc/iptables/rules.v4");
    expect(evaluate(ruleset, remote())).toMatchObject({
      verdict: "drop",
      path: ["nat PREROUTING", "policy ACCEPT", "INPUT", "policy DROP"],
      decidingPolicy: { chain: "INPUT", location: { line: 2, column: 8, endColumn: 12 } },
    });
    // Without the interface, `-i docker0 -j ACCEPT` could apply: unknown, and it says why.
    const unknown = evaluate(ruleset, remote({ iif: undefined, viaLoopback: false }));
    expect(unknown).toMatchObject({ verdict: "unknown", unknownLocation: { line: 6 } });
    expect(unknown.unknownReason).toMatch(/input interface is not known \(`-i docker0` at line 6\)/u);
    // The DNAT in nat PREROUTING only matters for its own destination and port.
    expect(evaluate(ruleset, remote({ daddr: "1.1.1.1", dport: 80 }))).toMatchObject({ verdict: "unknown", unknownReason: expect.stringMatching(/-j DNAT/u) });
  });

  it("vagrantshell iptables-save: dropped by the INPUT policy (3306 and 6379 open, 11211 not)", () => {
    const ruleset = load("vagrantshell-iptables-save", "iptables-save");
    expect(evaluate(ruleset, remote())).toMatchObject({ verdict: "drop", path: ["INPUT", "policy DROP"], decidingPolicy: { location: { line: 3 } } });
    expect(evaluate(ruleset, remote({ dport: 6379 }))).toMatchObject({ verdict: "accept", decidingRule: { line: 16 } });
  });

  it("catatsuy /etc/nftables.conf: dropped by the final `counter drop` (ssh on 11111 is a near miss)", () => {
    const ruleset = load("catatsuy-nftables.conf", "nft", "etc/nftables.conf");
    expect(evaluate(ruleset, remote())).toMatchObject({ verdict: "drop", path: ["ip filter INPUT", "DROP at line 22"], decidingRule: { line: 22 } });
    expect(evaluate(ruleset, remote({ dport: 11111 }))).toMatchObject({ verdict: "accept", decidingRule: { line: 17 } });
    expect(evaluate(ruleset, remote({ family: "ipv6", saddr: "2001:db8::5", daddr: "2001:db8::10" }))).toMatchObject({ verdict: "drop", decidingRule: { line: 56 } });
  });

  it("sosreport rhcos nft list ruleset: accepted by the INPUT policy after KUBE-FIREWALL returns", () => {
    const ruleset = load("sosreport-rhcos-nft_list_ruleset", "nft", "sos_commands/networking/nft_list_ruleset");
    const result = evaluate(ruleset, remote());
    expect(result).toMatchObject({ verdict: "accept", path: ["ip filter INPUT", "KUBE-FIREWALL", "RETURN", "policy ACCEPT"], decidingPolicy: { location: { line: 33 } } });
    expect(result.notes[0]).toMatch(/packet mark taken as 0/u);
    // A packet carrying KUBE-MARK-DROP's mark is dropped.
    expect(evaluate(ruleset, remote({ mark: 0x8000 }))).toMatchObject({ verdict: "drop", decidingRule: { line: 47 } });
  });

  it("casjay public.xml: unknown until the host's service definitions are known, then rejected by target default", () => {
    const ruleset = load("casjay-firewalld-public.xml", "firewalld-zone-xml", "etc/firewalld/zones/public.xml");
    const alone = evaluate(ruleset, remote());
    expect(alone).toMatchObject({ verdict: "unknown", unknownLocation: { line: 17 } });
    expect(alone.unknownReason).toMatch(/service smtps/u);
    const services = ["smtps", "rsyncd", "imap", "pop3", "managesieve"].map((name) => parseFirewalldServiceXml(`etc/firewalld/services/${name}.xml`, fixture(`services/${name}.xml`)).service!);
    if (ruleset.kind !== "firewalld") throw new Error("not firewalld");
    const withServices = mergeFirewalld("host", [ruleset], { services });
    expect(evaluate(withServices, remote())).toMatchObject({ verdict: "reject", path: ["zone public (default zone)", "target default"], decidingPolicy: { chain: "zone public", location: { line: 2 } } });
    // The passive FTP range is open; 11211 is below it.
    expect(evaluate(withServices, remote({ dport: 50000 }))).toMatchObject({ verdict: "accept", decidingRule: { line: 26 } });
  });

  it("deads1 public.xml: ssh only from the listed sources; memcached rejected (cockpit is a built-in service)", () => {
    const ruleset = load("deads1-firewalld-public.xml", "firewalld-zone-xml", "etc/firewalld/zones/public.xml");
    expect(evaluate(ruleset, remote())).toMatchObject({ verdict: "reject", path: ["zone public (default zone)", "target default"] });
    if (ruleset.kind !== "firewalld") throw new Error("not firewalld");
    const withCockpit = mergeFirewalld("host", [ruleset], { services: [parseFirewalldServiceXml("services/cockpit.xml", fixture("services/cockpit.xml")).service!] });
    expect(evaluate(withCockpit, remote()).verdict).toBe("reject");
    expect(evaluate(withCockpit, remote({ dport: 22, saddr: "85.195.192.176" }))).toMatchObject({ verdict: "accept", decidingRule: { line: 9 } });
    expect(evaluate(withCockpit, remote({ dport: 22, saddr: "149.126.5.1" }))).toMatchObject({ verdict: "accept", decidingRule: { line: 14 } });
    expect(evaluate(withCockpit, remote({ dport: 22 })).verdict).toBe("reject");
  });
});
