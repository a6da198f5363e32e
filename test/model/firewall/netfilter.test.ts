import { describe, expect, it } from "vitest";
import { evaluate } from "../../../src/model/firewall/evaluate.js";
import { parseIptablesSave } from "../../../src/parsers/firewall/iptables-save.js";
import { parseNftText } from "../../../src/parsers/firewall/nft-text.js";
import { fixture } from "../../parsers/firewall/paths.js";
import { syn } from "./packets.js";

/** iptables-save text with a filter table; `rules` are `-A` lines (line 1 is `*filter`). */
const iptables = (rules: string, policies = ":INPUT DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:MC - [0:0]\n:OTHER - [0:0]") =>
  parseIptablesSave("rules.v4", `*filter\n${policies}\n${rules}\nCOMMIT\n`).ruleset;

const nft = (text: string) => parseNftText("nftables.conf", text).ruleset;

describe("iptables evaluation", () => {
  const host = parseIptablesSave("memcached-host.rules", fixture("memcached-host.rules")).ruleset;

  it.each([
    ["the ACCEPT for the right subnet", syn(), "accept", ["INPUT", "MEMCACHED", "ACCEPT at line 20"]],
    ["the right subnet on the wrong interface reaches the ipset rule, whose members are unknown", syn({ iif: "eth0" }), "unknown", ["INPUT", "MEMCACHED", "unknown at line 21"]],
    ["a source outside 10/8 hits the negated DROP", syn({ saddr: "192.168.1.5", iif: "eth0" }), "unknown", null],
    ["RETURN from the user chain to the REJECT", syn({ saddr: "10.9.0.5" }), "unknown", null],
    ["multiport range 20000:20010", syn({ dport: 20005 }), "accept", ["INPUT", "MEMCACHED", "ACCEPT at line 20"]],
    ["the DROP on another port does not apply to 11211, the one on 6379 does", syn({ dport: 6379 }), "drop", ["INPUT", "DROP at line 17"]],
    ["an unlisted port reaches the final REJECT", syn({ dport: 11300 }), "reject", ["INPUT", "REJECT at line 19"]],
    ["loopback is accepted first", syn({ iif: "lo", saddr: "127.0.0.1" }), "accept", ["INPUT", "ACCEPT at line 12"]],
    ["goto SSH: falling off the end of SSH returns to INPUT's caller, i.e. INPUT's policy", syn({ dport: 22, saddr: "10.0.0.5" }), "drop", ["INPUT", "SSH", "policy DROP"]],
    ["goto SSH, accepted there", syn({ dport: 22, saddr: "192.168.10.7" }), "accept", ["INPUT", "SSH", "ACCEPT at line 24"]],
    ["established traffic is accepted before anything else", syn({ state: "established", dport: 11300 }), "accept", ["INPUT", "ACCEPT at line 13"]],
    ["invalid is dropped", syn({ state: "invalid" }), "drop", ["INPUT", "DROP at line 14"]],
  ])("%s", (_name, packet, verdict, path) => {
    const result = evaluate(host, packet);
    expect(result.verdict).toBe(verdict);
    if (path) expect(result.path).toEqual(path);
  });

  it("names the ipset a verdict depends on", () => {
    const result = evaluate(host, syn({ saddr: "192.168.1.5", iif: "eth0" }));
    expect(result.unknownReason).toMatch(/ipset memcached-clients/u);
    expect(result.unknownLocation).toMatchObject({ line: 21, column: 27 });
    expect(result.path).toEqual(["INPUT", "MEMCACHED", "unknown at line 21"]);
  });

  it("gives the deciding rule and the deciding policy with their locations", () => {
    const rejected = evaluate(host, syn({ dport: 11300 }));
    expect(rejected.decidingRule).toEqual({ file: "memcached-host.rules", line: 19, column: 1, endLine: 19, endColumn: 63 });
    expect(rejected.decidingPolicy).toBeUndefined();
    const dropped = evaluate(iptables("-A INPUT -p tcp --dport 22 -j ACCEPT"), syn());
    expect(dropped).toMatchObject({ verdict: "drop", path: ["INPUT", "policy DROP"], decidingPolicy: { chain: "INPUT", location: { line: 2, column: 8, endColumn: 12 } } });
    expect(dropped.decidingRule).toBeUndefined();
  });

  it.each([
    ["established-only rules do not accept NEW", "-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT", {}, "drop"],
    ["conntrack NEW accepts NEW", "-A INPUT -m conntrack --ctstate NEW -p tcp --dport 11211 -j ACCEPT", {}, "accept"],
    ["--syn matches the first packet", "-A INPUT -p tcp --syn --dport 11211 -j ACCEPT", {}, "accept"],
    ["! --syn does not", "-A INPUT -p tcp ! --syn -j ACCEPT", {}, "drop"],
    ["-p udp does not match TCP", "-A INPUT -p udp --dport 11211 -j ACCEPT", {}, "drop"],
    ["! -p udp matches TCP", "-A INPUT ! -p udp -j ACCEPT", {}, "accept"],
    ["! -s with the source inside", "-A INPUT ! -s 10.0.0.0/8 -j ACCEPT", {}, "drop"],
    ["! -s with the source outside", "-A INPUT ! -s 192.168.0.0/16 -j ACCEPT", {}, "accept"],
    ["-d matches the server address", "-A INPUT -d 10.0.0.10/32 -j ACCEPT", {}, "accept"],
    ["! --dport on the same port", "-A INPUT -p tcp ! --dport 11211 -j ACCEPT", {}, "drop"],
    ["multiport ! --dports", "-A INPUT -p tcp -m multiport ! --dports 22,80 -j ACCEPT", {}, "accept"],
    ["port range 11000:12000", "-A INPUT -p tcp --dport 11000:12000 -j ACCEPT", {}, "accept"],
    ["iprange", "-A INPUT -m iprange --src-range 10.0.0.1-10.0.0.9 -j ACCEPT", {}, "accept"],
    ["-i eth+ wildcard", "-A INPUT -i eth+ -j ACCEPT", {}, "accept"],
    ["-i eth0 when the packet comes in on eth1", "-A INPUT -i eth0 -j ACCEPT", {}, "drop"],
    ["-o in INPUT never matches a packet with no output device", "-A INPUT -o eth1 -j ACCEPT", {}, "drop"],
    ["! -o in INPUT matches (empty name)", "-A INPUT ! -o eth1 -j ACCEPT", {}, "accept"],
    ["LOG continues", "-A INPUT -j LOG --log-prefix x\n-A INPUT -j ACCEPT", {}, "accept"],
    ["a rule without target continues", "-A INPUT -s 10.0.0.5\n-A INPUT -j REJECT", {}, "reject"],
    ["comment is ignored", '-A INPUT -m comment --comment "mc" -j ACCEPT', {}, "accept"],
    ["RETURN in a base chain applies the policy", "-A INPUT -j RETURN\n-A INPUT -j ACCEPT", {}, "drop"],
    ["mark match with the default mark 0", "-A INPUT -m mark --mark 0x1 -j ACCEPT", {}, "drop"],
    ["a fragment-only rule never matches a first packet", "-A INPUT -f -j ACCEPT", {}, "drop"],
    ["the source port is unknown", "-A INPUT -p tcp --sport 1024:65535 -j ACCEPT", {}, "unknown"],
    ["the source port when given", "-A INPUT -p tcp --sport 1024:65535 -j ACCEPT", { sport: 40000 }, "accept"],
    ["DNAT-like targets are not guessed", "-A INPUT -j NFQUEUE --queue-num 0", {}, "unknown"],
    ["an unknown match with a verdict is unknown", "-A INPUT -m recent --rcheck -j ACCEPT", {}, "unknown"],
    ["an unknown match that a known match rules out is harmless", "-A INPUT -p udp -m recent --rcheck -j ACCEPT", {}, "drop"],
    ["an unknown match on a LOG rule is harmless", "-A INPUT -m recent --rcheck -j LOG", {}, "drop"],
  ])("%s", (_name, rules, overrides, verdict) => {
    expect(evaluate(iptables(rules), syn(overrides)).verdict).toBe(verdict);
  });

  it("says which interface fact is missing, and decides -i lo for a packet from another host", () => {
    const ruleset = iptables("-A INPUT -i lo -j ACCEPT\n-A INPUT -i eth1 -j ACCEPT");
    const unknown = evaluate(ruleset, syn({ iif: undefined }));
    expect(unknown.verdict).toBe("unknown");
    expect(unknown.unknownReason).toMatch(/input interface is not known.*-i lo/u);
    const remote = evaluate(ruleset, syn({ iif: undefined, viaLoopback: false }));
    expect(remote.verdict).toBe("unknown");
    expect(remote.unknownReason).toMatch(/-i eth1/u);
    expect(evaluate(ruleset, syn({ iif: undefined, viaLoopback: true })).verdict).toBe("accept");
  });

  it("says when the source address is missing", () => {
    const result = evaluate(iptables("-A INPUT -s 10.0.0.0/24 -j ACCEPT"), syn({ saddr: undefined }));
    expect(result).toMatchObject({ verdict: "unknown", unknownReason: expect.stringMatching(/source address is not known/u) });
  });

  it("evaluates OUTPUT for the client host", () => {
    const ruleset = iptables("-A OUTPUT -o eth1 -p tcp --dport 11211 -j ACCEPT\n-A OUTPUT -p tcp --dport 11211 -j REJECT", ":INPUT ACCEPT [0:0]\n:OUTPUT DROP [0:0]");
    expect(evaluate(ruleset, syn({ hook: "output", iif: undefined, oif: "eth1" })).verdict).toBe("accept");
    expect(evaluate(ruleset, syn({ hook: "output", iif: undefined, oif: "eth0" })).path).toEqual(["OUTPUT", "REJECT at line 5"]);
  });

  it("walks mangle before filter and follows marks, NOTRACK and nat on the way", () => {
    const text = [
      "*raw",
      ":PREROUTING ACCEPT [0:0]",
      "-A PREROUTING -s 10.0.0.99 -j CT --notrack",
      "COMMIT",
      "*mangle",
      ":PREROUTING ACCEPT [0:0]",
      ":INPUT ACCEPT [0:0]",
      "-A PREROUTING -s 10.0.0.7 -j MARK --set-mark 0x2a",
      "-A INPUT -s 10.0.0.66 -j DROP",
      "COMMIT",
      "*nat",
      ":PREROUTING ACCEPT [0:0]",
      "-A PREROUTING -p tcp --dport 11311 -j DNAT --to-destination 10.0.0.10:11211",
      "COMMIT",
      "*filter",
      ":INPUT DROP [0:0]",
      "-A INPUT -m mark --mark 0x2a -j ACCEPT",
      "-A INPUT -m state --state NEW -p tcp --dport 11211 -s 10.0.0.0/24 -j ACCEPT",
      "COMMIT",
    ].join("\n");
    const ruleset = parseIptablesSave("rules.v4", text).ruleset;
    expect(evaluate(ruleset, syn({ saddr: "10.0.0.7", dport: 9999 })).path).toEqual(["raw PREROUTING", "policy ACCEPT", "mangle PREROUTING", "policy ACCEPT", "nat PREROUTING", "policy ACCEPT", "mangle INPUT", "policy ACCEPT", "INPUT", "ACCEPT at line 17"]);
    expect(evaluate(ruleset, syn({ saddr: "10.0.0.66" })).path).toEqual(["raw PREROUTING", "policy ACCEPT", "mangle PREROUTING", "policy ACCEPT", "nat PREROUTING", "policy ACCEPT", "mangle INPUT", "DROP at line 9"]);
    // Untracked packets are not NEW.
    expect(evaluate(ruleset, syn({ saddr: "10.0.0.99" }))).toMatchObject({ verdict: "drop", decidingPolicy: { chain: "INPUT" } });
    expect(evaluate(ruleset, syn({ dport: 11311 }))).toMatchObject({ verdict: "unknown", unknownReason: expect.stringMatching(/DNAT/u) });
    expect(evaluate(ruleset, syn())).toMatchObject({ verdict: "accept", decidingRule: { line: 18 } });
  });

  it("does not decide the other family", () => {
    expect(evaluate(iptables(""), syn({ family: "ipv6", saddr: "fd00::5", daddr: "fd00::10" }))).toMatchObject({
      verdict: "unknown",
      unknownReason: expect.stringMatching(/covers ipv4 only/u),
    });
  });
});

describe("loops and depth", () => {
  it("survives a 20,000-deep chain of jumps (iterative walk)", () => {
    const depth = 20_000;
    const lines = ["*filter", ":INPUT DROP [0:0]"];
    for (let i = 0; i < depth; i++) lines.push(`:C${i} - [0:0]`);
    lines.push("-A INPUT -j C0");
    for (let i = 0; i < depth - 1; i++) lines.push(`-A C${i} -j C${i + 1}`);
    lines.push(`-A C${depth - 1} -p tcp --dport 11211 -j ACCEPT`, "COMMIT");
    const ruleset = parseIptablesSave("deep.rules", lines.join("\n")).ruleset;
    const accepted = evaluate(ruleset, syn());
    expect(accepted.verdict).toBe("accept");
    expect(accepted.path).toHaveLength(depth + 2);
    const dropped = evaluate(ruleset, syn({ dport: 22 }));
    expect(dropped.verdict).toBe("drop");
    expect(dropped.path.filter((p) => p === "RETURN")).toHaveLength(depth);
  });

  it("ends jump cycles and goto loops as unknown instead of spinning", () => {
    const jumpCycle = iptables("-A INPUT -j MC\n-A MC -j OTHER\n-A OTHER -j MC");
    expect(evaluate(jumpCycle, syn())).toMatchObject({ verdict: "unknown", unknownReason: expect.stringMatching(/loops back/u), unknownLocation: { line: 8 } });
    const gotoLoop = iptables("-A INPUT -j MC\n-A MC -g OTHER\n-A OTHER -g MC");
    expect(evaluate(gotoLoop, syn()).verdict).toBe("unknown");
    const selfGoto = nft("table ip t {\n chain input { type filter hook input priority 0; jump a }\n chain a { goto b }\n chain b { goto a }\n}\n");
    expect(evaluate(selfGoto, syn()).verdict).toBe("unknown");
  });

  it("may enter the same chain twice when it returned in between", () => {
    const ruleset = iptables("-A INPUT -j MC\n-A INPUT -j MC\n-A INPUT -j ACCEPT\n-A MC -j RETURN");
    expect(evaluate(ruleset, syn()).path).toEqual(["INPUT", "MC", "RETURN", "MC", "RETURN", "ACCEPT at line 8"]);
  });
});

describe("nftables evaluation", () => {
  const two = parseNftText("etc/nftables.conf", fixture("two-base-chains.nft")).ruleset;

  it.each([
    ["a client in the define's prefix", syn(), "accept", ["inet early pre", "ACCEPT at line 12", "inet filter input", "memcached", "ACCEPT at line 36"]],
    ["a client in the define's range", syn({ saddr: "10.0.1.15" }), "accept", null],
    ["a drop in the first (raw-priority) base chain is final", syn({ saddr: "203.0.113.9" }), "drop", ["inet early pre", "DROP at line 11"]],
    ["an accept in the first base chain does not stop the second one's drop", syn({ saddr: "192.0.2.7" }), "drop", ["inet early pre", "ACCEPT at line 12", "inet filter input", "DROP at line 28"]],
    ["a source outside 10/8 is dropped by !=", syn({ saddr: "172.16.0.5" }), "drop", null],
    ["an unknown expression makes the verdict unknown", syn({ saddr: "10.2.0.5" }), "unknown", null],
    ["IPv6 client via a wildcard interface", syn({ family: "ipv6", saddr: "fd00:10::5", daddr: "fd00:10::10" }), "accept", null],
    ["IPv6 client on an interface the wildcard misses reaches the fib rule", syn({ family: "ipv6", saddr: "fd00:10::5", daddr: "fd00:10::10", iif: "bond0" }), "unknown", null],
    ["established via the verdict map", syn({ state: "established", dport: 9999 }), "accept", ["inet early pre", "policy ACCEPT", "inet filter input", "ACCEPT at line 27"]],
    ["invalid via the verdict map", syn({ state: "invalid", dport: 9999 }), "drop", null],
    ["th dport 53 with meta l4proto in a set", syn({ dport: 53 }), "accept", null],
    ["tcp flags mask for a SYN", syn({ dport: 22 }), "accept", null],
    ["anything else reaches the reject", syn({ dport: 8080 }), "reject", null],
  ])("%s", (_name, packet, verdict, path) => {
    const result = evaluate(two, packet);
    expect(result.verdict).toBe(verdict);
    if (path) expect(result.path).toEqual(path);
  });

  it("names the expression it could not evaluate, with its line", () => {
    const result = evaluate(two, syn({ saddr: "10.2.0.5" }));
    expect(result.unknownReason).toMatch(/`fib daddr type local` at line 39 is not understood/u);
    expect(result.unknownLocation).toMatchObject({ line: 39, column: 3 });
  });

  it("runs base chains in priority order, not in file order", () => {
    const text = (firstPriority: number, secondPriority: number) =>
      `table inet a {\n chain c { type filter hook input priority ${firstPriority}; policy accept; tcp dport 11211 drop }\n}\ntable inet b {\n chain c { type filter hook input priority ${secondPriority}; policy accept; tcp dport 11211 reject }\n}\n`;
    expect(evaluate(nft(text(0, -10)), syn()).path).toEqual(["inet b c", "REJECT at line 5"]);
    expect(evaluate(nft(text(-10, 0)), syn()).path).toEqual(["inet a c", "DROP at line 2"]);
    const tie = evaluate(nft(text(0, 0)), syn());
    expect(tie.path).toEqual(["inet a c", "DROP at line 2"]);
    expect(tie.notes[0]).toMatch(/share priority 0/u);
  });

  it("runs prerouting chains before input ones", () => {
    const ruleset = nft("table ip t {\n chain pre { type filter hook prerouting priority 0; ip saddr 10.0.0.5 meta mark set 0x7 }\n chain in { type filter hook input priority -200; mark 0x7 drop }\n}\n");
    expect(evaluate(ruleset, syn())).toMatchObject({ verdict: "drop", path: ["ip t pre", "policy ACCEPT", "ip t in", "DROP at line 3"] });
    expect(evaluate(ruleset, syn({ saddr: "10.0.0.6" })).verdict).toBe("accept");
  });

  it("matches sets, negated sets and unknown sets", () => {
    const text = `table inet t {\n set ok { type ipv4_addr; flags interval; elements = { 10.0.0.0/24 } }\n set dyn { type ipv4_addr; flags dynamic; }\n chain c { type filter hook input priority 0; policy drop;\n  ip saddr != @ok drop\n  ip saddr @dyn drop\n  accept\n }\n}\n`;
    const ruleset = nft(text);
    expect(evaluate(ruleset, syn({ saddr: "10.0.1.5" })).path).toEqual(["inet t c", "DROP at line 5"]);
    expect(evaluate(ruleset, syn())).toMatchObject({ verdict: "unknown", unknownReason: expect.stringMatching(/@dyn.*updated at runtime/u) });
  });

  it("breaks on interface expressions of the other side (nft NFT_BREAK), even negated", () => {
    const ruleset = nft('table inet t {\n chain c { type filter hook input priority 0; policy accept;\n  oifname != "eth9" drop\n }\n}\n');
    expect(evaluate(ruleset, syn()).verdict).toBe("accept");
  });

  it("skips nat chains for packets of established connections", () => {
    const ruleset = nft("table ip n {\n chain pre { type nat hook prerouting priority dstnat; tcp dport 11211 dnat to 10.0.0.20 }\n}\n");
    expect(evaluate(ruleset, syn()).verdict).toBe("unknown");
    expect(evaluate(ruleset, syn({ state: "established" })).verdict).toBe("accept");
  });

  it("accepts what no base chain filters", () => {
    const ruleset = nft("table ip6 only6 {\n chain c { type filter hook input priority 0; policy drop; }\n}\n");
    expect(evaluate(ruleset, syn())).toMatchObject({ verdict: "accept", path: ["no base chain on the input path: not filtered"] });
  });

  it("reports jumps to chains the dump does not define", () => {
    const ruleset = nft("table ip t {\n chain c { type filter hook input priority 0; jump missing }\n}\n");
    expect(evaluate(ruleset, syn())).toMatchObject({ verdict: "unknown", unknownReason: expect.stringMatching(/missing, which the dump does not define/u) });
  });

  it("decides ambiguous `tcp flags a,b` only when both nft readings agree", () => {
    const ruleset = nft("table ip t {\n chain c { type filter hook input priority 0; policy drop; tcp flags syn,ack accept }\n}\n");
    expect(evaluate(ruleset, syn())).toMatchObject({ verdict: "unknown", unknownReason: expect.stringMatching(/nft versions differ/u) });
    const both = nft("table ip t {\n chain c { type filter hook input priority 0; policy drop; tcp flags fin,rst accept }\n}\n");
    expect(evaluate(both, syn()).verdict).toBe("drop");
  });
});

// Found by the kernel differential test (test/system/firewall-kernel.test.ts): conntrack attaches
// its entry at priority -200 on prerouting, so a chain before it sees no entry.
describe("conntrack before its own priority", () => {
  const early = (priority: string, rules: string) =>
    nft(`table inet raw {\n\tchain pre {\n\t\ttype filter hook prerouting priority ${priority}; policy accept;\n${rules}\n\t}\n}\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tct state untracked drop\n\t}\n}\n`);

  it("`ct state new` does not match at priority raw: the kernel reports invalid there", () => {
    expect(evaluate(early("raw", "\t\tct state new drop"), syn())).toMatchObject({ verdict: "accept" });
    expect(evaluate(early("raw", "\t\tct state invalid drop"), syn())).toMatchObject({ verdict: "drop", decidingRule: { line: 4 } });
    expect(evaluate(early("raw", "\t\tct state != invalid drop"), syn())).toMatchObject({ verdict: "accept" });
    // After conntrack (-150) the packet is new, as before.
    expect(evaluate(early("-150", "\t\tct state new drop"), syn())).toMatchObject({ verdict: "drop" });
  });

  it("notrack takes effect only before conntrack", () => {
    expect(evaluate(early("raw", "\t\tnotrack"), syn())).toMatchObject({ verdict: "drop", path: ["inet raw pre", "policy ACCEPT", "inet filter input", "DROP at line 10"] });
    expect(evaluate(early("-150", "\t\tnotrack"), syn())).toMatchObject({ verdict: "accept" });
  });

  it("at exactly -200 the order among equal priorities decides: unknown", () => {
    const result = evaluate(early("-200", "\t\tct state new drop"), syn());
    expect(result.verdict).toBe("unknown");
    expect(result.unknownReason).toMatch(/same priority \(-200\)/u);
    expect(evaluate(early("-200", "\t\tnotrack"), syn()).verdict).toBe("unknown");
  });

  it("iptables: the raw table runs before conntrack, mangle after it", () => {
    const tables = (raw: string, mangle: string) =>
      parseIptablesSave("rules.v4", `*raw\n:PREROUTING ACCEPT [0:0]\n${raw}\nCOMMIT\n*mangle\n:PREROUTING ACCEPT [0:0]\n${mangle}\nCOMMIT\n`).ruleset;
    expect(evaluate(tables("-A PREROUTING -m conntrack --ctstate NEW -j DROP", ""), syn()).verdict).toBe("accept");
    expect(evaluate(tables("-A PREROUTING -m state --state INVALID -j DROP", ""), syn()).verdict).toBe("drop");
    expect(evaluate(tables("-A PREROUTING -j CT --notrack", "-A PREROUTING -m conntrack --ctstate UNTRACKED -j DROP"), syn()).verdict).toBe("drop");
    expect(evaluate(tables("", "-A PREROUTING -m conntrack --ctstate NEW -j DROP"), syn()).verdict).toBe("drop");
  });
});

// Found by the kernel differential test: nft compares `!= a,b` with the OR of the states.
describe("ct state with several states as one value", () => {
  const chain = (rule: string) => nft(`table inet t {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\t${rule}\n\t}\n}\n`);

  it("`ct state != established,related drop` drops every packet, NEW ones included", () => {
    const ruleset = chain("ct state != established,related drop");
    expect(evaluate(ruleset, syn()).verdict).toBe("drop");
    expect(evaluate(ruleset, syn({ state: "established" })).verdict).toBe("drop");
  });

  it("the comma list without an operator is any-of; braces are a set", () => {
    expect(evaluate(chain("ct state established,related drop"), syn()).verdict).toBe("accept");
    expect(evaluate(chain("ct state established,related drop"), syn({ state: "related" })).verdict).toBe("drop");
    expect(evaluate(chain("ct state != { established, related } drop"), syn()).verdict).toBe("drop");
    expect(evaluate(chain("ct state != { established, related } drop"), syn({ state: "established" })).verdict).toBe("accept");
    expect(evaluate(chain("ct state established | related drop"), syn({ state: "established" })).verdict).toBe("accept");
  });
});
