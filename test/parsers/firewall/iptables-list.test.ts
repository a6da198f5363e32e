import { describe, expect, it } from "vitest";
import { parseIptablesList } from "../../../src/parsers/firewall/iptables-list.js";
import { fixture } from "./paths.js";
import { chainOf, matchSpans, ruleText } from "./summary.js";

const HEADER = " pkts bytes target     prot opt in     out     source               destination         ";
const row = (rest: string) => {
  const { ruleset, diagnostics } = parseIptablesList("iptables_-t_filter_-nvL", `Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n${HEADER}\n${rest}\n\nChain USER (1 references)\n${HEADER}\n`);
  return { rule: chainOf(ruleset, "filter", "INPUT").rules[0], diagnostics };
};

describe("iptables -nvL listings: one row", () => {
  it.each([
    ["    0     0 ACCEPT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:11211", "l4proto=6 dport=11211 => accept"],
    ["    0     0 ACCEPT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpts:11000:12000", "l4proto=6 dport=11000-12000 => accept"],
    ["    0     0 DROP       tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:!22", "l4proto=6 dport!=22 => drop"],
    ["    0     0 ACCEPT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            multiport dports 11211,11212,20000:20010", "l4proto=6 dport=11211,11212,20000-20010 => accept"],
    ["    0     0 DROP       tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            multiport dports  !22,80", "l4proto=6 dport!=22,80 => drop"],
    ["    0     0 ACCEPT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            ctstate RELATED,ESTABLISHED", "ct-state=related,established => accept"],
    ["    0     0 ACCEPT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            state NEW", "ct-state=new => accept"],
    ["    0     0 DROP       all  --  *      *       0.0.0.0/0            0.0.0.0/0            ! ctstate NEW", "ct-state!=new => drop"],
    ["    0     0 ACCEPT     all  --  lo     *       0.0.0.0/0            0.0.0.0/0           ", "iif=lo => accept"],
    ["    0     0 DROP       all  --  !eth1  *       0.0.0.0/0            0.0.0.0/0           ", "iif!=eth1 => drop"],
    ["    0     0 ACCEPT     all  --  br+    *       0.0.0.0/0            0.0.0.0/0           ", "iif=br* => accept"],
    ["    0     0 DROP       all  --  *      *      !10.0.0.0/8           0.0.0.0/0           ", "saddr!=10.0.0.0/8 => drop"],
    ["    0     0 ACCEPT     all  --  *      *       10.0.0.0/24          10.0.0.10           ", "saddr=10.0.0.0/24 daddr=10.0.0.10 => accept"],
    ["    0     0 ACCEPT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* memcached clients */", "=> accept"],
    ["    0     0 ACCEPT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            match-set mc src", "saddr=ipset:mc => accept"],
    ["    0     0 DROP       all  --  *      *       0.0.0.0/0            0.0.0.0/0            mark match 0x8000/0x8000", "mark=0x8000/0x8000 => drop"],
    ["    0     0 ACCEPT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp flags:0x17/0x02", "l4proto=6 tcp-flags=0x2/0x17 => accept"],
    ["    0     0 ACCEPT     icmp --  *      *       0.0.0.0/0            0.0.0.0/0            icmptype 8", "l4proto=1 l4proto=1 => accept"],
    ["    0     0 REJECT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            reject-with icmp-host-prohibited", "=> reject icmp-host-prohibited"],
    ['    0     0 LOG        all  --  *      *       0.0.0.0/0            0.0.0.0/0            LOG flags 0 level 4 prefix "in: "', "=> -"],
    ["    0     0            all  --  *      *       10.0.0.5             0.0.0.0/0           ", "saddr=10.0.0.5 => -"],
    ["    0     0 USER       all  --  *      *       0.0.0.0/0            0.0.0.0/0           ", "=> jump USER"],
    ["    0     0 USER       all  --  *      *       0.0.0.0/0            0.0.0.0/0            [goto]", "=> goto USER"],
    ["    0     0 RETURN     all  --  *      *       0.0.0.0/0            0.0.0.0/0           ", "=> return"],
    ["    0     0 MARK       all  --  *      *       0.0.0.0/0            0.0.0.0/0            MARK set 0x2a", "mark:=42 => -"],
    ["    0     0 DNAT       tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:80 to:10.0.0.2:8080", "l4proto=6 dport=80 => ?DNAT to:10.0.0.2:8080"],
    ["    0     0 ACCEPT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            recent: CHECK seconds: 60", "l4proto=6 ?recent: CHECK seconds: 60 => accept"],
    ["    0     0 DROP       all  -f  *      *       0.0.0.0/0            0.0.0.0/0           ", "l4proto= => drop"],
    [" 3386K 2827M ACCEPT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:22", "l4proto=6 dport=22 => accept"],
  ])("%s", (text, expected) => {
    const { rule, diagnostics } = row(text);
    expect(diagnostics).toEqual([]);
    expect(ruleText(rule!)).toBe(expected);
  });

  it("points each match at its own columns", () => {
    const { rule } = row("    0     0 ACCEPT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:11211 ctstate NEW");
    expect(matchSpans(rule!)).toEqual([
      ["tcp", 24, 27],
      ["dpt:11211", 94, 103],
      ["ctstate NEW", 104, 115],
    ]);
  });
});

describe("iptables -nvL listings: files", () => {
  it("reads chains, policies and references", () => {
    const { ruleset, diagnostics } = parseIptablesList("sos_commands/firewall_tables/iptables_-t_filter_-nvL", fixture("iptables_-t_filter_-nvL"));
    expect(diagnostics).toEqual([]);
    expect(ruleset.format).toBe("iptables-list");
    expect(ruleset.families).toEqual(["ipv4"]);
    const table = ruleset.tables[0]!;
    expect(table.name).toBe("filter");
    expect(table.chains.map((c) => [c.name, c.base?.policy ?? null])).toEqual([
      ["INPUT", "drop"],
      ["FORWARD", "drop"],
      ["OUTPUT", "accept"],
      ["MEMCACHED", null],
    ]);
    expect(chainOf(ruleset, "filter", "INPUT").base!.policyLocation).toMatchObject({ line: 1, column: 21, endColumn: 25 });
    expect(chainOf(ruleset, "filter", "INPUT").rules.map(ruleText)).toEqual([
      "iif=lo => accept",
      "ct-state=related,established => accept",
      "l4proto=6 dport=22 ct-state=new => accept",
      "l4proto=6 dport=11211,11212 => jump MEMCACHED",
      "=> -",
      "=> reject icmp-host-prohibited",
    ]);
    expect(chainOf(ruleset, "filter", "MEMCACHED").rules.map((r) => [r.location.line, ruleText(r)])).toEqual([
      [18, "l4proto=6 iif=eth1 saddr=10.0.0.0/24 dport=11211 => accept"],
      [19, "l4proto=6 saddr!=10.0.0.0/8 => drop"],
      [20, "=> return"],
    ]);
  });

  it("reads ip6tables listings, whose opt column is blank", () => {
    const { ruleset, diagnostics } = parseIptablesList("sos_commands/firewall_tables/ip6tables_-vnxL", fixture("ip6tables_-vnxL"));
    expect(diagnostics).toEqual([]);
    expect(ruleset.families).toEqual(["ipv6"]);
    expect(ruleset.tables[0]!.family).toBe("ip6");
    expect(chainOf(ruleset, "filter", "INPUT").rules.map(ruleText)).toEqual([
      "iif=lo => accept",
      "ct-state=related,established => accept",
      "l4proto=6 saddr=fd00:10::/64 dport=11211 => accept",
      "=> -",
      "l4proto=6 dport=11000-12000 => reject tcp-reset",
    ]);
  });

  it("takes the table from the sosreport file name", () => {
    const text = "Chain PREROUTING (policy ACCEPT 0 packets, 0 bytes)\n" + HEADER + "\n";
    const { ruleset } = parseIptablesList("sos_commands/firewall_tables/iptables_-t_nat_-nvL", text);
    expect(ruleset.tables[0]!.name).toBe("nat");
    expect(ruleset.tables[0]!.chains[0]!.base).toMatchObject({ type: "nat", hook: "prerouting", priority: -100 });
  });

  it("reads --line-numbers listings", () => {
    const text = "Chain INPUT (policy DROP 0 packets, 0 bytes)\nnum   pkts bytes target     prot opt in     out     source               destination         \n1        0     0 ACCEPT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:11211\n";
    const { ruleset, diagnostics } = parseIptablesList("iptables_-vnL_--line-numbers", text);
    expect(diagnostics).toEqual([]);
    expect(ruleText(chainOf(ruleset, "filter", "INPUT").rules[0]!)).toBe("l4proto=6 dport=11211 => accept");
  });

  it("marks every rule of a listing without -v, which hides interfaces", () => {
    const text = "Chain INPUT (policy DROP)\ntarget     prot opt source               destination         \nACCEPT     all  --  0.0.0.0/0            0.0.0.0/0           \n";
    const { ruleset, diagnostics } = parseIptablesList("iptables_-nL", text);
    expect(diagnostics.map((d) => d.code)).toEqual(["iptables-list-no-interfaces"]);
    expect(chainOf(ruleset, "filter", "INPUT").rules[0]!.understood).toBe(false);
  });

  it.each([
    ["    0     0 ACCEPT     all  --  *      *       somewhere\n", "iptables-list-syntax"],
    ["Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n    0     0 ACCEPT     all  --  *      *       0.0.0.0/0            0.0.0.0/0\n", "iptables-list-syntax"],
  ])("reports lines it cannot read: %j", (text, code) => {
    expect(parseIptablesList("x", text).diagnostics.map((d) => d.code)).toContain(code);
  });

  it("turns targets that are neither chains nor known targets into not-understood verdicts", () => {
    const text = `Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n${HEADER}\n    0     0 MYSTERY    all  --  *      *       0.0.0.0/0            0.0.0.0/0           \n`;
    const rule = chainOf(parseIptablesList("x", text).ruleset, "filter", "INPUT").rules[0]!;
    expect(ruleText(rule)).toBe("=> ?MYSTERY");
  });
});
