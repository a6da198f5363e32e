import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { EnvFileDialect } from "../../src/parsers/env-file.js";
import { envFileValues, parseEnvFile } from "../../src/parsers/env-file.js";
import { parseMemcachedCommandLine } from "../../src/parsers/memcached-args.js";
import { corpusRoot, repoRoot } from "../helpers/rule-harness.js";
import { FUZZ_PIECES, randomTexts } from "../helpers/random-text.js";

const systemd = (text: string) => parseEnvFile("f", text, { dialect: "systemd" });
const shell = (text: string) => parseEnvFile("f", text, { dialect: "shell" });
const values = (text: string, dialect: EnvFileDialect = "systemd") =>
  Object.fromEntries([...envFileValues(parseEnvFile("f", text, { dialect })).entries()].map(([k, a]) => [k, a.value]));

const fixture = (name: string, dialect: EnvFileDialect = "systemd") => {
  const file = `fixtures/parsers/memcached-sysconfig/${name}`;
  return parseEnvFile(file, readFileSync(path.join(repoRoot, file), "utf8"), { dialect });
};
const corpus = (name: string, dialect: EnvFileDialect = "systemd") =>
  parseEnvFile(`corpus/memcached-sysconfig/${name}`, readFileSync(path.join(corpusRoot, "memcached-sysconfig", name), "utf8"), { dialect });

describe("systemd dialect (EnvironmentFile=, src/basic/env-file.c)", () => {
  it.each([
    ["double quotes", 'OPTIONS="-l 127.0.0.1,::1"', { OPTIONS: "-l 127.0.0.1,::1" }],
    ["single quotes are verbatim", "A='x \\n $Y'", { A: "x \\n $Y" }],
    ["unquoted keeps interior spaces", "OPTIONS=-l 127.0.0.1 -U 0", { OPTIONS: "-l 127.0.0.1 -U 0" }],
    ["whitespace around key and value trimmed", "  PORT  =  11211  ", { PORT: "11211" }],
    ["empty value", "OPTIONS=", { OPTIONS: "" }],
    ["empty quoted value", 'OPTIONS=""', { OPTIONS: "" }],
    ["# and ; comment lines", "# c\n; c\nA=1", { A: "1" }],
    ["# inside a value is not a comment", "A=1 # no", { A: "1 # no" }],
    ["backslash escapes the next character", "A=a\\ \\\\b", { A: "a \\b" }],
    ["backslash-newline continues", "A=one \\\ntwo", { A: "one two" }],
    ["double quotes span lines", 'A="one\ntwo"', { A: "one\ntwo" }],
    ['\\" in double quotes', 'A="say \\"hi\\" \\$X \\q"', { A: 'say "hi" $X \\q' }],
    ["text after a closing quote joins", "A='a' b", { A: "ab" }],
    ["later assignment wins", "A=1\nA=2", { A: "2" }],
    ["lines without '=' are ignored", "ulimit -n 2048\nA=1", { A: "1" }],
    ["CRLF", "A=1\r\nB=2\r\n", { A: "1", B: "2" }],
    ["no final newline", "A=1", { A: "1" }],
    ["$ is not expanded", "A=$B", { A: "$B" }],
  ])("%s", (_name, text, expected) => {
    expect(values(text)).toEqual(expected);
  });

  it("ignores `export NAME=…` as systemd does (invalid name), and says so", () => {
    const env = systemd("export OPTIONS=\"-l 10.0.0.1\"\nPORT=11211\n");
    expect(env.assignments.map((a) => [a.name, a.exported, a.applied])).toEqual([
      ["OPTIONS", true, false],
      ["PORT", false, true],
    ]);
    expect(env.diagnostics.map((d) => [d.code, d.line])).toEqual([["env-file-invalid-name", 1]]);
    expect(values("export A=1")).toEqual({});
  });

  it("ignores names systemd refuses", () => {
    expect(values("1A=1\nA.B=2\nA-B=3\n_OK=4")).toEqual({ _OK: "4" });
  });

  it("notes an unquoted space (a shell sourcing the file would run a command)", () => {
    expect(systemd("OPTIONS=-l 10.0.0.1").diagnostics.map((d) => d.code)).toEqual(["env-file-unquoted-space"]);
    expect(systemd('OPTIONS="-l 10.0.0.1"').diagnostics).toEqual([]);
  });

  it("reports an unterminated quote and keeps the value", () => {
    const env = systemd('A="open\nB=2\n');
    expect(env.diagnostics.map((d) => d.code)).toEqual(["env-file-unterminated-quote"]);
    expect(env.assignments.map((a) => a.name)).toEqual(["A"]);
  });

  it("locates names and values, quotes excluded", () => {
    const env = systemd('\nPORT="11211"\n  OPTIONS = "-l 127.0.0.1,::1"\n');
    const [port, options] = env.assignments;
    expect(port?.nameLocation).toMatchObject({ line: 2, column: 1, endColumn: 5 });
    expect(port?.valueLocation).toMatchObject({ line: 2, column: 7, endColumn: 12 });
    expect(options?.valueLocation).toMatchObject({ line: 3, column: 14, endColumn: 30 });
    expect(options?.quoting).toBe("double");
    expect(options?.spans).toEqual([{ textOffset: 0, line: 3, column: 14, length: 16 }]);
  });

  it("never throws on arbitrary input and stays linear", () => {
    for (const text of ["=", "==", "'", '"', "\\", "A=\\", "\u0000=\u0000", "=".repeat(100_000), '"'.repeat(100_001), "A=" + " ".repeat(100_000) + "x", "\\\n".repeat(50_000)]) {
      expect(() => systemd(text)).not.toThrow();
      expect(() => shell(text)).not.toThrow();
    }
  });
});

describe("shell dialect (a file sourced by sh: TripleO, SysV init scripts)", () => {
  it.each([
    ["quoted value", 'OPTIONS="-l 127.0.0.1,::1"', { OPTIONS: "-l 127.0.0.1,::1" }],
    ["export accepted", "export PORT=11212", { PORT: "11212" }],
    ["several assignments on a line", "A=1 B=2", { A: "1", B: "2" }],
    ["comment after a value", "A=1 # c", { A: "1" }],
    ["earlier variables are expanded", 'IP=10.0.0.1\nOPTIONS="-l $IP -U 0"', { IP: "10.0.0.1", OPTIONS: "-l 10.0.0.1 -U 0" }],
    ["semicolons separate commands", "A=1; B=2", { A: "1", B: "2" }],
    ["multi-line double quotes", 'A="x\ny"', { A: "x\ny" }],
  ])("%s", (_name, text, expected) => {
    expect(values(text, "shell")).toEqual(expected);
  });

  it("an unquoted space makes the rest a command: the assignment is not kept", () => {
    const env = shell("OPTIONS=-l 10.0.0.1\n");
    expect(values("OPTIONS=-l 10.0.0.1\n", "shell")).toEqual({});
    expect(env.diagnostics.map((d) => d.code)).toEqual(["env-file-assignment-before-command"]);
  });

  it("marks unknown references as opaque", () => {
    const env = shell('OPTIONS="-l $MGMT_IP"');
    expect(env.assignments[0]).toMatchObject({ value: "-l $MGMT_IP", opaque: true });
  });

  it("notes commands", () => {
    expect(shell("ulimit -n 4096").diagnostics.map((d) => d.code)).toEqual(["env-file-command"]);
  });
});

describe("real files (../shared/corpus/memcached-sysconfig)", () => {
  it("upstream memcached.sysconfig", () => {
    const env = fixture("memcached-upstream.sysconfig");
    expect(Object.fromEntries([...envFileValues(env)].map(([k, a]) => [k, a.value]))).toEqual({ USER: "nobody", MAXCONN: "1024", CACHESIZE: "64", OPTIONS: "", PORT: "11211" });
    expect(envFileValues(env).get("PORT")?.nameLocation).toMatchObject({ line: 10, column: 1 });
    expect(env.diagnostics).toEqual([]);
  });

  it("reads the same in both dialects when the file is plain", () => {
    for (const dialect of ["systemd", "shell"] as const) {
      expect(Object.fromEntries([...envFileValues(fixture("memcached-upstream.sysconfig", dialect))].map(([k, a]) => [k, a.value]))).toMatchObject({ PORT: "11211", OPTIONS: "" });
    }
  });

  it.each([
    ["isucon3-sysconfig-memcached", { PORT: "11212", USER: "memcached", MAXCONN: "10240", CACHESIZE: "1024", OPTIONS: "" }],
    ["sampleconfig-sysconfig-memcached", { PORT: "11233", USER: "www-data", MAXCONN: "1024", CACHESIZE: "1024", OPTIONS: "-l 127.0.0.1" }],
  ])("%s (unknown licence, read from the corpus)", (name, expected) => {
    const env = corpus(name);
    expect(Object.fromEntries([...envFileValues(env)].map(([k, a]) => [k, a.value]))).toEqual(expected);
  });

  it("OSA RHEL template: values with {{ }} are unknown, {% %} statements skipped", () => {
    const env = fixture("osa-memcached.redhat.j2");
    const map = envFileValues(env);
    expect([...map.keys()]).toEqual(["PORT", "USER", "MAXCONN", "CACHESIZE", "OPTIONS"]);
    expect(map.get("OPTIONS")).toMatchObject({ opaque: true, value: "-l {{ memcached_listen }} -t {{ memcached_threads }} {{ _verbosity }}" });
    expect(map.get("PORT")?.opaque).toBe(true);
    expect(env.diagnostics.map((d) => d.code)).toEqual(["env-file-template"]);
    // The listen address from this template is unknown, not a literal.
    const parsed = parseMemcachedCommandLine(env.file, map.get("OPTIONS")!.value);
    expect(parsed.effective.listen).toMatchObject({ unknown: true, value: [{ family: "unknown", host: null }] });
  });

  it("Puppet ERB sysconfig (RHEL and SUSE MEMCACHED_PARAMS branches) does not crash", () => {
    for (const dialect of ["systemd", "shell"] as const) {
      const env = fixture("puppet-memcached_sysconfig.erb", dialect);
      const map = envFileValues(env);
      expect(map.get("OPTIONS")).toMatchObject({ opaque: true, value: "<%= result.join(' ') %>" });
      expect(map.get("MEMCACHED_PARAMS")).toMatchObject({ opaque: true });
      expect(map.get("MEMCACHED_USER")?.value).toBe("<%= @user %>");
    }
  });
});


describe("fuzz", () => {
  it("never throws on random text", () => {
    for (const text of randomTexts(1500, [...FUZZ_PIECES, ...["OPTIONS=", "PORT="]])) {
      expect(() => systemd(text)).not.toThrow();
      expect(() => shell(text)).not.toThrow();
    }
  });
});
