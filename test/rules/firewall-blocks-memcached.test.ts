import { describe, expect, it } from "vitest";
import rule from "../../rules/firewall-blocks-memcached.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/firewall-blocks-memcached";
const proxy = (name: string) => `${dir}/${name}/proxy1/etc/swift/proxy-server.conf`;

/** [ruleId, file, line] of each finding, then [file, line] of its deciding rule or policy. */
const cases: [name: string, sites: [string, string, number][], deciding: [string, number][], levels: string[]][] = [
  // iptables-save on ctl1, nft on ctl2, firewalld zone XML on ctl3 block; ctl4's ACCEPT admits the proxy.
  [
    "fires-mixed",
    [
      ["SL301", proxy("fires-mixed"), 12],
      ["SL301", proxy("fires-mixed"), 12],
      ["SL301", proxy("fires-mixed"), 12],
    ],
    [
      [`${dir}/fires-mixed/ctl1/etc/sysconfig/iptables`, 24],
      [`${dir}/fires-mixed/ctl2/etc/nftables.conf`, 23],
      [`${dir}/fires-mixed/ctl3/etc/firewalld/zones/public.xml`, 3],
    ],
    ["error", "error", "error"],
  ],
  ["fires-wrong-subnet", [["SL301", proxy("fires-wrong-subnet"), 12]], [[`${dir}/fires-wrong-subnet/ctl1/etc/iptables/rules.v4`, 3]], ["error"]],
  ["fires-established-only", [["SL301", proxy("fires-established-only"), 12]], [[`${dir}/fires-established-only/ctl1/etc/iptables/rules.v4`, 3]], ["error"]],
  ["fires-interface", [["SL301", proxy("fires-interface"), 12]], [[`${dir}/fires-interface/ctl1/etc/iptables/rules.v4`, 3]], ["error"]],
  ["fires-user-chain", [["SL301", proxy("fires-user-chain"), 12]], [[`${dir}/fires-user-chain/ctl1/etc/iptables/rules.v4`, 11]], ["error"]],
  ["fires-unknown-source", [["SL301", proxy("fires-unknown-source"), 12]], [[`${dir}/fires-unknown-source/ctl1/etc/iptables/rules.v4`, 24]], ["error"]],
  ["fires-client-output", [["SL301", proxy("fires-client-output"), 12]], [[`${dir}/fires-client-output/proxy1/etc/sysconfig/iptables`, 5]], ["error"]],
  ["fires-two-rulesets", [["SL301", proxy("fires-two-rulesets"), 12]], [[`${dir}/fires-two-rulesets/ctl1/etc/nftables.conf`, 23]], ["error"]],
  ["fires-unknown-ipset", [["SL301", proxy("fires-unknown-ipset"), 12]], [[`${dir}/fires-unknown-ipset/ctl1/etc/iptables/rules.v4`, 8]], ["note"]],
];

describe("SL301 firewall-blocks-memcached", () => {
  it.each(cases)("fires: %s", async (name, sites, deciding, levels) => {
    const result = await runRuleOn(rule, `${dir}/${name}`);
    expect(findingSites(result)).toEqual(sites);
    expect(result.findings.map((f) => f.related.map((r) => [r.location.file, r.location.line])[0])).toEqual(deciding);
    expect(result.findings.map((f) => f.level)).toEqual(levels);
  });

  it.each(["clean-mixed", "clean-drop-other-port", "clean-interface", "clean-sosreport", "clean-published-container"])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, `${dir}/${name}`)).findings).toEqual([]);
  });

  it("names the path the packet took and the deciding rule", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-user-chain`);
    expect(result.findings[0]!.message).toContain("rejects a new TCP connection from 10.0.0.21 to 10.0.0.11:11211 on its input path: INPUT → MEMCACHED → REJECT at line 11");
  });

  it("says when it evaluated any source because the client's address is unknown", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-unknown-source`);
    expect(result.findings[0]!.message).toContain("from any source outside ctl1 (the address of proxy1 is not in the inputs)");
  });

  it("uses the interface that carries the client's subnet", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-interface`);
    expect(result.findings[0]!.message).toContain("from 10.0.0.21 to 10.0.0.11:11211 via eth1 on its input path: INPUT → policy DROP");
    const path = result.deployment.firewallPaths[0]!;
    expect(path.input?.interface).toBe("eth1");
  });

  it("reports an undecidable rule at note level, naming the expression", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-unknown-ipset`);
    expect(result.findings[0]!.message).toContain("the members of ipset memcache_clients are not in the dump (`--match-set memcache_clients src` at line 8)");
  });

  it("evaluates the client host's output path", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-client-output`);
    expect(result.findings[0]!.message).toContain("the firewall of proxy1");
    expect(result.findings[0]!.message).toContain("via eth0 on its output path: OUTPUT → policy DROP");
  });

  it("requires every ruleset of a host to accept (iptables and nft on one host)", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-two-rulesets`);
    const input = result.deployment.firewallPaths[0]!.input!;
    expect(input.rulesets.map((r) => [r.format, r.verdict])).toEqual([
      ["iptables-list", "accept"],
      ["nft", "drop"],
    ]);
    expect(input.verdict).toBe("drop");
  });

  it("does not walk the input path for a port Docker publishes from a bridged network", async () => {
    const result = await runRuleOn(rule, `${dir}/clean-published-container`);
    const path = result.deployment.firewallPaths[0]!;
    expect(path.input).toBeNull();
    expect(path.inputNotEvaluated).toContain("FORWARD chain (DOCKER-USER)");
  });

  it("records nothing for allowed pairs, and the accepting rule in the model", async () => {
    const result = await runRuleOn(rule, `${dir}/clean-mixed`);
    expect(result.deployment.firewallPaths.map((p) => [p.serverAddress, p.input?.verdict, p.input?.rulesets[0]?.decidingRule?.line])).toEqual([
      ["10.0.0.11", "accept", 23],
      ["10.0.0.12", "accept", 22],
      ["10.0.0.13", "accept", 30],
    ]);
  });
});

describe("SL301 in the reports", () => {
  it("the human topology section shows the verdict per client → server pair", async () => {
    const { analyze } = await import("../../src/analyze.js");
    const { render } = await import("../../src/reporters/index.js");
    const { repoRoot } = await import("../helpers/rule-harness.js");
    const text = render(await analyze({ inputs: [`${dir}/fires-mixed`], baseDirectory: repoRoot }), "human");
    expect(text).toContain(`firewall 10.0.0.21 → 10.0.0.11:11211  ctl1 in: reject INPUT → RH-Firewall-1-INPUT → REJECT at line 24 (${dir}/fires-mixed/ctl1/etc/sysconfig/iptables:24)`);
    expect(text).toContain("firewall 10.0.0.21 → 10.0.0.14:11211  ctl4 in: accept INPUT → ACCEPT at line 9");
  });
  it("the JSON lists each host's rulesets without the parsed rules", async () => {
    const { analyze } = await import("../../src/analyze.js");
    const { render } = await import("../../src/reporters/index.js");
    const { repoRoot } = await import("../helpers/rule-harness.js");
    const json = JSON.parse(render(await analyze({ inputs: [`${dir}/clean-sosreport`], baseDirectory: repoRoot }), "json"));
    const ctl1 = json.deployment.firewalls.find((f: { hostId: string }) => f.hostId.endsWith("/ctl1"));
    expect(ctl1.rulesets.map((r: { format: string; families: string[] }) => [r.format, r.families])).toEqual([
      ["iptables-list", ["ipv4"]],
      ["nft", ["ipv4", "ipv6"]],
    ]);
    expect(ctl1.rulesets[0]).not.toHaveProperty("ruleset");
    expect(json.deployment.firewallPaths[0].input.verdict).toBe("accept");
  });
});
