import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import { mergeLayers } from "../../src/model/paste.js";
import { entriesOf, parseIni } from "../../src/parsers/ini.js";
import { corpusRoot, repoRoot } from "../helpers/rule-harness.js";
import { stacklintView } from "../helpers/swift-view.js";

/**
 * The real programs as oracles (Debian's python3, python3-swift 2.30.1, python3-oslo.config,
 * python3-pastedeploy; installed by .ci/run): what they read from the same files must be what
 * stacklint reads.
 */
const PYTHON = "/usr/bin/python3";
const oracle = (script: string, args: string[]) =>
  JSON.parse(execFileSync(PYTHON, [path.join(repoRoot, "test/oracles", script), ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })) as Record<string, any>;

const iniFiles = ["swift-proxy", "memcache-conf", "openstack-ini"].flatMap((dir) => readdirSync(path.join(corpusRoot, dir)).map((name) => path.join(corpusRoot, dir, name)));
const demoFiles = ["fixtures/demo/controller/etc/nova/nova.conf", "fixtures/demo/controller/etc/keystone/keystone.conf"].map((f) => path.join(repoRoot, f));

describe("Python's configparser reads what stacklint reads", () => {
  const python = oracle("ini_oracle.py", ["configparser", ...iniFiles]);
  let compared = 0;
  it.each(iniFiles)("%s", (file) => {
    const doc = parseIni(file, readFileSync(file, "utf8"), { dialect: "configparser" });
    const expected = python[file];
    if (expected.error) {
      expect(doc.diagnostics.length).toBeGreaterThan(0);
      return;
    }
    const actual: Record<string, Record<string, string>> = {};
    for (const [name, section] of mergeLayers([doc]).sections) actual[name] = Object.fromEntries([...section.options].map(([k, e]) => [k, e.value]));
    expect(actual).toEqual(expected.sections);
    compared++;
  });
  it("compared most corpus files value by value", () => expect(compared).toBeGreaterThanOrEqual(10));
});

describe("oslo.config's iniparser reads what stacklint reads", () => {
  const files = [...iniFiles, ...demoFiles];
  const python = oracle("ini_oracle.py", ["oslo", ...files]);
  it.each(files)("%s", (file) => {
    const doc = parseIni(file, readFileSync(file, "utf8"), { dialect: "oslo" });
    const expected = python[file];
    if (expected.error) {
      expect(doc.diagnostics.some((d) => d.severity === "error")).toBe(true);
      return;
    }
    const actual: Record<string, Record<string, string[]>> = {};
    for (const section of doc.sections) {
      const target = (actual[section.name] ??= {});
      for (const entry of section.entries) (target[entry.key] ??= []).push(entry.value);
    }
    expect(actual).toEqual(expected.sections);
    expect(entriesOf(doc, "DEFAULT", "__never__")).toEqual([]);
  });
});

describe("Swift's MemcacheMiddleware computes what stacklint computes", () => {
  const scratch = mkdtempSync(path.join(tmpdir(), "stacklint-swift-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  // The precedence scenarios, the demo's proxies, and the real proxy configs of the corpus.
  const cases: string[] = [];
  for (const name of readdirSync(path.join(repoRoot, "fixtures/model/swift-precedence"))) {
    const conf = path.join(repoRoot, "fixtures/model/swift-precedence", name, "etc/swift/proxy-server.conf");
    if (existsSync(conf)) cases.push(conf);
  }
  cases.push(...["proxy1", "proxy2"].map((h) => path.join(repoRoot, "fixtures/demo", h, "etc/swift/proxy-server.conf")));
  for (const name of readdirSync(path.join(corpusRoot, "swift-proxy"))) {
    if (/\.(j2|tpl|epp)$|2010$/u.test(name)) continue;
    const dir = path.join(scratch, name, "etc/swift");
    mkdirSync(dir, { recursive: true });
    copyFileSync(path.join(corpusRoot, "swift-proxy", name), path.join(dir, "proxy-server.conf"));
    cases.push(path.join(dir, "proxy-server.conf"));
  }
  const swift = oracle("swift_memcache_oracle.py", cases);

  it.each(cases)("%s", async (conf) => {
    const expected = swift[conf];
    expect(expected.error, `Swift could not load ${conf}: ${expected.error}`).toBeUndefined();
    const caseDir = path.dirname(path.dirname(path.dirname(conf)));
    const result = await analyze({ inputs: [caseDir], baseDirectory: caseDir, rules: [] });
    const client = result.deployment.cacheClients.find((c) => c.kind === "swift-proxy");
    expect(stacklintView(client)).toEqual(expected);
  });

  it("the committed oracle is what Swift says today", () => {
    const committed = JSON.parse(readFileSync(path.join(repoRoot, "fixtures/model/swift-precedence/swift-2.30.1-oracle.json"), "utf8")) as Record<string, unknown>;
    for (const [relative, view] of Object.entries(committed)) expect(swift[path.join(repoRoot, relative)]).toEqual(view);
  });
});
