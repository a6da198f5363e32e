import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, findConfigFile, loadConfigFile } from "../../src/config/config-file.js";
import { runCli } from "../helpers/cli-run.js";
import { repoRoot } from "../helpers/rule-harness.js";

const scratch = mkdtempSync(path.join(tmpdir(), "stacklint-config-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh folder with these files (text as given). */
function tree(name: string, files: Record<string, string>): string {
  const root = path.join(scratch, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

describe("finding the config file", () => {
  const root = tree("find", {
    "repo/.git/HEAD": "ref: refs/heads/main\n",
    "repo/.stacklint.yaml": "rules: {}\n",
    "repo/site-a/etc/swift/proxy-server.conf": "[DEFAULT]\n",
    "repo/site-b/.stacklint.json": "{}\n",
    "repo/site-b/etc/swift/proxy-server.conf": "[DEFAULT]\n",
    ".stacklint.yaml": "rules: {}\n",
    "no-config-repo/.git/HEAD": "ref: refs/heads/main\n",
    "no-config-repo/etc/x.conf": "[DEFAULT]\n",
    "two/.stacklint.json": "{}\n",
    "two/.stacklint.yaml": "{}\n",
  });
  it("takes the nearest one upward from a directory input", () => {
    expect(findConfigFile(["repo/site-a/etc"], root)).toBe(path.join(root, "repo/.stacklint.yaml"));
    expect(findConfigFile(["repo/site-b"], root)).toBe(path.join(root, "repo/site-b/.stacklint.json"));
  });
  it("starts from the directory of a file input", () => {
    expect(findConfigFile(["repo/site-b/etc/swift/proxy-server.conf"], root)).toBe(path.join(root, "repo/site-b/.stacklint.json"));
  });
  it("stops at the repository root: a config above it is not picked up", () => {
    expect(findConfigFile(["no-config-repo/etc"], root)).toBeNull();
  });
  it("refuses two config files in one directory", () => {
    expect(() => findConfigFile(["two"], root)).toThrow(/two\/\.stacklint\.json and two\/\.stacklint\.yaml are both config files; keep one/u);
  });
  it("refuses inputs whose nearest config files differ, and accepts inputs that share one", () => {
    expect(() => findConfigFile(["repo/site-a", "repo/site-b"], root)).toThrow(ConfigError);
    expect(() => findConfigFile(["repo/site-a", "repo/site-b"], root)).toThrow(/name one with --config/u);
    expect(findConfigFile(["repo/site-a", "repo/site-a/etc"], root)).toBe(path.join(root, "repo/.stacklint.yaml"));
  });
});

describe("loading a valid config", () => {
  it("converts YAML: rule names to IDs, thresholds and the rest to settings, hosts with roles", () => {
    const root = tree("valid-yaml", {
      ".stacklint.yaml": [
        "# yaml-language-server: $schema=../../schemas/config.schema.json",
        "rules:",
        "  memcache-single-server: off",
        "  sl106: note",
        "thresholds:",
        "  maxConnectionsFloor: 8192",
        "  memoryFloorMb: 128",
        "  causeWindowSeconds: 30",
        "  restartWindowSeconds: 120",
        "  listenBacklogFloor: 2048",
        "trustedNetworks: [203.0.113.0/24, '2001:db8::/32']",
        "hosts:",
        "  ctl1: { addresses: [10.0.0.11, '[fd00::11]'], role: memcached }",
        "ignore: ['*.orig', 'backup/**']",
        "logYear: 2024",
        "",
      ].join("\n"),
    });
    const config = loadConfigFile(".stacklint.yaml", root);
    expect([...config.ruleLevels]).toEqual([
      ["SL101", "off"],
      ["SL106", "note"],
    ]);
    expect(config.settings).toEqual({
      maxConnectionsFloor: 8192,
      memoryFloorMb: 128,
      causeWindowSeconds: 30,
      restartWindowSeconds: 120,
      listenBacklogFloor: 2048,
      trustedNetworks: ["203.0.113.0/24", "2001:db8::/32"],
      logYear: 2024,
    });
    expect(config.hosts).toEqual([{ name: "ctl1", addresses: ["10.0.0.11", "fd00::11"], role: "memcached" }]);
    expect(config.ignore).toEqual(["*.orig", "backup/**"]);
    expect(config.directory).toBe(root);
  });
  it("reads JSON with a $schema key", () => {
    const root = tree("valid-json", { ".stacklint.json": JSON.stringify({ $schema: "https://raw.githubusercontent.com/stacklint/stacklint/main/schemas/config.schema.json", rules: { SL205: "warning" } }) });
    expect([...loadConfigFile(".stacklint.json", root).ruleLevels]).toEqual([["SL205", "warning"]]);
  });
});

/** Each invalid shape: exit 2, exactly one stderr line, naming file:line, the key path and the problem. */
describe("an invalid config exits 2 with one readable line", () => {
  const cases: [string, string, string, RegExp][] = [
    ["unknown top-level key", ".stacklint.yaml", "rules: {}\nthreshold:\n  maxConnectionsFloor: 1\n", /^stacklint: \.stacklint\.yaml:2: threshold: unknown key 'threshold'; did you mean 'thresholds'\?/u],
    ["unknown threshold", ".stacklint.yaml", "thresholds:\n  maxConectionsFloor: 5\n", /\.stacklint\.yaml:2: thresholds\.maxConectionsFloor: unknown key 'maxConectionsFloor'; did you mean 'maxConnectionsFloor'\?/u],
    ["unknown key, nothing close", ".stacklint.yaml", "colour: red\n", /\.stacklint\.yaml:1: colour: unknown key 'colour' \(known keys: \$schema, rules, thresholds, trustedNetworks, hosts, ignore, logYear\)/u],
    ["wrong type", ".stacklint.yaml", "thresholds:\n  maxConnectionsFloor: lots\n", /\.stacklint\.yaml:2: thresholds\.maxConnectionsFloor: must be an integer \(got string "lots"\)/u],
    ["below the minimum", ".stacklint.yaml", "thresholds:\n  listenBacklogFloor: 0\n", /\.stacklint\.yaml:2: thresholds\.listenBacklogFloor: must be >= 1/u],
    ["bad level", ".stacklint.yaml", "rules:\n  SL101: loud\n", /\.stacklint\.yaml:2: rules\.SL101: "loud" is not one of off, note, warning, error/u],
    ["unknown rule", ".stacklint.yaml", "rules:\n  SL101: off\n  memcache-single-sever: off\n", /\.stacklint\.yaml:3: rules\.memcache-single-sever: unknown rule 'memcache-single-sever'; did you mean 'memcache-single-server'\?/u],
    ["not a rule key", ".stacklint.yaml", "rules:\n  Single Server: off\n", /\.stacklint\.yaml:2: rules\."Single Server": 'Single Server' is not a rule ID \(SL101\) or name/u],
    ["bad CIDR", ".stacklint.yaml", "trustedNetworks:\n  - 203.0.113.0/24\n  - 10.0.0.0/33\n", /\.stacklint\.yaml:3: trustedNetworks\[1\]: '10\.0\.0\.0\/33' is not a network in CIDR notation/u],
    ["not a list", ".stacklint.yaml", "trustedNetworks: 10.0.0.0/8\n", /\.stacklint\.yaml:1: trustedNetworks: must be a list \(got string "10\.0\.0\.0\/8"\)/u],
    ["host address", ".stacklint.yaml", "hosts:\n  ctl1:\n    addresses: [10.0.0.300]\n", /\.stacklint\.yaml:3: hosts\.ctl1\.addresses\[0\]: '10\.0\.0\.300' is not an IP address/u],
    ["host without addresses", ".stacklint.yaml", "hosts:\n  ctl1:\n    role: proxy\n", /\.stacklint\.yaml:2: hosts\.ctl1: 'addresses' is required/u],
    ["host with an unknown key", ".stacklint.yaml", "hosts:\n  ctl1:\n    addresses: [10.0.0.1]\n    rol: proxy\n", /\.stacklint\.yaml:4: hosts\.ctl1\.rol: unknown key 'rol'; did you mean 'role'\?/u],
    ["year out of range", ".stacklint.yaml", "logYear: 24\n", /\.stacklint\.yaml:1: logYear: must be >= 1900/u],
    ["YAML syntax", ".stacklint.yaml", "rules:\n  SL101: off\n   SL102: off\n", /^stacklint: \.stacklint\.yaml:2: not valid YAML \(Nested mappings are not allowed/u],
    ["YAML duplicate key", ".stacklint.yaml", "rules:\n  SL101: off\n  SL101: note\n", /^stacklint: \.stacklint\.yaml:3: not valid YAML \(Map keys must be unique/u],
    ["top level not a mapping", ".stacklint.yaml", "- SL101\n", /\.stacklint\.yaml:1: \(top level\): must be a mapping \(got a list\)/u],
    ["JSON syntax", ".stacklint.json", '{\n  "rules": {\n    "SL101": "off",\n  }\n}\n', /^stacklint: \.stacklint\.json:4: not valid JSON \(/u],
    ["JSON unknown key", ".stacklint.json", '{\n  "rules": {},\n  "ignored": []\n}\n', /\.stacklint\.json:3: ignored: unknown key 'ignored'; did you mean 'ignore'\?/u],
  ];
  it.each(cases)("%s", async (_name, file, text, message) => {
    const root = tree(`invalid-${_name.replace(/\W+/gu, "-")}`, { [file]: text, "etc/swift/proxy-server.conf": "[DEFAULT]\n" });
    const run = await runCli(["."], root);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/\(see docs\/configuration\.md\)\n$/u);
  });
  it("--config naming a missing file, and two config files side by side", async () => {
    const missing = await runCli(["--config", "nope.yaml", "fixtures/demo"]);
    expect([missing.code, missing.stderr]).toEqual([2, "stacklint: config file 'nope.yaml' does not exist (see docs/configuration.md)\n"]);
    const root = tree("side-by-side", { ".stacklint.json": "{}", ".stacklint.yml": "{}\n" });
    const both = await runCli(["."], root);
    expect([both.code, both.stderr]).toEqual([2, "stacklint: .stacklint.json and .stacklint.yml are both config files; keep one (see docs/configuration.md)\n"]);
  });
});

describe("the config file reaches the run, and flags override it", () => {
  const demo = path.join(scratch, "precedence");
  cpSync(path.join(repoRoot, "fixtures/demo"), demo, { recursive: true });
  mkdirSync(path.join(demo, ".git"));
  const json = async (args: string[]) => {
    const run = await runCli(["--format", "json", ...args, "."], demo);
    return { code: run.code, document: JSON.parse(run.stdout) as { findings: { ruleId: string; level: string; location: { file: string } }[]; deployment: { hosts: { name: string; addresses: string[]; role?: string }[] }; files: { skipped: Record<string, number> } } };
  };
  it("rule levels: the file's, then --rule over them", async () => {
    writeFileSync(path.join(demo, ".stacklint.yaml"), "rules:\n  cache-middleware-order: note\n  SL101: off\n");
    const fromFile = await json([]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.document.findings.filter((f) => f.ruleId === "SL106").map((f) => f.level)).toEqual(["note"]);
    expect(fromFile.document.findings.some((f) => f.ruleId === "SL101")).toBe(false);
    const overridden = await json(["--rule", "SL106=error"]);
    expect(overridden.code).toBe(1);
    expect(overridden.document.findings.filter((f) => f.ruleId === "SL106").map((f) => f.level)).toEqual(["error"]);
    expect(overridden.document.findings.some((f) => f.ruleId === "SL101")).toBe(false);
    const none = await json(["--no-config"]);
    expect(none.document.findings.filter((f) => f.ruleId === "SL106").map((f) => f.level)).toEqual(["error"]);
  });
  it("hosts: the file's, with --host replacing one of the same name", async () => {
    writeFileSync(path.join(demo, ".stacklint.yaml"), "hosts:\n  cache1: { addresses: [10.0.0.11], role: memcached }\n  cache2: { addresses: [10.0.0.12] }\n");
    const fromFile = (await json([])).document.deployment.hosts.filter((h) => h.name.startsWith("cache"));
    expect(fromFile).toMatchObject([
      { name: "cache1", addresses: ["10.0.0.11"], role: "memcached" },
      { name: "cache2", addresses: ["10.0.0.12"] },
    ]);
    const overridden = (await json(["--host", "cache1=10.0.0.99"])).document.deployment.hosts.filter((h) => h.name.startsWith("cache"));
    expect(overridden.map((h) => [h.name, h.addresses, h.role])).toEqual([
      ["cache1", ["10.0.0.99"], undefined],
      ["cache2", ["10.0.0.12"], undefined],
    ]);
  });
  it("ignore: matching files are not analyzed and are counted", async () => {
    writeFileSync(path.join(demo, ".stacklint.yaml"), "ignore:\n  - proxy2/\n  - memcache.conf\n");
    const run = await json([]);
    expect(run.document.findings.some((f) => f.location.file.startsWith("proxy2/") || f.location.file.endsWith("memcache.conf"))).toBe(false);
    expect(run.document.files.skipped["ignored-by-config"]).toBe(3);
  });
  it("--config names a file anywhere, relative to the current directory", async () => {
    writeFileSync(path.join(scratch, "elsewhere.json"), JSON.stringify({ rules: { SL106: "off", SL101: "off", SL104: "off", SL105: "off" } }));
    const run = await runCli(["--config", "../elsewhere.json", "--fail-on", "note", "."], demo);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
  });
  it("thresholds and trusted networks reach the rules", async () => {
    const fixture = path.join(scratch, "trusted");
    cpSync(path.join(repoRoot, "fixtures/rules/memcache-plaintext-untrusted-network/fires"), fixture, { recursive: true });
    mkdirSync(path.join(fixture, ".git"));
    const before = await runCli(["--format", "json", "."], fixture);
    const sl108 = (stdout: string) => (JSON.parse(stdout) as { findings: { ruleId: string }[] }).findings.filter((f) => f.ruleId === "SL108").length;
    expect(sl108(before.stdout)).toBeGreaterThan(0);
    writeFileSync(path.join(fixture, ".stacklint.json"), JSON.stringify({ trustedNetworks: ["198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"] }));
    expect(sl108((await runCli(["--format", "json", "."], fixture)).stdout)).toBe(0);
  });
});

describe("docs/configuration.md", () => {
  it("its YAML and JSON examples are valid configs", () => {
    const page = readFileSync(path.join(repoRoot, "docs/configuration.md"), "utf8");
    const blocks = [...page.matchAll(/```(yaml|json)\n([\s\S]*?)```/gu)].map((m) => ({ kind: m[1]!, text: m[2]! }));
    expect(blocks.map((b) => b.kind)).toEqual(["yaml", "json"]);
    const [yaml, json] = blocks.map((b, i) => loadConfigFile(`.stacklint.${b.kind}`, tree(`docs-example-${i}`, { [`.stacklint.${b.kind}`]: b.text })));
    expect(json!.settings).toEqual(yaml!.settings);
    expect([...json!.ruleLevels]).toEqual([...yaml!.ruleLevels]);
    expect(json!.hosts).toEqual(yaml!.hosts);
  });
  it("documents every key of the schema", () => {
    const page = readFileSync(path.join(repoRoot, "docs/configuration.md"), "utf8");
    const schema = JSON.parse(readFileSync(path.join(repoRoot, "schemas/config.schema.json"), "utf8")) as { properties: Record<string, { properties?: Record<string, unknown> }> };
    for (const [key, value] of Object.entries(schema.properties)) {
      expect(page).toContain(`| \`${key}`);
      for (const inner of Object.keys(value.properties ?? {})) expect(page).toContain(`| \`${key}.${inner}\``);
    }
  });
});
