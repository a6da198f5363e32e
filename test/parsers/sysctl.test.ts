import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  applySysctlOrder,
  keyFromProcPath,
  normalizeSysctlKey,
  parseProcSysFile,
  parseSysctlConf,
  parseSysctlDump,
  sysctlEntry,
  sysctlFileRole,
  sysctlNumber,
} from "../../src/parsers/sysctl.js";
import { corpusRoot } from "../helpers/rule-harness.js";
import { FUZZ_PIECES, randomTexts } from "../helpers/random-text.js";

const corpusText = (name: string) => readFileSync(path.join(corpusRoot, "sysctl", name), "utf8");

describe("normalizeSysctlKey (sysctl.d(5): '/' or '.' separators)", () => {
  it.each([
    ["net.core.somaxconn", "net.core.somaxconn"],
    ["net/core/somaxconn", "net.core.somaxconn"],
    ["/net/core/somaxconn", "net.core.somaxconn"],
    ["net/ipv4/conf/enp3s0.200/forwarding", "net.ipv4.conf.enp3s0/200.forwarding"],
    ["net.ipv4.conf.enp3s0/200.forwarding", "net.ipv4.conf.enp3s0/200.forwarding"],
  ])("%s", (key, expected) => {
    expect(normalizeSysctlKey(key)).toBe(expected);
  });
});

describe("parseSysctlConf", () => {
  it.each([
    ["spaced", "net.core.somaxconn = 4096", "net.core.somaxconn", "4096"],
    ["no spaces", "net.core.somaxconn=4096", "net.core.somaxconn", "4096"],
    ["slashes", "net/core/somaxconn=1024", "net.core.somaxconn", "1024"],
    ["multi-value", "net.ipv4.ip_local_port_range = 10000 65000", "net.ipv4.ip_local_port_range", "10000 65000"],
    ["empty value", "kernel.domainname =", "kernel.domainname", ""],
    ["indented", "   net.core.somaxconn=8", "net.core.somaxconn", "8"],
  ])("%s", (_name, text, key, value) => {
    const doc = parseSysctlConf("f.conf", text);
    expect(doc.entries.map((e) => [e.key, e.value])).toEqual([[key, value]]);
    expect(doc.diagnostics).toEqual([]);
  });

  it("reads the '-' prefix, comments and locations", () => {
    const doc = parseSysctlConf("f.conf", "# c\n; c\n-net.core.somaxconn = 4096\n");
    expect(doc.entries[0]).toMatchObject({ key: "net.core.somaxconn", ignoreFailure: true });
    expect(doc.entries[0]?.keyLocation).toMatchObject({ line: 3, column: 2, endColumn: 20 });
    expect(doc.entries[0]?.valueLocation).toMatchObject({ line: 3, column: 23, endColumn: 27 });
  });

  it("reports lines that are not assignments and goes on", () => {
    const doc = parseSysctlConf("f.conf", "garbage\nnet.core.somaxconn=1\n");
    expect(doc.diagnostics.map((d) => [d.code, d.line])).toEqual([["sysctl-syntax", 1]]);
    expect(sysctlNumber(sysctlEntry(doc, "net.core.somaxconn"))).toBe(1);
  });

  it("treats template values as unknown and skips template statements", () => {
    const doc = parseSysctlConf("99-tuning.conf.j2", "{% if big %}\nnet.core.somaxconn = {{ somaxconn }}\n{% endif %}\n");
    expect(doc.entries[0]).toMatchObject({ key: "net.core.somaxconn", opaque: true });
    expect(sysctlNumber(doc.entries[0])).toBeNull();
    expect(doc.diagnostics.map((d) => d.code)).toEqual(["sysctl-template", "sysctl-template"]);
  });

  it("stays linear on long runs and never throws", () => {
    const started = Date.now();
    for (const text of ["=".repeat(200_000), " ".repeat(200_000) + "x", "a" + " ".repeat(200_000) + "= 1", "-".repeat(100_000), "\u0000"]) {
      expect(() => parseSysctlConf("f", text)).not.toThrow();
      expect(() => parseSysctlDump("f", text)).not.toThrow();
    }
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("reads a Debian sysctl.conf with 'net.core.somaxconn = 32768' (isucon11, unknown licence: corpus)", () => {
    const doc = parseSysctlConf("etc/sysctl.conf", corpusText("isucon11-sysctl.conf"));
    expect(sysctlNumber(sysctlEntry(doc, "net.core.somaxconn"))).toBe(32768);
    expect(sysctlEntry(doc, "net.ipv4.ip_local_port_range")?.value).toBe("10000 65000");
    expect(sysctlEntry(doc, "net.ipv6.conf.all.disable_ipv6")?.value).toBe("1");
    expect(doc.diagnostics).toEqual([]);
    expect(doc.entries.some((e) => e.key === "kernel.domainname")).toBe(false); // commented out
  });

  it("reads 'net.core.somaxconn=65535' (isucon13, no-space form)", () => {
    const doc = parseSysctlConf("etc/sysctl.conf", corpusText("isucon13-sysctl.conf"));
    expect(sysctlNumber(sysctlEntry(doc, "net.core.somaxconn"))).toBe(65535);
    expect(sysctlNumber(sysctlEntry(doc, "net.ipv4.tcp_max_syn_backlog"))).toBe(65535);
  });
});

describe("parseSysctlDump (sysctl -a)", () => {
  it("reads the sosreport capture: somaxconn 128, tab-separated values, error line", () => {
    const doc = parseSysctlDump("sos_commands/kernel/sysctl_-a", corpusText("sosreport-rhcos-sysctl_-a"));
    const somaxconn = sysctlEntry(doc, "net.core.somaxconn");
    expect(sysctlNumber(somaxconn)).toBe(128);
    expect(somaxconn?.valueLocation).toMatchObject({ line: 273, column: 22, endColumn: 25 });
    expect(sysctlEntry(doc, "net.ipv4.ip_local_port_range")?.value).toBe("32768\t60999");
    expect(sysctlNumber(sysctlEntry(doc, "net.ipv4.tcp_max_syn_backlog"))).toBe(256);
    expect(doc.diagnostics).toMatchObject([{ code: "sysctl-dump-error-line", line: 43, severity: "note" }]);
    // repeated multi-line keys are all kept
    expect(doc.entries.filter((e) => e.key === "dev.cdrom.info").length).toBeGreaterThan(10);
    expect(doc.entries.find((e) => e.key === "dev.cdrom.info" && e.value === "")).toBeDefined();
  });
});

describe("/proc/sys files", () => {
  it("reads the value and takes the key from the path", () => {
    const doc = parseProcSysFile("host1/proc/sys/net/core/somaxconn", "4096\n");
    expect(doc.entries).toMatchObject([{ key: "net.core.somaxconn", value: "4096" }]);
    expect(parseProcSysFile("proc/sys/net/ipv4/ip_local_port_range", "32768\t60999\n").entries[0]?.value).toBe("32768\t60999");
  });

  it("reports an empty file or an unknown path", () => {
    expect(parseProcSysFile("proc/sys/net/core/somaxconn", "").diagnostics.map((d) => d.code)).toEqual(["sysctl-proc-unreadable"]);
    expect(parseProcSysFile("somaxconn", "128").diagnostics.map((d) => d.code)).toEqual(["sysctl-proc-unreadable"]);
    expect(parseProcSysFile("somaxconn", "128", "net.core.somaxconn").entries[0]?.value).toBe("128");
  });

  it.each([
    ["proc/sys/net/core/somaxconn", "net.core.somaxconn"],
    ["sosreport-x/proc/sys/net/core/somaxconn", "net.core.somaxconn"],
    ["xproc/sys/a", null],
    ["proc/sys/", null],
  ])("keyFromProcPath(%s)", (p, expected) => {
    expect(keyFromProcPath(p)).toBe(expected);
  });
});

describe("applySysctlOrder (sysctl.d(5), systemd-sysctl)", () => {
  const conf = (file: string, text: string) => parseSysctlConf(file, text);

  it.each([
    ["h/etc/sysctl.d/99-x.conf", "sysctl.d", 0],
    ["h/run/sysctl.d/99-x.conf", "sysctl.d", 1],
    ["h/usr/local/lib/sysctl.d/99-x.conf", "sysctl.d", 2],
    ["h/usr/lib/sysctl.d/99-x.conf", "sysctl.d", 3],
    ["h/lib/sysctl.d/99-x.conf", "sysctl.d", 4],
    ["etc/sysctl.conf", "sysctl.conf", 5],
    ["h/etc/sysctl.d/sub/x.conf", "other", 6],
    ["h/tmp/x.conf", "other", 6],
  ])("sysctlFileRole(%s)", (file, role, rank) => {
    expect(sysctlFileRole(file)).toMatchObject({ role, rank });
  });

  it("sorts by file name across directories; later files and /etc/sysctl.conf win", () => {
    const resolution = applySysctlOrder([
      conf("h/etc/sysctl.conf", "net.core.somaxconn = 8192\n"),
      conf("h/usr/lib/sysctl.d/50-default.conf", "net.core.somaxconn = 128\nnet.ipv4.tcp_max_syn_backlog = 512\n"),
      conf("h/etc/sysctl.d/10-tuning.conf", "net.core.somaxconn = 1024\n"),
      conf("h/run/sysctl.d/60-run.conf", "net.core.somaxconn = 2048\n"),
    ]);
    expect(resolution.applied).toEqual(["h/etc/sysctl.d/10-tuning.conf", "h/usr/lib/sysctl.d/50-default.conf", "h/run/sysctl.d/60-run.conf", "h/etc/sysctl.conf"]);
    const somaxconn = resolution.settings.get("net.core.somaxconn")!;
    expect(somaxconn.winner).toMatchObject({ value: "8192", keyLocation: { file: "h/etc/sysctl.conf", line: 1 } });
    expect(somaxconn.overridden.map((e) => [e.keyLocation.file, e.value])).toEqual([
      ["h/etc/sysctl.d/10-tuning.conf", "1024"],
      ["h/usr/lib/sysctl.d/50-default.conf", "128"],
      ["h/run/sysctl.d/60-run.conf", "2048"],
    ]);
    expect(resolution.settings.get("net.ipv4.tcp_max_syn_backlog")?.winner.value).toBe("512");
  });

  it("lets /etc shadow /run, /usr/lib and /lib files of the same name, then /run shadow /usr/lib", () => {
    const resolution = applySysctlOrder([
      conf("h/usr/lib/sysctl.d/50-x.conf", "net.core.somaxconn = 128\n"),
      conf("h/etc/sysctl.d/50-x.conf", "net.core.somaxconn = 4096\n"),
      conf("h/lib/sysctl.d/50-x.conf", "net.core.somaxconn = 64\n"),
      conf("h/run/sysctl.d/70-y.conf", "vm.swappiness = 1\n"),
      conf("h/usr/lib/sysctl.d/70-y.conf", "vm.swappiness = 60\n"),
    ]);
    expect(resolution.applied).toEqual(["h/etc/sysctl.d/50-x.conf", "h/run/sysctl.d/70-y.conf"]);
    expect(resolution.shadowedFiles).toEqual([
      { file: "h/usr/lib/sysctl.d/50-x.conf", by: "h/etc/sysctl.d/50-x.conf" },
      { file: "h/lib/sysctl.d/50-x.conf", by: "h/etc/sysctl.d/50-x.conf" },
      { file: "h/usr/lib/sysctl.d/70-y.conf", by: "h/run/sysctl.d/70-y.conf" },
    ]);
    expect(resolution.settings.get("net.core.somaxconn")?.winner.value).toBe("4096");
    expect(resolution.settings.get("vm.swappiness")?.winner.value).toBe("1");
  });

  it("leaves out files systemd-sysctl does not read", () => {
    const resolution = applySysctlOrder([
      conf("h/etc/sysctl.d/README", "net.core.somaxconn = 1\n"),
      conf("h/etc/other.conf", "net.core.somaxconn = 2\n"),
      parseSysctlDump("sos_commands/kernel/sysctl_-a", "net.core.somaxconn = 128\n"),
    ]);
    expect(resolution.applied).toEqual([]);
    expect(resolution.ignoredFiles).toEqual(["h/etc/sysctl.d/README", "h/etc/other.conf", "sos_commands/kernel/sysctl_-a"]);
    expect(resolution.settings.size).toBe(0);
  });

  it("keeps the last assignment inside one file", () => {
    const resolution = applySysctlOrder([conf("etc/sysctl.conf", "net.core.somaxconn = 1\nnet.core.somaxconn = 2\n")]);
    expect(resolution.settings.get("net.core.somaxconn")).toMatchObject({ winner: { value: "2" }, overridden: [{ value: "1" }] });
  });
});


describe("fuzz", () => {
  it("never throws on random text", () => {
    for (const text of randomTexts(1500, [...FUZZ_PIECES, ...["net.core.somaxconn", "sysctl: "]])) {
      expect(() => applySysctlOrder([parseSysctlConf("etc/sysctl.d/a.conf", text), parseSysctlDump("d", text), parseProcSysFile("proc/sys/a", text)])).not.toThrow();
    }
  });
});
