import { describe, expect, it } from "vitest";
import { detectFirewallFormat } from "../../src/parsers/firewall/index.js";
import { looksLikeNft } from "../../src/parsers/firewall/nft-text.js";
import { parseCompose } from "../../src/parsers/compose.js";
import { parseFirewalldListAllZones } from "../../src/parsers/firewall/firewalld.js";
import { parseIptablesList } from "../../src/parsers/firewall/iptables-list.js";
import { parseEtcHosts } from "../../src/parsers/host-facts.js";
import { parseIni } from "../../src/parsers/ini.js";
import { parseAnsibleInventory, parseKollaGlobals } from "../../src/parsers/kolla.js";
import { MAX_YAML_ERRORS, parseYamlFile, yamlComplexity } from "../../src/parsers/yaml-located.js";
import { redactLine, redactLogText, urlPasswords } from "../../src/redact.js";

/** Crashes and hangs the property tests found, each pinned by its smallest reproduction. */
const cpuMs = (work: () => unknown) => {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

describe("looksLikeNft is linear in blank lines (was quadratic: `^\\s*` with the m flag)", () => {
  it("scans 200,000 newlines quickly and still finds an indented table", () => {
    const blank = "\n".repeat(200_000);
    expect(cpuMs(() => detectFirewallFormat("etc/firewall.rules", `<service>${blank}</service>`))).toBeLessThan(500);
    expect(looksLikeNft(`${blank}  table inet filter {\n}\n`)).toBe(true);
    expect(looksLikeNft(`#\n\t\tflush ruleset\n`)).toBe(true);
    expect(looksLikeNft(`tables are not here\n`)).toBe(false);
  });
});

describe("YAML nesting is bounded before the yaml package sees it (40,000 levels aborted the process)", () => {
  it.each([
    ["flow sequences", "[".repeat(40_000)],
    ["block sequences on one line", `- ${"- ".repeat(40_000)}x`],
    ["complex keys", `${"? ".repeat(40_000)}x`],
    ["a sequence under a key", `services:\n${"- ".repeat(40_000)}x\n`],
  ])("%s: one yaml-too-complex diagnostic with its line, nothing parsed", (_name, text) => {
    const parsed = parseYamlFile("compose.yaml", text);
    expect(parsed.root).toBeNull();
    expect(parsed.diagnostics).toEqual([expect.objectContaining({ code: "yaml-too-complex", file: "compose.yaml", line: text.startsWith("services") ? 2 : 1 })]);
    expect(parseCompose("compose.yaml", text).diagnostics.map((d) => d.code)).toContain("yaml-too-complex");
  });

  it("refuses a run of 50,000 stray closing brackets (seconds of error reporting) quickly", () => {
    const text = `x: ${"}".repeat(50_000)}\n`;
    expect(cpuMs(() => parseKollaGlobals("globals.yml", text))).toBeLessThan(500);
    expect(parseKollaGlobals("globals.yml", text).diagnostics).toEqual([expect.objectContaining({ code: "yaml-too-complex", line: 1 })]);
  });

  it("lists at most MAX_YAML_ERRORS syntax errors and one line for the rest", () => {
    const diagnostics = parseYamlFile("globals.yml", `${"!a ".repeat(500)}x\n`).diagnostics;
    expect(diagnostics).toHaveLength(MAX_YAML_ERRORS + 1);
    expect(diagnostics.at(-1)!.message).toMatch(/^\d+ more YAML syntax errors/u);
  });

  it("leaves ordinary files alone: real depth is a few levels", () => {
    const compose = "services:\n  memcached:\n    image: memcached:1.6\n    command: [\"-m\", \"64\", \"-l\", \"{{ api_interface_address }}\"]\n    ports:\n      - \"11211:11211\"\n";
    expect(yamlComplexity(compose).depth).toBeLessThan(20);
    expect(parseYamlFile("compose.yaml", compose).diagnostics).toEqual([]);
  });
});

describe("redaction is linear and masks list userinfo (found by the secrets test and the fuzzer)", () => {
  it.each([
    ["40,000 letters (scheme scan from every letter)", "a".repeat(400_000)],
    ["',:' runs (comma-started userinfo)", ",:".repeat(200_000)],
    ["Environment= and spaces (three overlapping quantifiers)", `Environment=${" ".repeat(400_000)}`],
    ["a key and spaces without '='", `a${" ".repeat(400_000)}`],
  ])("%s", (_name, text) => {
    expect(cpuMs(() => [redactLine(text), redactLogText(text), urlPasswords(text)])).toBeLessThan(1_000);
  });

  it("masks user:password@host entries of a server list, and key=value words after the first", () => {
    expect(redactLine("memcache_servers = admin:S3cretPw@10.0.0.1:11211, bob:0therPw@10.0.0.2:11211")).toBe("memcache_servers = admin:********@10.0.0.1:11211, bob:********@10.0.0.2:11211");
    expect(urlPasswords("admin:S3cretPw@10.0.0.1:11211")).toEqual(["S3cretPw"]);
    expect(redactLine("ctl1 ansible_host=10.0.0.1 ansible_password=Hunter2x")).toBe("ctl1 ansible_host=10.0.0.1 ansible_password=********");
    expect(redactLine("transport_url = rabbit://u:p1@h1:5672,u:p2@h2:5672/")).toBe("transport_url = rabbit://u:********@h1:5672,u:********@h2:5672/");
    expect(redactLine("password = x")).toBe("password = ********");
    expect(redactLine("memcache_servers = [fe80::1]:11211")).toBe("memcache_servers = [fe80::1]:11211");
  });
});

describe("YAML aliases are not followed, and the file says so", () => {
  it("a compose file whose memcached settings come from a merge key gets one note at the first alias", () => {
    const text = 'x-common: &common\n  ports:\n    - "11211:11211"\nservices:\n  memcached:\n    <<: *common\n    image: memcached:1.6\n  other: *common\n';
    expect(parseCompose("compose.yaml", text).diagnostics).toEqual([expect.objectContaining({ code: "yaml-alias-not-followed", severity: "note", line: 6, column: 9 })]);
    expect(parseCompose("compose.yaml", text.replace(/<<: \*common\n|other: \*common\n/gu, "")).diagnostics).toEqual([]);
  });
});

describe("comment stripping is linear, also before a line separator (found by npm run fuzz)", () => {
  it("/etc/hosts: 45,000 '#' then U+2028", () => {
    const text = `${"#".repeat(45_000)}\u2028 localhost\n127.0.0.1 localhost # loopback\u2028\n`;
    expect(cpuMs(() => parseEtcHosts("etc/hosts", text))).toBeLessThan(500);
    expect(parseEtcHosts("etc/hosts", text).entries).toEqual([expect.objectContaining({ address: "127.0.0.1", names: ["localhost"] })]);
  });
  it("Ansible inventory: 45,000 ' #' then U+2028", () => {
    const text = `[memcached]\nctl1 ansible_host=10.0.0.1${" #".repeat(45_000)}\u2028\n# a comment\u2028 with a separator\n`;
    expect(cpuMs(() => parseAnsibleInventory("multinode", text))).toBeLessThan(500);
    expect([...parseAnsibleInventory("multinode", text).hosts.keys()]).toEqual(["ctl1"]);
  });
});

describe("trailing white space is trimmed in linear time (found by npm run fuzz)", () => {
  it("iptables -L: a rule row whose target text is 50,000 tabs then words", () => {
    const text = `Chain INPUT (policy DROP 0 packets, 0 bytes)\n pkts bytes target     prot opt in     out     source               destination\n    3   180 REJECT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            reject${"\t".repeat(50_000)}COMMIT-p tcp-with icmp-host-prohibited\n    0     0 REJECT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            reject-with icmp-host-prohibited\n`;
    expect(cpuMs(() => parseIptablesList("iptables_-nvL", text))).toBeLessThan(500);
    const rules = parseIptablesList("iptables_-nvL", text).ruleset.tables.flatMap((t) => t.chains.flatMap((c) => c.rules));
    expect(rules).toHaveLength(2);
  });
  it("configparser: a value with 200,000 spaces before its last word", () => {
    const text = `[filter:cache]\nmemcache_servers = 10.0.0.1:11211${" ".repeat(200_000)}x\n`;
    expect(cpuMs(() => parseIni("proxy-server.conf", text, { dialect: "configparser" }))).toBeLessThan(500);
  });
});

describe("firewall-cmd --list-all-zones: an indented line without ':' is linear (found by npm run fuzz)", () => {
  it("50,000 spaces then words", () => {
    const text = `public (active)\n  target: default\n${" ".repeat(50_000)}x y\n  ports: 11211/tcp\n`;
    expect(cpuMs(() => parseFirewalldListAllZones("firewall-cmd_--list-all-zones", text))).toBeLessThan(300);
    const parsed = parseFirewalldListAllZones("firewall-cmd_--list-all-zones", text);
    expect(parsed.diagnostics).toEqual([expect.objectContaining({ code: "firewalld-list-syntax", line: 3 })]);
    expect(parsed.ruleset.zones[0]!.ports).toHaveLength(1);
  });
});
