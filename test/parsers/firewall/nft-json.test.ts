import { describe, expect, it } from "vitest";
import { parseNftJson } from "../../../src/parsers/firewall/nft-json.js";
import { fixture } from "./paths.js";
import { chainOf, ruleText, valueText } from "./summary.js";

describe("nft -j list ruleset", () => {
  const text = fixture("nft_-j_list_ruleset");

  it("reads tables, chains, sets and rules into the same model as the text format", () => {
    const { ruleset, diagnostics } = parseNftJson("sos_commands/firewall_tables/nft_-j_list_ruleset", text);
    expect(diagnostics).toEqual([]);
    expect(ruleset.format).toBe("nft-json");
    expect(ruleset.tables.map((t) => `${t.family} ${t.name}`)).toEqual(["inet filter"]);
    expect(chainOf(ruleset, "filter", "input").base).toMatchObject({ type: "filter", hook: "input", priority: 0, policy: "drop" });
    expect(chainOf(ruleset, "filter", "memcached").base).toBeNull();
    const set = ruleset.tables[0]!.sets[0]!;
    expect([set.name, set.keyType, valueText(set.elements!)]).toEqual(["mc_clients", "ipv4_addr", "10.0.2.0/24,10.0.3.1-10.0.3.9"]);
    expect(chainOf(ruleset, "filter", "input").rules.map(ruleText)).toEqual([
      "iif=lo => accept",
      "ct-state=established,related => accept",
      "dport=11211,11212 => jump memcached",
      "=> reject icmpx admin-prohibited",
    ]);
    const memcached = chainOf(ruleset, "filter", "memcached").rules;
    expect(memcached.map(ruleText)).toEqual([
      "saddr=10.0.0.0/24 => accept",
      "saddr=@mc_clients => accept",
      'saddr=10.0.4.0-10.0.4.255 ?{"xt":{"type":"match","name":"recent"}} => accept',
      "saddr!=10.0.0.0/8 => drop",
      "mark=0x100/0xff00 => return",
    ]);
    expect(memcached[0]!.comment).toBe("app servers");
    expect(memcached[2]!.understood).toBe(false);
  });

  it("locates each rule object (nft -j prints one line; columns tell rules apart)", () => {
    const { ruleset } = parseNftJson("x.json", text);
    const rule = chainOf(ruleset, "filter", "memcached").rules[0]!;
    expect(rule.location.line).toBe(1);
    expect(text.slice(rule.location.column - 1, rule.location.endColumn - 1)).toMatch(/^\{"family": "inet", "table": "filter", "chain": "memcached", "handle": 9.*\}$/u);
    const pretty = JSON.stringify(JSON.parse(text), null, 2);
    const again = chainOf(parseNftJson("x.json", pretty).ruleset, "filter", "memcached").rules[0]!;
    expect(again.location.endLine).toBeGreaterThan(again.location.line);
    expect(pretty.split("\n")[again.location.line - 1]!.trim()).toBe('"rule": {');
  });

  it("ct state with an OR-ed value compares with the OR, as the kernel does (found by the kernel differential test)", () => {
    const rule = (op: string, right: string) =>
      `{"nftables": [{"table": {"family": "inet", "name": "t"}}, {"chain": {"family": "inet", "table": "t", "name": "c", "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}}, {"rule": {"family": "inet", "table": "t", "chain": "c", "expr": [{"match": {"op": "${op}", "left": {"ct": {"key": "state"}}, "right": ${right}}}, {"drop": null}]}}]}`;
    const read = (op: string, right: string) => {
      const { ruleset, diagnostics } = parseNftJson("nft.json", rule(op, right));
      expect(diagnostics).toEqual([]);
      return ruleText(chainOf(ruleset, "t", "c").rules[0]!);
    };
    // What `nft -j list ruleset` prints for `ct state != new,invalid`, `ct state new,invalid` and `ct state != { new, invalid }`.
    expect(read("!=", '{"|": ["invalid", "new"]}')).toBe("ct-state!= => drop");
    expect(read("==", '{"|": ["invalid", "new"]}')).toBe("ct-state= => drop");
    expect(read("in", '["invalid", "new"]')).toBe("ct-state=invalid,new => drop");
    expect(read("!=", '{"set": ["invalid", "new"]}')).toBe("ct-state!=invalid,new => drop");
  });

  it("reads command wrappers (nft -j -f input)", () => {
    const input = JSON.stringify({
      nftables: [
        { add: { table: { family: "ip", name: "t" } } },
        { add: { chain: { family: "ip", table: "t", name: "c", type: "filter", hook: "input", prio: "filter", policy: "drop" } } },
        { add: { rule: { family: "ip", table: "t", chain: "c", expr: [{ accept: null }] } } },
        { insert: { rule: { family: "ip", table: "t", chain: "c", expr: [{ match: { op: "==", left: { meta: { key: "iifname" } }, right: "lo" } }, { accept: null }] } } },
      ],
    });
    const { ruleset, diagnostics } = parseNftJson("x.json", input);
    expect(diagnostics).toEqual([]);
    expect(chainOf(ruleset, "t", "c").base).toMatchObject({ priority: 0, policy: "drop" });
    expect(chainOf(ruleset, "t", "c").rules.map(ruleText)).toEqual(["iif=lo => accept", "=> accept"]);
  });

  it.each([
    ["{", "nft-json-syntax"],
    ['{"tables": []}', "nft-json-syntax"],
    ['{"nftables": [{"flowtable": {"family": "inet", "name": "f", "table": "t"}}]}', "nft-ignored-object"],
    ['{"nftables": [{"chain": {"family": "inet", "name": "c"}}]}', "nft-json-syntax"],
  ])("reports what it cannot read: %s", (input, code) => {
    expect(parseNftJson("x.json", input).diagnostics.map((d) => d.code)).toContain(code);
  });

  it("reads vmaps, masks and mark statements", () => {
    const input = JSON.stringify({
      nftables: [
        { chain: { family: "inet", table: "t", name: "c", type: "filter", hook: "input", prio: -150, policy: "accept" } },
        { rule: { family: "inet", table: "t", chain: "c", expr: [{ vmap: { key: { ct: { key: "state" } }, data: { set: [["established", { accept: null }], ["invalid", { drop: null }]] } } }] } },
        { rule: { family: "inet", table: "t", chain: "c", expr: [{ mangle: { key: { meta: { key: "mark" } }, value: 42 } }] } },
        { rule: { family: "inet", table: "t", chain: "c", expr: [{ match: { op: "==", left: { "&": [{ payload: { protocol: "tcp", field: "flags" } }, { "|": ["fin", "syn", "rst", "ack"] }] }, right: "syn" } }, { accept: null }] } },
        { rule: { family: "inet", table: "t", chain: "c", expr: [{ match: { op: "in", left: { payload: { protocol: "tcp", field: "dport" } }, right: { set: [{ range: [1000, 2000] }, 22] } } }, { dnat: { addr: "10.0.0.2" } }] } },
      ],
    });
    const { ruleset } = parseNftJson("x.json", input);
    expect(chainOf(ruleset, "t", "c").rules.map(ruleText)).toEqual([
      "=> vmap ct-state {established:accept,invalid:drop}",
      "mark:=42 => -",
      "tcp-flags=0x2/0x17 => accept",
      'dport=1000-2000,22 => ?{"dnat":{"addr":"10.0.0.2"}}',
    ]);
  });
});
