import { describe, expect, it } from "vitest";
import rule from "../../rules/memcached-exposed.js";
import { findingSites, runRuleOn } from "../helpers/rule-harness.js";

const dir = "fixtures/rules/memcached-exposed";

describe("SL206 memcached-exposed", () => {
  it.each([
    ["fires", [["SL206", `${dir}/fires/etc/sysconfig/memcached`, 1]], ["note"]],
    ["fires-public", [["SL206", `${dir}/fires-public/etc/memcached.conf`, 6]], ["note"]],
    ["fires-firewall-open", [["SL206", `${dir}/fires-firewall-open/etc/sysconfig/memcached`, 1]], ["warning"]],
    ["fires-firewall-partner", [["SL206", `${dir}/fires-firewall-partner/etc/sysconfig/memcached`, 1]], ["warning"]],
    [
      "fires-published",
      [7, 12, 17, 22].map((line) => ["SL206", `${dir}/fires-published/docker-compose.yml`, line]),
      ["note", "note", "note", "note"],
    ],
  ] as [string, [string, string, number][], string[]][])("fires: %s", async (name, sites, levels) => {
    const result = await runRuleOn(rule, `${dir}/${name}`);
    expect(findingSites(result)).toEqual(sites);
    expect(result.findings.map((f) => f.level)).toEqual(levels);
  });

  it("is a note without firewall data", async () => {
    const result = await runRuleOn(rule, `${dir}/fires`);
    expect(result.findings[0]!.message).toContain("no firewall rules for fires are in the inputs");
  });

  it("names the accepting rule and the untrusted source it admits", async () => {
    const open = await runRuleOn(rule, `${dir}/fires-firewall-open`);
    expect(open.findings[0]!.message).toContain("from any source: INPUT → ACCEPT at line 8");
    expect(open.findings[0]!.related.map((r) => [r.location.file, r.location.line])).toEqual([[`${dir}/fires-firewall-open/etc/sysconfig/iptables`, 8]]);
    const partner = await runRuleOn(rule, `${dir}/fires-firewall-partner`);
    expect(partner.findings[0]!.message).toContain("from 198.51.100.0, outside the trusted networks: INPUT → ACCEPT at line 9");
  });

  it("stays silent when the admitted public range is a trusted network", async () => {
    expect((await runRuleOn(rule, `${dir}/fires-firewall-partner`, { trustedNetworks: ["198.51.100.0/24"] })).findings).toEqual([]);
  });

  it("says Docker forwards published ports around the INPUT rules", async () => {
    const result = await runRuleOn(rule, `${dir}/fires-published`);
    expect(result.findings[0]!.message).toContain("is published as 33211->11211/tcp on every address of fires-published");
    expect(result.findings[0]!.message).toContain('"<address>:33211:11211"');
  });

  it.each(["clean", "clean-firewall-private-only", "clean-firewall-blocks", "clean-published-private"])("stays silent: %s", async (name) => {
    expect((await runRuleOn(rule, `${dir}/${name}`)).findings).toEqual([]);
  });
});
