import { describe, expect, it } from "vitest";
import { guessIptablesFamily, parseIptablesSave } from "../../../src/parsers/firewall/iptables-save.js";
import { splitIptablesArgs } from "../../../src/parsers/firewall/iptables-rule.js";
import { corpus, fixture } from "./paths.js";
import { chainOf, ruleText } from "./summary.js";

const one = (rule: string, chains = ":INPUT ACCEPT [0:0]\n:USER - [0:0]") => {
  const { ruleset, diagnostics } = parseIptablesSave("rules.v4", `*filter\n${chains}\n${rule}\nCOMMIT\n`);
  const chain = chainOf(ruleset, "filter", /-A (\S+)/u.exec(rule)?.[1] ?? "INPUT");
  return { rule: chain.rules[0]!, diagnostics };
};

describe("iptables-save: rule arguments", () => {
  it.each([
    ["-A INPUT -p tcp -m tcp --dport 11211 -j ACCEPT", "l4proto=6 dport=11211 => accept"],
    ["-A INPUT -s 10.0.0.0/24 -j ACCEPT", "saddr=10.0.0.0/24 => accept"],
    ["-A INPUT ! -s 10.0.0.0/8 -j DROP", "saddr!=10.0.0.0/8 => drop"],
    ["-A INPUT -s 10.0.0.0/255.255.255.0 -d 10.0.1.5/32 -j ACCEPT", "saddr=10.0.0.0/255.255.255.0 daddr=10.0.1.5/32 => accept"],
    ["-A INPUT -s 0.0.0.0/0 -j ACCEPT", "=> accept"],
    ["-A INPUT -p tcp -m multiport --dports 11211,11212,20000:20010 -j ACCEPT", "l4proto=6 dport=11211,11212,20000-20010 => accept"],
    ["-A INPUT -p tcp -m multiport ! --dports 22,80 -j DROP", "l4proto=6 dport!=22,80 => drop"],
    ["-A INPUT -p udp --dport 1000: -j DROP", "l4proto=17 dport=1000-65535 => drop"],
    ["-A INPUT -p tcp ! --dport 22 -j DROP", "l4proto=6 dport!=22 => drop"],
    ["-A INPUT ! -p tcp -j DROP", "l4proto!=6 => drop"],
    ["-A INPUT -p all -j ACCEPT", "=> accept"],
    ["-A INPUT -i lo -j ACCEPT", "iif=lo => accept"],
    ["-A INPUT ! -i eth+ -j DROP", "iif!=eth* => drop"],
    ["-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT", "ct-state=established,related => accept"],
    ["-A INPUT -m conntrack ! --ctstate NEW -j ACCEPT", "ct-state!=new => accept"],
    ["-A INPUT -m comment --comment \"memcached clients\" -j ACCEPT", "=> accept"],
    ["-A INPUT -m set --match-set mc src -j ACCEPT", "saddr=ipset:mc => accept"],
    ["-A INPUT -m set ! --match-set mc dst,dst -j ACCEPT", "daddr!=ipset:mc => accept"],
    ["-A INPUT -p tcp --syn -j ACCEPT", "l4proto=6 tcp-flags=0x2/0x17 => accept"],
    ["-A INPUT -p tcp --tcp-flags SYN,ACK SYN -j ACCEPT", "l4proto=6 tcp-flags=0x2/0x12 => accept"],
    ["-A INPUT -m mark --mark 0x8000/0x8000 -j DROP", "mark=0x8000/0x8000 => drop"],
    ["-A INPUT -m iprange --src-range 10.0.0.1-10.0.0.9 -j ACCEPT", "saddr=10.0.0.1-10.0.0.9 => accept"],
    ["-A INPUT -p icmp --icmp-type any -j ACCEPT", "l4proto=1 l4proto=1 => accept"],
    ["-A INPUT -f -j DROP", "l4proto= => drop"],
    ["-A INPUT -j LOG --log-prefix \"in: \" --log-level 4", "=> -"],
    ["-A INPUT -j REJECT --reject-with icmp-host-prohibited", "=> reject icmp-host-prohibited"],
    ["-A INPUT -j RETURN", "=> return"],
    ["-A INPUT -j USER", "=> jump USER"],
    ["-A INPUT -g USER", "=> goto USER"],
    ["-A INPUT -j MARK --set-mark 0x2a", "mark:=42 => -"],
    ["-A INPUT -j MARK --set-xmark 0x1/0xff", "mark:=? => -"],
    ["-A INPUT -j CT --notrack", "notrack => -"],
    ["-A INPUT -s 10.0.0.0/8 -j NFQUEUE --queue-num 1", "saddr=10.0.0.0/8 => ?-j NFQUEUE"],
    ["-A INPUT -m recent --rcheck --seconds 60 --name ssh -j DROP", "?--rcheck ?--seconds 60 ?--name ssh => drop"],
    ["-A INPUT -m limit --limit 3/min -j ACCEPT", "?--limit 3/min => accept"],
    ["-A INPUT -j NO-SUCH-CHAIN", "=> ?-j NO-SUCH-CHAIN"],
  ])("%s", (rule, expected) => {
    expect(ruleText(one(rule).rule)).toBe(expected);
  });

  it("marks rules with anything not understood, and keeps their text", () => {
    const { rule } = one("-A INPUT -m recent --rcheck -j DROP");
    expect(rule.understood).toBe(false);
    expect(rule.text).toBe("-A INPUT -m recent --rcheck -j DROP");
    expect(one("-A INPUT -p tcp --dport 22 -j ACCEPT").rule.understood).toBe(true);
  });

  it("splits arguments the way iptables-restore does (quotes group, backslash escapes inside quotes)", () => {
    expect(splitIptablesArgs('-m comment --comment "a \\"b\\" c" -j ACCEPT').map((t) => t.text)).toEqual(["-m", "comment", "--comment", 'a "b" c', "-j", "ACCEPT"]);
    const [first, second] = splitIptablesArgs("  -A  INPUT", 1);
    expect([first!.column, second!.column]).toEqual([3, 7]);
  });
});

describe("iptables-save: files", () => {
  const { ruleset, diagnostics } = parseIptablesSave("fixtures/memcached-host.rules", fixture("memcached-host.rules"));

  it("reads tables, chains, policies and counters-prefixed rules with positions", () => {
    expect(diagnostics).toEqual([]);
    expect(ruleset.families).toEqual(["ipv4"]);
    expect(ruleset.tables.map((t) => `${t.family} ${t.name}`)).toEqual(["ip raw", "ip filter"]);
    const input = chainOf(ruleset, "filter", "INPUT");
    expect(input.base).toMatchObject({ hook: "input", priority: 0, policy: "drop" });
    expect(input.base!.policyLocation).toEqual({ file: "fixtures/memcached-host.rules", line: 7, column: 8, endLine: 7, endColumn: 12 });
    expect(chainOf(ruleset, "raw", "PREROUTING").base).toMatchObject({ hook: "prerouting", priority: -300 });
    expect(chainOf(ruleset, "filter", "MEMCACHED").base).toBeNull();
    expect(input.rules.map((r) => r.location.line)).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
    expect(input.rules[4]!.location).toEqual({ file: "fixtures/memcached-host.rules", line: 16, column: 1, endLine: 16, endColumn: 136 });
    expect(input.rules[4]!.comment).toBe('memcached and "friends"');
    expect(input.rules.map(ruleText)).toEqual([
      "iif=lo => accept",
      "ct-state=related,established => accept",
      "ct-state=invalid => drop",
      "l4proto=6 dport=22 => goto SSH",
      "l4proto=6 dport=11211,11212,20000-20010 => jump MEMCACHED",
      "l4proto=6 dport=6379 => drop",
      "=> -",
      "=> reject icmp-port-unreachable",
    ]);
  });

  it("gives each match its own span", () => {
    const rule = chainOf(ruleset, "filter", "MEMCACHED").rules[2]!;
    expect(rule.steps[0]).toMatchObject({ kind: "match", match: { text: "! -s 10.0.0.0/8", location: { line: 22, column: 22, endColumn: 37 } } });
  });

  it("reads the corpus files without diagnostics", () => {
    for (const name of ["amimoto-sysconfig-iptables", "oneinstack-rules.v4", "vagrantshell-iptables-save"]) {
      const parsed = parseIptablesSave(name, corpus(name));
      expect(parsed.diagnostics, name).toEqual([]);
      expect(parsed.ruleset.tables.length, name).toBeGreaterThan(0);
    }
    const amimoto = parseIptablesSave("a", corpus("amimoto-sysconfig-iptables")).ruleset;
    expect(chainOf(amimoto, "filter", "RH-Firewall-1-INPUT").rules.map((r) => r.location.line)).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 19, 20, 21, 23]);
    const oneinstack = parseIptablesSave("o", corpus("oneinstack-rules.v4")).ruleset;
    expect(ruleText(chainOf(oneinstack, "nat", "PREROUTING").rules[0]!)).toBe("daddr=1.1.1.1/32 l4proto=6 dport=80 => ?-j DNAT");
    expect(ruleText(chainOf(oneinstack, "nat", "POSTROUTING").rules[2]!)).toBe("saddr=192.168.88.0/24 => accept(MASQUERADE)");
  });

  it("applies -N, -P and -I as iptables-restore would", () => {
    const { ruleset: r, diagnostics: d } = parseIptablesSave("x", "*filter\n-N MC\n-P INPUT DROP\n-A INPUT -j MC\n-I INPUT -i lo -j ACCEPT\n-I INPUT 2 -p tcp --dport 22 -j ACCEPT\nCOMMIT\n");
    expect(d).toEqual([]);
    const input = chainOf(r, "filter", "INPUT");
    expect(input.base?.policy).toBe("drop");
    expect(input.rules.map(ruleText)).toEqual(["iif=lo => accept", "l4proto=6 dport=22 => accept", "=> jump MC"]);
  });

  it.each([
    ["*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n", "iptables-missing-commit", 3],
    ["-A INPUT -j ACCEPT\n", "iptables-syntax", 1],
    ["*filter\n:INPUT ACCEPT [0:0]\n-A MISSING -j ACCEPT\nCOMMIT\n", "iptables-undeclared-chain", 3],
    ["*filter\n:INPUT MAYBE [0:0]\nCOMMIT\n", "iptables-syntax", 2],
    ["*filter\n:INPUT\nCOMMIT\n", "iptables-syntax", 2],
    ["*filter\n-X OLD\nCOMMIT\n", "iptables-unsupported-command", 2],
    ["*filter\n:INPUT ACCEPT [0:0]\n-A INPUT --dport\nCOMMIT\n", "iptables-syntax", 3],
  ])("reports problems with a line: %j", (text, code, line) => {
    const { diagnostics: d } = parseIptablesSave("x", text);
    expect(d.map((x) => [x.code, x.line])).toContainEqual([code, line]);
  });

  it("guesses the family from the path, then from the addresses", () => {
    expect(guessIptablesFamily("etc/iptables/rules.v6", "")).toBe("ipv6");
    expect(guessIptablesFamily("sos_commands/networking/ip6tables-save", "")).toBe("ipv6");
    expect(guessIptablesFamily("etc/sysconfig/iptables", "")).toBe("ipv4");
    expect(guessIptablesFamily("dump.txt", "-A INPUT -s fd00::/64 -j ACCEPT")).toBe("ipv6");
    expect(guessIptablesFamily("dump.txt", "-A INPUT -s 10.0.0.1/32 -j ACCEPT")).toBe("ipv4");
    // Seen in the kernel differential test: ip6tables-save dumps without -s/-d still say IPv6.
    expect(guessIptablesFamily("dump.txt", "-A INPUT -j REJECT --reject-with icmp6-port-unreachable")).toBe("ipv6");
    expect(guessIptablesFamily("dump.txt", "-A INPUT -m iprange --src-range fd00::2-fd00::50 -j DROP")).toBe("ipv6");
    expect(guessIptablesFamily("dump.txt", "-A INPUT -m iprange --src-range 10.0.0.2-10.0.0.50 -j DROP")).toBe("ipv4");
    const v6 = parseIptablesSave("rules.v6", "*filter\n:INPUT DROP [0:0]\n-A INPUT -s fd00:10::/64 -j ACCEPT\nCOMMIT\n").ruleset;
    expect(v6.families).toEqual(["ipv6"]);
    expect(v6.tables[0]!.family).toBe("ip6");
    expect(ruleText(chainOf(v6, "filter", "INPUT").rules[0]!)).toBe("saddr=fd00:10::/64 => accept");
  });
});
