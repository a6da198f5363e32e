import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assignmentValue, envFileValues, parseEnvFile } from "../../src/parsers/env-file.js";
import { parseMemcachedArgs } from "../../src/parsers/memcached-args.js";
import type { EnvironmentValue } from "../../src/parsers/systemd-unit.js";
import {
  environmentMap,
  expandSystemdVariables,
  locateInEntry,
  mergeSystemdService,
  orderDropIns,
  parseSystemdUnit,
  specifiersIn,
  substituteSpecifiers,
  substituteWordSpecifiers,
  unitEntries,
  unitNameOf,
} from "../../src/parsers/systemd-unit.js";
import { corpusRoot, repoRoot } from "../helpers/rule-harness.js";
import { FUZZ_PIECES, randomTexts } from "../helpers/random-text.js";

const fixture = (name: string) => {
  const file = `fixtures/parsers/memcached-unit/${name}`;
  return parseSystemdUnit(file, readFileSync(path.join(repoRoot, file), "utf8"));
};
const corpus = (name: string) => {
  const file = `corpus/memcached-unit/${name}`;
  return parseSystemdUnit(file, readFileSync(path.join(corpusRoot, "memcached-unit", name), "utf8"));
};
const unit = (text: string, file = "memcached.service") => parseSystemdUnit(file, text);
const service = (...texts: string[]) => mergeSystemdService(texts.map((t, i) => unit(t, i === 0 ? "memcached.service" : `memcached.service.d/${i}.conf`)));

describe("parseSystemdUnit: syntax (systemd.syntax(7))", () => {
  it("reads sections and key=value with whitespace around '=' ignored", () => {
    const u = unit("[Service]\nUser = memcached\n  Type=simple  \n");
    expect(unitEntries(u, "Service").map((e) => [e.key, e.value])).toEqual([
      ["User", "memcached"],
      ["Type", "simple"],
    ]);
    const user = unitEntries(u, "Service", "User")[0]!;
    expect(user.keyLocation).toMatchObject({ line: 2, column: 1, endColumn: 5 });
    expect(user.valueLocation).toMatchObject({ line: 2, column: 8, endColumn: 17 });
  });

  it("joins continuation lines, the backslash becoming a space, and drops comments inside them", () => {
    const u = unit("[Service]\nExecStart=/usr/bin/memcached \\\n  -p 11211 \\\n# a comment\n; another\n  -c 4096\nUser=m\n");
    const entry = unitEntries(u, "Service", "ExecStart")[0]!;
    expect(entry.value).toBe("/usr/bin/memcached    -p 11211    -c 4096");
    expect(locateInEntry(entry, entry.value.indexOf("4096"), entry.value.indexOf("4096") + 4)).toMatchObject({ line: 6, column: 6, endColumn: 10 });
    expect(unitEntries(u, "Service", "User")[0]?.value).toBe("m");
  });

  it("does not continue on an escaped backslash", () => {
    const u = unit("[Service]\nEnvironment=A=x\\\\\nUser=m\n");
    expect(unitEntries(u, "Service").map((e) => e.key)).toEqual(["Environment", "User"]);
  });

  it("skips comments and reports what systemd ignores", () => {
    const u = unit("# c\n; c\nUser=before\n[Service]\nnot an assignment\n[Broken\nUser=x\n");
    expect(u.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ["systemd-syntax", 3],
      ["systemd-syntax", 5],
      ["systemd-syntax", 6],
    ]);
  });

  it("never throws on arbitrary bytes", () => {
    for (const text of ["", "\u0000", "[", "=", "[Service]\n=\n", "[Service]\nExecStart=\\", "\\\n".repeat(5000), "[Service]\nExecStart=" + '"'.repeat(20_000)]) {
      expect(() => mergeSystemdService([unit(text)])).not.toThrow();
    }
  });
});

describe("unit names and specifiers", () => {
  it.each([
    ["lib/systemd/system/memcached.service", { prefix: "memcached", instance: null, template: false, type: "service" }],
    ["etc/systemd/system/memcached@.service", { prefix: "memcached", instance: "", template: true }],
    ["run/systemd/system/memcached@11211.service", { prefix: "memcached", instance: "11211", template: false }],
    ["etc/systemd/system/memcached@11211.service.d/override.conf", { name: "memcached@11211.service", instance: "11211" }],
  ])("%s", (file, expected) => {
    expect(unitNameOf(file)).toMatchObject(expected);
  });

  it("finds and substitutes specifiers, %% being a literal percent", () => {
    expect(specifiersIn("-p %i -x 100%% %n")).toEqual(["i", "n"]);
    expect(substituteSpecifiers("-p %i %% %Z", { i: "11211" })).toEqual({ text: "-p 11211 % %Z", unresolved: ["Z"] });
  });
});

describe("mergeSystemdService: the [Service] settings in force", () => {
  it("reads ExecStart prefixes", () => {
    const s = service("[Service]\nExecStart=-@/usr/bin/memcached memcached-main -p 1\n");
    const exec = s.execStart[0]!;
    expect(exec.prefixes).toMatchObject({ ignoreFailure: true, customArgv0: true, fullPrivileges: false });
    expect(exec.path?.text).toBe("/usr/bin/memcached");
    expect(exec.argv0?.text).toBe("memcached-main");
    expect(exec.args.map((w) => w.text)).toEqual(["-p", "1"]);
    expect(service("[Service]\nExecStart=+!:/bin/x\n").execStart[0]?.prefixes).toMatchObject({ fullPrivileges: true, elevated: true, noEnvironmentExpansion: true });
  });

  it("resets ExecStart with an empty assignment in a drop-in", () => {
    const s = service("[Service]\nExecStart=/usr/bin/memcached -p 1\n", "[Service]\nExecStart=\nExecStart=/usr/bin/memcached -p 2\n");
    expect(s.execStart.map((e) => e.args.map((a) => a.text).join(" "))).toEqual(["-p 2"]);
    expect(s.diagnostics).toEqual([]);
  });

  it("reports two ExecStart lines in force (a drop-in that forgot the reset)", () => {
    const s = service("[Service]\nExecStart=/usr/bin/memcached -p 1\n", "[Service]\nExecStart=/usr/bin/memcached -p 2\n");
    expect(s.diagnostics).toMatchObject([{ code: "systemd-multiple-exec-start", severity: "error", file: "memcached.service.d/1.conf", line: 2 }]);
    expect(service("[Service]\nType=oneshot\nExecStart=/a\nExecStart=/b\n").diagnostics).toEqual([]);
  });

  it("unquotes Environment= as systemd.exec(5)'s example does", () => {
    const s = service('[Service]\nEnvironment="VAR1=word1 word2" VAR2=word3 "VAR3=$word 5 6"\n');
    expect(s.environment.map((a) => [a.name, a.value.text])).toEqual([
      ["VAR1", "word1 word2"],
      ["VAR2", "word3"],
      ["VAR3", "$word 5 6"],
    ]);
  });

  it("locates Environment= values inside quotes and reports invalid assignments", () => {
    const s = service('[Service]\nEnvironment=OPTIONS="-l 127.0.0.1" bad-name=1 NOVALUE\n');
    expect(s.environment.map((a) => a.name)).toEqual(["OPTIONS"]);
    expect(s.environment[0]?.value.location).toMatchObject({ line: 2, column: 22, endColumn: 34 });
    expect(s.diagnostics.map((d) => d.code)).toEqual(["systemd-invalid-environment", "systemd-invalid-environment"]);
  });

  it("resets Environment= and EnvironmentFile= lists, later names override", () => {
    const s = service("[Service]\nEnvironment=A=1 B=2\nEnvironmentFile=/etc/a\n", "[Service]\nEnvironment=\nEnvironment=A=3\nEnvironmentFile=\nEnvironmentFile=-/etc/b\n");
    expect([...environmentMap(s.environment).entries()].map(([k, v]) => [k, v.text])).toEqual([["A", "3"]]);
    expect(s.environmentFiles).toMatchObject([{ path: "/etc/b", optional: true, glob: false }]);
  });

  it.each([
    ["4096", 4096, 4096],
    ["1024:524288", 1024, 524288],
    ["infinity", "infinity", "infinity"],
    ["65536:infinity", 65536, "infinity"],
  ])("LimitNOFILE=%s", (value, soft, hard) => {
    expect(service(`[Service]\nLimitNOFILE=${value}\n`).limitNoFile).toMatchObject({ soft, hard, opaque: false });
  });

  it("reports an invalid LimitNOFILE and lets an empty one reset", () => {
    expect(service("[Service]\nLimitNOFILE=lots\n").diagnostics.map((d) => d.code)).toEqual(["systemd-invalid-limit"]);
    expect(service("[Service]\nLimitNOFILE=10:5\n").diagnostics.map((d) => d.code)).toEqual(["systemd-invalid-limit"]);
    expect(service("[Service]\nLimitNOFILE=4096\n", "[Service]\nLimitNOFILE=\n").limitNoFile).toBeNull();
  });

  it("reads User=, with the last one winning and empty resetting", () => {
    expect(service("[Service]\nUser=a\n", "[Service]\nUser=b\n").user?.value).toBe("b");
    expect(service("[Service]\nUser=a\n", "[Service]\nUser=\n").user).toBeNull();
  });
});

describe("expandSystemdVariables (systemd.service(5) Command lines)", () => {
  const at = { file: "env", line: 1, column: 1, endLine: 1, endColumn: 2 };
  const env = (entries: Record<string, string>) => new Map<string, EnvironmentValue>(Object.entries(entries).map(([k, v]) => [k, { text: v, location: at }]));
  const expand = (execStart: string, vars: Record<string, string>) => {
    const s = service(`[Service]\nExecStart=/usr/bin/memcached ${execStart}\n`);
    return expandSystemdVariables(s.execStart[0]!.args, env(vars));
  };

  it.each([
    ["$VAR splits at whitespace", "$OPTIONS", { OPTIONS: "-l 127.0.0.1,::1 -U 0" }, ["-l", "127.0.0.1,::1", "-U", "0"]],
    ["$VAR honours quotes in the value", "$OPTIONS", { OPTIONS: "-l 'a b'" }, ["-l", "a b"]],
    ["${VAR} stays one word", "${OPTIONS}", { OPTIONS: "-l 127.0.0.1" }, ["-l 127.0.0.1"]],
    ["${VAR} inside a word", "--port=${PORT}", { PORT: "11211" }, ["--port=11211"]],
    ["quoting does not stop $VAR splitting", '"$OPTIONS"', { OPTIONS: "-v -v" }, ["-v", "-v"]],
    ["an empty $VAR gives no word", "-p 1 $OPTIONS", { OPTIONS: "" }, ["-p", "1"]],
    ["$$ is a literal dollar", "-u $$HOME", {}, ["-u", "$HOME"]],
    ["$VAR inside a word is not expanded", "a$B", { B: "x" }, ["a$B"]],
  ])("%s", (_name, execStart, vars, expected) => {
    expect(expand(execStart, vars).words.map((w) => w.text)).toEqual(expected);
  });

  it("reports unset variables with the reference's location", () => {
    const result = expand("-p ${PORT} $OPTIONS", {});
    expect(result.unset.map((u) => [u.name, u.location.column])).toEqual([
      ["PORT", 33],
      ["OPTIONS", 41],
    ]);
    expect(result.words.map((w) => w.text)).toEqual(["-p", ""]);
    expect(result.diagnostics.map((d) => d.code)).toEqual(["systemd-unset-variable", "systemd-unset-variable"]);
  });

  it("locates words that come from an EnvironmentFile on the file's own line", () => {
    const sysconfig = parseEnvFile("etc/sysconfig/memcached", 'PORT="11211"\nOPTIONS="-l 127.0.0.1,::1 -c 4096"\n');
    const vars = new Map([...envFileValues(sysconfig).entries()].map(([k, a]) => [k, assignmentValue(a)]));
    const s = service("[Service]\nExecStart=/usr/bin/memcached -p ${PORT} $OPTIONS\n");
    const expanded = expandSystemdVariables(s.execStart[0]!.args, vars);
    expect(expanded.words.map((w) => [w.text, w.location.file, w.location.line, w.location.column])).toEqual([
      ["-p", "memcached.service", 2, 30],
      ["11211", "etc/sysconfig/memcached", 1, 7],
      ["-l", "etc/sysconfig/memcached", 2, 10],
      ["127.0.0.1,::1", "etc/sysconfig/memcached", 2, 13],
      ["-c", "etc/sysconfig/memcached", 2, 27],
      ["4096", "etc/sysconfig/memcached", 2, 30],
    ]);
    const parsed = parseMemcachedArgs(expanded.words);
    expect(parsed.effective.listen.value?.map((a) => [a.host, a.location?.file, a.location?.column])).toEqual([
      ["127.0.0.1", "etc/sysconfig/memcached", 13],
      ["::1", "etc/sysconfig/memcached", 23],
    ]);
    expect(parsed.effective.maxConnections).toMatchObject({ value: 4096, location: { file: "etc/sysconfig/memcached", line: 2 } });
  });

  it("keeps template values opaque after expansion", () => {
    const vars = new Map<string, EnvironmentValue>([["OPTIONS", { text: "-l {{ memcached_listen }}", location: at, opaque: true }]]);
    const s = service("[Service]\nExecStart=/usr/bin/memcached $OPTIONS\n");
    const expanded = expandSystemdVariables(s.execStart[0]!.args, vars);
    expect(expanded.words.every((w) => w.opaque === true)).toBe(true);
  });
});

describe("orderDropIns", () => {
  it("sorts by file name, /etc shadowing /run and /usr/lib", () => {
    const result = orderDropIns([
      "usr/lib/systemd/system/memcached.service.d/20-limits.conf",
      "etc/systemd/system/memcached.service.d/50-override.conf",
      "run/systemd/system/memcached.service.d/20-limits.conf",
      "etc/systemd/system/memcached.service.d/10-env.conf",
      "lib/systemd/system/memcached.service.d/50-override.conf",
    ]);
    expect(result.ordered).toEqual([
      "etc/systemd/system/memcached.service.d/10-env.conf",
      "run/systemd/system/memcached.service.d/20-limits.conf",
      "etc/systemd/system/memcached.service.d/50-override.conf",
    ]);
    expect(result.shadowed.map((s) => s.path)).toEqual(["usr/lib/systemd/system/memcached.service.d/20-limits.conf", "lib/systemd/system/memcached.service.d/50-override.conf"]);
  });
});

describe("real unit files (../shared/corpus/memcached-unit)", () => {
  it("upstream memcached.service: EnvironmentFile + ${PORT} ${USER} ${CACHESIZE} ${MAXCONN} $OPTIONS", () => {
    for (const name of ["memcached-upstream-hardened.service", "memcached-upstream-minimal.service"]) {
      const s = mergeSystemdService([fixture(name)]);
      expect(s.environmentFiles).toMatchObject([{ path: "/etc/sysconfig/memcached", optional: false }]);
      expect(s.execStart).toHaveLength(1);
      expect(s.execStart[0]!.path?.text).toBe("/usr/bin/memcached");
      expect(s.execStart[0]!.args.map((w) => w.text)).toEqual(["-p", "${PORT}", "-u", "${USER}", "-m", "${CACHESIZE}", "-c", "${MAXCONN}", "$OPTIONS"]);
      expect(s.diagnostics).toEqual([]);
    }
  });

  it("upstream unit + upstream sysconfig: memcached's own defaults come out", () => {
    const sysconfig = parseEnvFile(
      "fixtures/parsers/memcached-sysconfig/memcached-upstream.sysconfig",
      readFileSync(path.join(repoRoot, "fixtures/parsers/memcached-sysconfig/memcached-upstream.sysconfig"), "utf8"),
    );
    const vars = new Map([...envFileValues(sysconfig).entries()].map(([k, a]) => [k, assignmentValue(a)]));
    const s = mergeSystemdService([fixture("memcached-upstream-hardened.service")]);
    const expanded = expandSystemdVariables(s.execStart[0]!.args, vars);
    expect(expanded.unset).toEqual([]);
    const e = parseMemcachedArgs(expanded.words).effective;
    expect(e.tcpPort).toMatchObject({ value: 11211, source: "written" });
    expect(e.maxConnections).toMatchObject({ value: 1024, location: { file: "fixtures/parsers/memcached-sysconfig/memcached-upstream.sysconfig", line: 4 } });
    expect(e.listen.source).toBe("default");
    expect(e.user.value).toBe("nobody");
  });

  it("memcached@.service: template with %i and a per-instance optional EnvironmentFile", () => {
    const u = fixture("memcached@.service");
    expect(u.unitName).toMatchObject({ template: true, prefix: "memcached" });
    const s = mergeSystemdService([u]);
    expect(s.environmentFiles.map((f) => [f.path, f.optional, f.specifiers])).toEqual([
      ["/etc/sysconfig/memcached", false, []],
      ["/etc/sysconfig/memcached.%i", true, ["i"]],
    ]);
    const exec = s.execStart[0]!;
    expect(exec.args[1]).toMatchObject({ text: "%i", specifiers: ["i"] });
    const substituted = substituteWordSpecifiers(exec.args, { i: "11212" });
    expect(parseMemcachedArgs(substituted).options[0]?.argument?.text).toBe("11212");
  });

  it("puppet memcached@.service.epp: ERB User, inline Environment= with quotes", () => {
    const s = mergeSystemdService([fixture("puppet-memcached@.service.epp")]);
    expect(s.user?.value).toBe("<%= $memcached::user %>");
    expect(s.environment.map((a) => [a.name, a.value.text])).toEqual([
      ["CACHESIZE", "64"],
      ["MAXCONN", "1024"],
      ["LISTEN", "-l 127.0.0.1"],
      ["OPTIONS", "-U 0 -v"],
    ]);
    const expanded = expandSystemdVariables(s.execStart[0]!.args, environmentMap(s.environment));
    const e = parseMemcachedArgs(substituteWordSpecifiers(expanded.words.map((w) => ({ ...w, specifiers: w.text.includes("%") ? ["i"] : [] })), { i: "11211" })).effective;
    expect(e.listen.value?.map((a) => [a.host, a.location?.line])).toEqual([["127.0.0.1", 24]]);
    expect(e.udpPort).toMatchObject({ value: 0, source: "written" });
    expect(e.verbosity).toBe(1);
  });

  it("OSA limits drop-in: LimitNOFILE={{ memcached_connections }} is unknown", () => {
    const s = mergeSystemdService([fixture("osa-memcached-limits.conf.j2")]);
    expect(s.limitNoFile).toMatchObject({ soft: null, hard: null, opaque: true, raw: "{{ memcached_connections }}" });
    expect(s.diagnostics).toEqual([]);
  });

  it("devops-api override drop-in: EnvironmentFile=- with a glob", () => {
    const s = mergeSystemdService([corpus("devops-api-memcached-override.conf")]);
    expect(s.environmentFiles).toMatchObject([{ path: "/etc/sysconfig/memcached.d/*", optional: true, glob: true }]);
  });

  it("jutil admin unit: unbraced $VARS that split, optional EnvironmentFile", () => {
    const s = mergeSystemdService([corpus("jutil-memcached.service")]);
    expect(s.environmentFiles).toMatchObject([{ path: "/etc/sysconfig/memcached", optional: true }]);
    // The EnvironmentFile is optional: without it every $VAR is unset and vanishes.
    const expanded = expandSystemdVariables(s.execStart[0]!.args, new Map());
    expect(expanded.words.map((w) => w.text)).toEqual(["-u", "-p", "-m", "-c"]);
    expect(expanded.unset.map((u) => u.name)).toEqual(["USER", "PORT", "CACHESIZE", "MAXCONN", "OPTIONS"]);
    const parsed = parseMemcachedArgs(expanded.words);
    expect(parsed.effective.user.value).toBe("-p");
  });
});


describe("fuzz", () => {
  it("never throws on random text", () => {
    for (const text of randomTexts(1500, [...FUZZ_PIECES, ...["[Service]\n", "ExecStart=", "Environment=", "EnvironmentFile=", "LimitNOFILE="]])) {
      expect(() => {
        const s = mergeSystemdService([unit(text), unit(`[Service]\n${text}`, "m@.service")]);
        for (const e of s.execStart) expandSystemdVariables(e.args, environmentMap(s.environment));
      }).not.toThrow();
    }
  });
});
