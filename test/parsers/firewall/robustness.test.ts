import { describe, expect, it } from "vitest";
import { evaluate } from "../../../src/model/firewall/evaluate.js";
import type { FirewallFormat } from "../../../src/parsers/firewall/index.js";
import { detectFirewallFormat, parseFirewall } from "../../../src/parsers/firewall/index.js";
import { prng } from "../../helpers/firewall-gen.js";
import { corpus, fixture } from "./paths.js";

const SAMPLES: [FirewallFormat, string][] = [
  ["iptables-save", fixture("memcached-host.rules")],
  ["iptables-save", corpus("oneinstack-rules.v4")],
  ["iptables-list", fixture("iptables_-t_filter_-nvL")],
  ["iptables-list", fixture("ip6tables_-vnxL")],
  ["nft", fixture("two-base-chains.nft")],
  ["nft", corpus("sosreport-rhcos-nft_list_ruleset")],
  ["nft-json", fixture("nft_-j_list_ruleset")],
  ["firewalld-zone-xml", fixture("zones/internal.xml")],
  ["firewalld-list-all-zones", fixture("firewall-cmd_--list-all-zones")],
  ["openstack-security-group-rules", fixture("security-group-rules.json")],
];

const FORMATS: FirewallFormat[] = ["iptables-save", "iptables-list", "nft", "nft-json", "firewalld-zone-xml", "firewalld-list-all-zones", "openstack-security-group-rules"];

/** Deletes, duplicates and swaps slices, and sprinkles characters the grammars care about. */
function mutate(text: string, random: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(random() * 6);
  const specials = ["{", "}", '"', "!", "-", ";", "\n", "<", ">", "/", ":", "[", "]", ",", "\\", "\t", "@", "$", "\u00e9", "\ud83d"];
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (out.length + 1));
    const length = Math.floor(random() * 20);
    switch (Math.floor(random() * 4)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + length);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at, at + length) + out.slice(at);
        break;
      case 2:
        out = out.slice(0, at) + specials[Math.floor(random() * specials.length)]! + out.slice(at);
        break;
      default:
        out = out.slice(at) + out.slice(0, at);
    }
  }
  return out;
}

describe("firewall parsers never throw", () => {
  it("on mutated samples of every format, parsed as every format, and the evaluator on the results", () => {
    const random = prng(20240305);
    let runs = 0;
    for (let round = 0; round < 60; round++) {
      for (const [, sample] of SAMPLES) {
        const text = mutate(sample, random);
        for (const format of FORMATS) {
          const result = parseFirewall(format, "fuzz", text);
          expect(result.diagnostics.every((d) => d.code !== "internal-error"), `${format}: ${JSON.stringify(text.slice(0, 200))}`).toBe(true);
          for (const hook of ["input", "output"] as const) {
            evaluate(result.ruleset, { family: random() < 0.5 ? "ipv4" : "ipv6", saddr: "10.0.0.5", daddr: "10.0.0.10", protocol: "tcp", dport: 11211, hook });
          }
          runs++;
        }
      }
    }
    expect(runs).toBe(60 * SAMPLES.length * FORMATS.length);
  });

  it("on empty input, binary junk and very long lines", () => {
    const junk = Array.from({ length: 2000 }, (_, i) => String.fromCharCode((i * 7919) % 65536)).join("");
    for (const text of ["", "\u0000\u0001\u0002", junk, "-A INPUT ".repeat(5000), "{".repeat(5000), "[".repeat(5000), "<zone>".repeat(500)]) {
      for (const format of FORMATS) {
        expect(() => parseFirewall(format, "x", text)).not.toThrow();
      }
    }
  });
});

describe("detectFirewallFormat", () => {
  it.each([
    ["sos_commands/firewall_tables/iptables_-t_filter_-nvL", "", "iptables-list"],
    ["sos_commands/firewall_tables/ip6tables_-vnxL", "", "iptables-list"],
    ["sos_commands/firewalld/firewall-cmd_--list-all-zones", "", "firewalld-list-all-zones"],
    ["etc/firewalld/zones/public.xml", "", "firewalld-zone-xml"],
    ["etc/sysconfig/iptables", corpus("amimoto-sysconfig-iptables"), "iptables-save"],
    ["etc/iptables/rules.v4", corpus("oneinstack-rules.v4"), "iptables-save"],
    ["etc/nftables.conf", corpus("catatsuy-nftables.conf"), "nft"],
    ["sos_commands/networking/nft_list_ruleset", corpus("sosreport-rhcos-nft_list_ruleset"), "nft"],
    ["dump.json", fixture("nft_-j_list_ruleset"), "nft-json"],
    ["rules.json", fixture("security-group-rules.json"), "openstack-security-group-rules"],
    ["some/zone.xml", corpus("deads1-firewalld-public.xml"), "firewalld-zone-xml"],
    ["listing.txt", fixture("iptables_-t_filter_-nvL"), "iptables-list"],
    ["etc/swift/proxy-server.conf", "[DEFAULT]\nbind_port = 8080\n", null],
  ])("%s", (path, text, expected) => {
    expect(detectFirewallFormat(path, text)).toBe(expected);
  });
});
