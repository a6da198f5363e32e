import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseMemcachedArgs } from "../../src/parsers/memcached-args.js";
import { directiveLocation, parseMemcachedConf, stripPerlComments } from "../../src/parsers/memcached-conf.js";
import { corpusRoot, repoRoot } from "../helpers/rule-harness.js";
import { FUZZ_PIECES, randomTexts } from "../helpers/random-text.js";

const conf = (text: string) => parseMemcachedConf("etc/memcached.conf", text);
const argv = (text: string) => conf(text).args.map((a) => a.text);
const fixture = (name: string) => {
  const file = `fixtures/parsers/memcached-sysconfig/${name}`;
  return parseMemcachedConf(file, readFileSync(path.join(repoRoot, file), "utf8"));
};

describe("parseMemcachedConf: start-memcached's reading of /etc/memcached.conf", () => {
  it.each([
    ["one option per line", "-m 64\n-p 11211\n", ["-m", "64", "-p", "11211"]],
    ["comments stripped", "# -c 1024\n-m 64 # cap\n", ["-m", "64"]],
    ["indented lines and trailing spaces", "   -l 127.0.0.1   \n", ["-l", "127.0.0.1"]],
    ["-d is dropped", "-d\n-v\n", ["-v"]],
    ["-h… is dropped", "-h\n-m 64\n", ["-m", "64"]],
    ["a line with -d first is dropped whole", "-dv\n-m 64\n", ["-m", "64"]],
    ["several options on a line are split by the shell", "-l 10.0.0.1 -c 4096 -t 8\n", ["-l", "10.0.0.1", "-c", "4096", "-t", "8"]],
    ["quotes are the shell's", "-u 'mem cache'\n", ["-u", "mem cache"]],
    ["escaped # is kept", "-D \\#\n", ["-D", "#"]],
    ["CRLF", "-m 64\r\n-p 1\r\n", ["-m", "64", "-p", "1"]],
    ["empty", "", []],
  ])("%s", (_name, text, expected) => {
    expect(argv(text)).toEqual(expected);
  });

  it("keeps directives apart and reports the ones start-memcached dies on", () => {
    const parsed = conf("logfile /var/log/memcached.log\nlogfile\nmaxconn 10\n-m 64\n");
    expect(parsed.directives.map((d) => [d.name.value, d.argument?.value ?? null])).toEqual([
      ["logfile", "/var/log/memcached.log"],
      ["logfile", null],
      ["maxconn", "10"],
    ]);
    expect(parsed.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ["memcached-conf-unknown-directive", 2],
      ["memcached-conf-unknown-directive", 3],
    ]);
    expect(directiveLocation(parsed, "logfile")).toMatchObject({ line: 1, column: 1, endColumn: 8 });
  });

  it("warns when -d swallows a whole line", () => {
    expect(conf("-d -l 10.0.0.1\n").diagnostics.map((d) => d.code)).toEqual(["memcached-conf-dropped-line"]);
  });

  it("locates every argv word on its line", () => {
    const parsed = conf("# x\n  -l 10.0.0.11\n");
    expect(parsed.args.map((a) => [a.text, a.location.line, a.location.column, a.location.endColumn])).toEqual([
      ["-l", 2, 3, 5],
      ["10.0.0.11", 2, 6, 15],
    ]);
  });

  it("strips comments like the Perl substitution s/(?<!\\\\)#[^#]*//g", () => {
    expect(stripPerlComments("-m 64 # a # b")).toBe("-m 64 ");
    expect(stripPerlComments("a \\# b")).toBe("a \\# b");
    expect(stripPerlComments("#")).toBe("");
  });

  it("never throws", () => {
    for (const text of ["\u0000", "-", "'", "{{", "{%", "#".repeat(100_000), " ".repeat(100_000) + "-m 1", "-l " + '"'.repeat(50_001)]) {
      expect(() => parseMemcachedArgs(conf(text).args)).not.toThrow();
    }
  });
});

describe("real Debian files", () => {
  it("classic Debian memcached.conf: loopback only, -m 64, -p 11211, -u nobody", () => {
    const parsed = fixture("debian-memcached-classic.conf");
    expect(parsed.args.map((a) => a.text)).toEqual(["-m", "64", "-p", "11211", "-u", "nobody", "-l", "127.0.0.1"]);
    expect(parsed.dropped.map((d) => [d.value, d.location.line])).toEqual([["-d", 9]]);
    expect(parsed.directives.map((d) => d.name.value)).toEqual(["logfile"]);
    expect(parsed.diagnostics).toEqual([]);
    const e = parseMemcachedArgs(parsed.args).effective;
    expect(e.listen.value?.map((a) => [a.host, a.location?.line, a.location?.column])).toEqual([["127.0.0.1", 35, 4]]);
    expect(e.maxConnections).toMatchObject({ value: 1024, source: "default" });
    expect(e.memoryLimitMb).toMatchObject({ value: 64, source: "written", location: { line: 23 } });
  });

  it("pexip variant: UNIX socket only, -l commented out", () => {
    const e = parseMemcachedArgs(fixture("debian-memcached-unixsocket.conf").args).effective;
    expect(e.unixSocket).toMatchObject({ value: "/run/memcached/memcached.sock", source: "written" });
    expect(e.listen.source).toBe("default");
    expect(e.pidFile).toBe("/run/memcached/memcached.pid");
  });

  it("OpenStack install-script copy: '-l MGMT_IP' is a hostname to memcached, not an address", () => {
    const file = "corpus/memcached-sysconfig/openstack-script-debian-memcached.conf";
    const parsed = parseMemcachedConf(file, readFileSync(path.join(corpusRoot, "memcached-sysconfig", "openstack-script-debian-memcached.conf"), "utf8"));
    const e = parseMemcachedArgs(parsed.args).effective;
    expect(e.listen.value).toMatchObject([{ host: "MGMT_IP", family: "hostname" }]);
  });

  it("OSA Debian template: {% %} skipped, {{ }} values unknown, both verbosity branches read", () => {
    const parsed = fixture("osa-memcached.conf.debian.j2");
    expect(parsed.diagnostics.map((d) => d.code)).toEqual(["memcached-conf-template"]);
    const args = parseMemcachedArgs(parsed.args);
    expect(args.effective).toMatchObject({
      verbosity: 4,
      udpPort: { value: 0, source: "written" },
      listen: { unknown: true, value: [{ host: null, family: "unknown" }] },
      maxConnections: { value: null, unknown: true },
      threads: { value: null, unknown: true },
    });
    expect(args.diagnostics.filter((d) => d.severity !== "note")).toEqual([]);
  });
});


describe("fuzz", () => {
  it("never throws on random text", () => {
    for (const text of randomTexts(1500, [...FUZZ_PIECES, ...["-d", "-l ", "logfile "]])) {
      expect(() => parseMemcachedArgs(conf(text).args)).not.toThrow();
    }
  });
});
