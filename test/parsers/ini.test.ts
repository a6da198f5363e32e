import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { mergeLayers } from "../../src/model/paste.js";
import { entriesOf, lastEntry, locateInValue, parseIni } from "../../src/parsers/ini.js";
import { corpusRoot, repoRoot } from "../helpers/rule-harness.js";

const cp = (text: string, lowercaseKeys = false) => parseIni("t.conf", text, { dialect: "configparser", lowercaseKeys });
const oslo = (text: string) => parseIni("t.conf", text, { dialect: "oslo" });
const value = (doc: ReturnType<typeof cp>, section: string, key: string) => lastEntry(doc, section, key)?.value;

describe("configparser dialect (paste.deploy, Swift)", () => {
  it.each([
    ["= delimiter", "[s]\na = 1\n", "a", "1"],
    [": delimiter", "[s]\na: 1\n", "a", "1"],
    ["first delimiter wins", "[s]\na:b = c\n", "a", "b = c"],
    ["no inline comments", "[s]\na = 10.0.0.1:11211 # primary\n", "a", "10.0.0.1:11211 # primary"],
    ["continuation", "[s]\na = x\n  y\n", "a", "x\ny"],
    ["blank line kept inside a value", "[s]\na = x\n\n  y\n", "a", "x\n\ny"],
    ["trailing blank lines dropped", "[s]\na = x\n\n\n[t]\n", "a", "x"],
    ["indented comment is a comment, not continuation", "[s]\na = x\n  # c\n  y\n", "a", "x\ny"],
    ["empty value", "[s]\na =\n", "a", ""],
    ["CRLF", "[s]\r\na = 1\r\n", "a", "1"],
    ["CR only", "[s]\ra = 1\r", "a", "1"],
    ["trailing text after header ignored", "[s] ; note\na = 1\n", "a", "1"],
  ])("%s", (_name, text, key, expected) => {
    const doc = cp(text);
    expect(value(doc, "s", key)).toBe(expected);
    expect(doc.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("keeps keys as written for paste.deploy and lowercases them for plain ConfigParser", () => {
    expect(lastEntry(cp("[s]\nMemcache_Servers = x\n"), "s", "Memcache_Servers")?.value).toBe("x");
    expect(lastEntry(cp("[s]\nMemcache_Servers = x\n", true), "s", "memcache_servers")?.value).toBe("x");
  });

  it("keeps repeated keys in order and reports what strict configparser would refuse", () => {
    const doc = cp("[s]\na = 1\na = 2\n");
    expect(entriesOf(doc, "s", "a").map((e) => e.value)).toEqual(["1", "2"]);
    expect(doc.diagnostics).toMatchObject([{ code: "ini-duplicate", line: 3 }]);
  });

  it("reports lines it cannot read, with their line, and goes on", () => {
    const doc = cp("key before section = 1\n[s]\nno delimiter here\n= empty key\nb = 2\n");
    expect(doc.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ["ini-syntax", 1],
      ["ini-syntax", 3],
      ["ini-syntax", 4],
    ]);
    expect(value(doc, "s", "b")).toBe("2");
  });

  it("warns when a file has no section at all", () => {
    expect(cp("just text\n").diagnostics.map((d) => d.code)).toContain("ini-no-sections");
    expect(cp("").diagnostics).toEqual([]);
  });

  it("gives positions for sections, keys and values (1-based, UTF-16 columns, exclusive end)", () => {
    const doc = cp("[filter:cache]\n  memcache_servers =  a:1,b:2\n");
    const section = doc.sections[0]!;
    expect(section.location).toEqual({ file: "t.conf", line: 1, column: 2, endLine: 1, endColumn: 14 });
    const entry = entriesOf(doc, "filter:cache", "memcache_servers")[0]!;
    expect(entry.keyLocation).toMatchObject({ line: 2, column: 3, endColumn: 19 });
    expect(entry.valueLocation).toMatchObject({ line: 2, column: 23, endColumn: 30 });
    expect(locateInValue(entry, 4, 3)).toMatchObject({ line: 2, column: 27, endColumn: 30 });
  });

  it("locates a part of a multi-line value on its own line", () => {
    const entry = entriesOf(cp("[p]\npipeline = a b\n    cache d\n"), "p", "pipeline")[0]!;
    expect(entry.value).toBe("a b\ncache d");
    expect(locateInValue(entry, 4, 5)).toMatchObject({ line: 3, column: 5, endColumn: 10 });
  });
});

describe("oslo dialect (oslo.config iniparser)", () => {
  it.each([
    ["quotes stripped", '[cache]\na = "x y"\n', "a", "x y"],
    ["tab continuation", "[cache]\na = x\n\ty\n", "a", "x\ny"],
    ["group names lowercased", "[CACHE]\na = 1\n", "a", "1"],
  ])("%s", (_name, text, key, expected) => {
    expect(value(oslo(text), "cache", key)).toBe(expected);
  });

  it("keeps DEFAULT as written and keeps repeated keys (MultiStrOpt) without a diagnostic", () => {
    const doc = oslo("[DEFAULT]\nx = 1\nx = 2\n");
    expect(entriesOf(doc, "DEFAULT", "x").map((e) => e.value)).toEqual(["1", "2"]);
    expect(doc.diagnostics).toEqual([]);
  });

  it("ends a value at a blank line: an indented line after it is an unexpected continuation", () => {
    const doc = oslo("[cache]\na = x\n\n  y\n");
    expect(value(doc, "cache", "a")).toBe("x");
    expect(doc.diagnostics.map((d) => [d.code, d.line])).toEqual([["ini-syntax", 4]]);
  });

  it("reports an unexpected continuation and an unterminated header", () => {
    expect(oslo("  x = 1\n[cache\n").diagnostics.map((d) => [d.code, d.line])).toEqual([
      ["ini-syntax", 1],
      ["ini-syntax", 2],
      ["ini-no-sections", 1],
    ]);
  });
});

describe("real files: stacklint reads what Python's configparser reads", () => {
  const oracle = JSON.parse(readFileSync(path.join(repoRoot, "fixtures/parsers/ini/configparser-oracle.json"), "utf8")) as Record<
    string,
    { sections?: Record<string, Record<string, string>>; error?: string }
  >;
  const files = Object.keys(oracle);
  it("has an oracle for every copied corpus file", () => {
    expect(files.length).toBeGreaterThanOrEqual(11);
  });
  it.each(files)("%s", (file) => {
    const text = readFileSync(path.join(repoRoot, file), "utf8");
    const doc = parseIni(file, text, { dialect: "configparser" });
    const expected = oracle[file]!;
    if (expected.error) {
      // Python refuses the file (templates, duplicates): stacklint says why, and does not crash.
      expect(doc.diagnostics.length).toBeGreaterThan(0);
      return;
    }
    const merged = mergeLayers([doc]);
    const actual: Record<string, Record<string, string>> = {};
    for (const [name, section] of merged.sections) {
      actual[name] = Object.fromEntries([...section.options].map(([k, e]) => [k, e.value]));
    }
    expect(actual).toEqual(expected.sections);
  });

  it("parses every INI in the shared corpus without throwing and finds the known cache settings", () => {
    for (const dir of ["swift-proxy", "memcache-conf", "openstack-ini"]) {
      for (const name of readdirSync(path.join(corpusRoot, dir))) {
        const text = readFileSync(path.join(corpusRoot, dir, name), "utf8");
        expect(() => parseIni(name, text, { dialect: "configparser" })).not.toThrow();
        expect(() => parseIni(name, text, { dialect: "oslo" })).not.toThrow();
      }
    }
    const gluster = parseIni("g", readFileSync(path.join(corpusRoot, "swift-proxy/gluster-swift-docker-proxy-server.conf"), "utf8"), { dialect: "configparser" });
    expect(lastEntry(gluster, "filter:cache", "memcache_servers")?.value).toBe("localhost:11211");
    const nova = parseIni("n", readFileSync(path.join(corpusRoot, "openstack-ini/openstack-in-docker-controller-nova.conf.tpl"), "utf8"), { dialect: "oslo" });
    expect(lastEntry(nova, "keystone_authtoken", "memcached_servers")?.value).toBe("controller:11211");
  });
});
