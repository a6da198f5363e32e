import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import { sanitizeMemberName } from "../../src/discover/archive.js";
import type { AnalysisResult } from "../../src/engine/result.js";
import { render } from "../../src/reporters/index.js";
import { runMultitool, validateSarifSchema } from "../helpers/sarif-validation.js";
import { folderMembers, tarBytes, tarGzBytes, type TarMember } from "../helpers/tar-writer.js";

const repo = path.resolve(import.meta.dirname, "../..");

const PROXY = "[pipeline:main]\npipeline = cache proxy-server\n\n[filter:cache]\nuse = egg:swift#memcache\nmemcache_servers = 192.0.2.11:11211\n\n[app:proxy-server]\nuse = egg:swift#proxy\n";

// Each test gets its own case folder and its own TMPDIR, so "nothing appeared outside the
// temporary folder" and "the temporary folder is gone" are checked on folders nobody else uses.
let work: string;
let caseDir: string;
let tmp: string;
const savedTmp = process.env.TMPDIR;
const systemTmp = os.tmpdir();
const restoreTmp = () => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
};
beforeEach(() => {
  work = mkdtempSync(path.join(systemTmp, "stacklint-archive-test-"));
  caseDir = path.join(work, "case", "inputs");
  tmp = path.join(work, "tmp");
  mkdirSync(caseDir, { recursive: true });
  mkdirSync(tmp);
  process.env.TMPDIR = tmp;
});
afterEach(() => {
  restoreTmp();
  rmSync(work, { recursive: true, force: true });
});
afterAll(restoreTmp);

function write(name: string, bytes: Buffer | string): string {
  const file = path.join(caseDir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return file;
}

/** Every path under `dir`, for before/after comparisons. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

async function analyzeCase(inputs: string[], extra: Parameters<typeof analyze>[0] extends infer O ? Partial<O> : never = {}): Promise<AnalysisResult> {
  const before = tree(work);
  const result = await analyze({ inputs, baseDirectory: path.join(work, "case"), ...extra });
  // Nothing was written beside the inputs, and the private temporary folder is gone.
  expect(tree(work)).toEqual(before);
  expect(readdirSync(tmp)).toEqual([]);
  return result;
}

const codes = (result: AnalysisResult, file?: string) => result.diagnostics.filter((d) => file === undefined || d.file === file).map((d) => d.code);

describe("member names", () => {
  it("normalizes harmless forms and refuses absolute and '..' paths", () => {
    expect(sanitizeMemberName("./sosreport-x//etc/./hosts")).toEqual({ path: "sosreport-x/etc/hosts" });
    expect(sanitizeMemberName("/etc/passwd")).toHaveProperty("unsafe");
    expect(sanitizeMemberName("a/../../etc/passwd")).toHaveProperty("unsafe");
    expect(sanitizeMemberName("..")).toHaveProperty("unsafe");
    expect(sanitizeMemberName("C:/Windows/x")).toHaveProperty("unsafe");
    // systemd's escaped unit names are ordinary Linux names.
    expect(sanitizeMemberName("usr/lib/systemd/system/system-systemd\\x2dcryptsetup.slice")).toEqual({ path: "usr/lib/systemd/system/system-systemd\\x2dcryptsetup.slice" });
    expect(sanitizeMemberName("a\0b")).toHaveProperty("unsafe");
  });
});

describe("hostile archives are refused member by member", () => {
  const hostile: TarMember[] = [
    { name: "host1/etc/swift/proxy-server.conf", data: PROXY },
    { name: "../escape.conf", data: "[cache]\nmemcache_servers = 1.2.3.4:11211\n" },
    { name: "/tmp/absolute.conf", data: "[cache]\n" },
    { name: "host1/etc/../../../up.conf", data: "[cache]\n" },
    { name: "host1/etc/swift/memcache.conf", type: "2", linkName: "../../../../../etc/passwd" },
    { name: "host1/etc/memcached.conf", type: "2", linkName: "/etc/memcached.conf" },
    { name: "host1/etc/sysctl.conf", type: "1", linkName: "../outside/sysctl.conf" },
    { name: "host1/dev/sda", type: "4" },
    { name: "host1/dev/tty0", type: "3" },
    { name: "host1/run/fifo", type: "6" },
    { name: "host1/etc/swift/proxy-server.conf", data: PROXY.replace("192.0.2.11", "203.0.113.99") },
  ];

  it("gives one diagnostic per hostile member, reads the safe one, and writes nothing outside the temp folder", async () => {
    write("bundle.tar.gz", tarGzBytes(hostile));
    const result = await analyzeCase(["inputs"]);
    const member = (name: string) => `inputs/bundle.tar.gz!/${name}`;
    expect(codes(result, "inputs/bundle.tar.gz").sort()).toEqual(["archive-unsafe-path", "archive-unsafe-path", "archive-unsafe-path"]);
    expect(result.diagnostics.filter((d) => d.code === "archive-unsafe-path").map((d) => d.message)).toEqual([
      "member '../escape.conf' has a '..' step in its path; it was not read",
      "member '/tmp/absolute.conf' has an absolute path; it was not read",
      "member 'host1/etc/../../../up.conf' has a '..' step in its path; it was not read",
    ]);
    expect(codes(result, member("host1/etc/swift/memcache.conf"))).toEqual(["archive-link-outside"]);
    expect(codes(result, member("host1/etc/memcached.conf"))).toEqual(["archive-link-outside"]);
    expect(codes(result, member("host1/etc/sysctl.conf"))).toEqual(["archive-link-outside"]);
    expect(codes(result, member("host1/dev/sda"))).toEqual(["archive-special-member"]);
    expect(codes(result, member("host1/dev/tty0"))).toEqual(["archive-special-member"]);
    expect(codes(result, member("host1/run/fifo"))).toEqual(["archive-special-member"]);
    expect(codes(result, member("host1/etc/swift/proxy-server.conf"))).toEqual(["archive-duplicate-member"]);
    // The first copy was read; the duplicate's server never reaches the model.
    expect(result.files.analyzed.map((f) => f.path)).toEqual([member("host1/etc/swift/proxy-server.conf")]);
    const servers = JSON.stringify(result.deployment.cacheClients);
    expect(servers).toContain("192.0.2.11");
    expect(servers).not.toContain("203.0.113.99");
    expect(existsSync(path.join(work, "case", "escape.conf"))).toBe(false);
    expect(existsSync("/tmp/absolute.conf")).toBe(false);
  });

  it("a member the temporary folder cannot hold is skipped with a diagnostic, and reading goes on", async () => {
    const long = `host1/etc/${"a".repeat(300)}.conf`;
    write(
      "odd.tar",
      tarBytes([
        { name: "host1/etc/swift/proxy-server.conf", data: PROXY },
        { name: "host1/etc/swift/proxy-server.conf/nested.conf", data: "[cache]\nbackend = oslo_cache.memcache_pool\n" },
        { name: long, data: "[cache]\nbackend = oslo_cache.memcache_pool\n" },
        { name: "host2/etc/swift/proxy-server.conf", data: PROXY },
      ]),
    );
    const result = await analyzeCase(["inputs/odd.tar"]);
    expect(result.diagnostics.map((d) => [d.code, d.file, d.message.replace(/\(E[A-Z]+\)/u, "(E…)")])).toEqual([
      ["unreadable-file", `inputs/odd.tar!/${long}`, "cannot keep this member in the temporary folder (E…); skipped"],
      ["unreadable-file", "inputs/odd.tar!/host1/etc/swift/proxy-server.conf/nested.conf", "cannot keep this member in the temporary folder (E…); skipped"],
    ]);
    expect(result.files.analyzed.map((f) => f.path)).toEqual(["inputs/odd.tar!/host1/etc/swift/proxy-server.conf", "inputs/odd.tar!/host2/etc/swift/proxy-server.conf"]);
  });

  it("follows a link that stays inside the archive, as the file it names", async () => {
    write(
      "sos.tar",
      tarBytes([
        { name: "sosreport-ctl1-2024/sos_commands/host/hostname", data: "ctl1.example.org\n" },
        { name: "sosreport-ctl1-2024/hostname", type: "2", linkName: "sos_commands/host/hostname" },
        { name: "sosreport-ctl1-2024/sos_commands/networking/ip_-o_addr", data: "2: eth0    inet 192.0.2.21/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever preferred_lft forever\n" },
        { name: "sosreport-ctl1-2024/etc/swift/proxy-server.conf", data: PROXY },
        { name: "sosreport-ctl1-2024/etc/swift/proxy-server.conf.link", type: "1", linkName: "sosreport-ctl1-2024/etc/swift/proxy-server.conf" },
      ]),
    );
    const result = await analyzeCase(["inputs/sos.tar"]);
    expect(result.diagnostics).toEqual([]);
    expect(result.deployment.hosts.map((h) => [h.id, h.name, h.nameSource, h.addresses])).toEqual([["inputs/sos.tar!/sosreport-ctl1-2024", "ctl1.example.org", "hostname-file", ["192.0.2.21"]]]);
  });
});

describe("systemd enablement links", () => {
  it("count by their name inside an archive too, and are never read", async () => {
    write(
      "units.tar",
      tarBytes([
        { name: "host1/usr/lib/systemd/system/memcached@.service", data: "[Service]\nExecStart=/usr/bin/memcached -p %i -l 192.0.2.5\n" },
        { name: "host1/etc/systemd/system/multi-user.target.wants/memcached@11211.service", type: "2", linkName: "../../../../usr/lib/systemd/system/memcached@.service" },
      ]),
    );
    const result = await analyzeCase(["inputs/units.tar"]);
    expect(result.files.analyzed.map((f) => [f.path, f.kind])).toContainEqual(["inputs/units.tar!/host1/etc/systemd/system/multi-user.target.wants/memcached@11211.service", "systemd-enablement"]);
  });
});

describe("tar records", () => {
  it("reads pax long paths and GNU long names, and keeps the member's time for year-less logs", async () => {
    const deep = `host1/${"deep/".repeat(30)}etc/swift/proxy-server.conf`;
    const gnu = "host2/etc/swift/proxy-server.conf";
    write(
      "long.tar",
      tarBytes([
        { name: deep, data: PROXY },
        { name: "././@LongLink", type: "L", data: `${gnu}\0` },
        { name: gnu.slice(0, 10), data: PROXY },
        { name: "host2/var/log/swift/proxy.log", data: "May  1 00:00:01 proxy1 proxy-server: ERROR with Memcached server 192.0.2.11:11211: Connection refused\n" },
      ]),
    );
    const result = await analyzeCase(["inputs/long.tar"]);
    expect(result.files.analyzed.map((f) => f.path)).toEqual([`inputs/long.tar!/${deep}`, `inputs/long.tar!/${gnu}`, "inputs/long.tar!/host2/var/log/swift/proxy.log"]);
    // tar-writer stamps every member 0o14000000000 s = 2021-01-14, so "May 1" was in 2020: the year
    // comes from the member's time, not from the moment it was extracted.
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([["log-year-assumed", "timestamps have no year: assumed 2020 from the file's modification time (give --log-year, or include the bundle's date file)"]]);
  });
});

describe("limits", () => {
  const zeros = (bytes: number): TarMember => ({ name: "host1/var/log/swift/proxy.log", data: Buffer.alloc(bytes, 0x61) });

  it("stops at the ratio limit with a diagnostic, and still analyzes the other inputs", async () => {
    write("bomb.tar.gz", tarGzBytes([zeros(40 * 1024 * 1024), { name: "host1/etc/swift/proxy-server.conf", data: PROXY }]));
    write("plain/etc/swift/proxy-server.conf", PROXY);
    const result = await analyzeCase(["inputs"]);
    const limit = result.diagnostics.find((d) => d.code === "archive-limit");
    expect(limit).toMatchObject({ severity: "error", file: "inputs/bomb.tar.gz" });
    expect(limit!.message).toMatch(/expands more than 200 times its size .*--max-archive-ratio.*decompression bomb/u);
    expect(result.files.analyzed.map((f) => f.path)).toEqual(["inputs/plain/etc/swift/proxy-server.conf"]);
  });

  it("stops at the expanded-bytes limit (configurable)", async () => {
    write("big.tar.gz", tarGzBytes([{ name: "host1/etc/swift/proxy-server.conf", data: PROXY }, zeros(3 * 1024 * 1024)]));
    const result = await analyzeCase(["inputs/big.tar.gz"], { archiveLimits: { maxExpandedBytes: 1024 * 1024 } });
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["archive-limit", "the archive expands to more than 1 MiB (--max-archive-bytes); reading stopped there, members after that point were not analyzed"],
    ]);
    // The member before the limit was read.
    expect(result.files.analyzed.map((f) => f.path)).toEqual(["inputs/big.tar.gz!/host1/etc/swift/proxy-server.conf"]);
  });

  it("streams past a gigantic config member with the per-file size limit, then reads on", async () => {
    const huge = Buffer.alloc(33 * 1024 * 1024, 0x20);
    write("huge.tar.gz", tarGzBytes([{ name: "host1/etc/swift/proxy-server.conf", data: huge }, { name: "host2/etc/swift/proxy-server.conf", data: PROXY }]));
    const result = await analyzeCase(["inputs/huge.tar.gz"], { archiveLimits: { maxRatio: 100_000 } });
    expect(result.diagnostics.map((d) => [d.code, d.file])).toEqual([["file-too-large", "inputs/huge.tar.gz!/host1/etc/swift/proxy-server.conf"]]);
    expect(result.files.analyzed.map((f) => f.path)).toEqual(["inputs/huge.tar.gz!/host2/etc/swift/proxy-server.conf"]);
  });
});

describe("corrupt and truncated archives", () => {
  const good: TarMember[] = [
    { name: "host1/etc/swift/proxy-server.conf", data: PROXY },
    { name: "host1/var/log/swift/proxy.log", data: "x".repeat(300_000) },
  ];

  it("a truncated .tar.gz is a diagnostic; the members read before and the other inputs are analyzed", async () => {
    const bytes = tarGzBytes(good);
    write("cut.tar.gz", bytes.subarray(0, Math.floor(bytes.length / 2)));
    write("plain/etc/swift/proxy-server.conf", PROXY);
    const result = await analyzeCase(["inputs"]);
    expect(result.diagnostics.map((d) => [d.code, d.file, d.severity])).toEqual([["archive-corrupt", "inputs/cut.tar.gz", "error"]]);
    expect(result.files.analyzed.map((f) => f.path)).toEqual(["inputs/cut.tar.gz!/host1/etc/swift/proxy-server.conf", "inputs/plain/etc/swift/proxy-server.conf"]);
  });

  it("a header with a bad checksum is a diagnostic", async () => {
    const bytes = tarBytes(good);
    const corrupted = 512 + 512 * Math.ceil(PROXY.length / 512) + 10;
    bytes[corrupted] = bytes[corrupted]! ^ 0xff;
    write("bad.tar", bytes);
    const result = await analyzeCase(["inputs/bad.tar"]);
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([["archive-corrupt", "a member header's checksum does not match: the archive is corrupt; members read before this point were analyzed"]]);
    expect(result.files.analyzed.map((f) => f.path)).toEqual(["inputs/bad.tar!/host1/etc/swift/proxy-server.conf"]);
  });

  it("a file that is not an archive at all is a diagnostic", async () => {
    write("notes.tar", "these are notes, not a tar archive\n".repeat(40));
    const result = await analyzeCase(["inputs/notes.tar"]);
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([["archive-corrupt", "not a tar archive (the first header's checksum does not match); members read before this point were analyzed"]]);
  });

  it("a tar cut between members (no end marker) is a warning", async () => {
    write("noend.tar", tarBytes(good, { endMarker: false }));
    const result = await analyzeCase(["inputs/noend.tar"]);
    expect(result.diagnostics.map((d) => [d.code, d.severity])).toEqual([["archive-truncated", "warning"]]);
  });

  it("a missing decompressor is a diagnostic that names the Debian package", async () => {
    write("sos.tar.xz", Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]));
    const path0 = process.env.PATH;
    process.env.PATH = path.join(work, "no-such-bin");
    try {
      const result = await analyzeCase(["inputs/sos.tar.xz"]);
      expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([
        ["archive-tool-missing", "reading a xz archive needs the 'xz' program, which is not installed (Debian: apt-get install xz-utils); the archive was not read"],
      ]);
    } finally {
      process.env.PATH = path0;
    }
  });
});

describe("a folder of archives gives the same answer as the same bundles unpacked", () => {
  /** Findings and hosts with the archive part of each path removed. */
  function comparable(result: AnalysisResult, strip: RegExp): string {
    return JSON.stringify({ findings: result.findings, hosts: result.deployment.hosts, instances: result.deployment.memcachedInstances, skipped: result.files.skipped }).replace(strip, "");
  }

  for (const fixture of ["fixtures/demo", "fixtures/rules/memcache-server-not-listening/fires-observed"]) {
    it(`${fixture}: one tar.gz per host`, async () => {
      const source = path.join(repo, fixture);
      const hosts = readdirSync(source, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
      const unpacked = path.join(work, "case", "unpacked");
      mkdirSync(unpacked);
      for (const host of hosts) cpSync(path.join(source, host), path.join(unpacked, host), { recursive: true });
      for (const host of hosts) write(`${host}.tar.gz`, tarGzBytes(folderMembers(path.join(source, host), host)));
      const plain = await analyzeCase(["unpacked"]);
      const packed = await analyzeCase(["inputs"]);
      expect(plain.findings.length).toBeGreaterThan(0);
      expect(comparable(packed, /inputs\/[^/"]+\.tar\.gz!\//gu)).toEqual(comparable(plain, /unpacked\//gu));
    });
  }

  it("one archive of the whole demo, named directly", async () => {
    write("demo.tgz", tarGzBytes(folderMembers(path.join(repo, "fixtures", "demo"), "demo")));
    const packed = await analyzeCase(["inputs/demo.tgz"]);
    const plain = await analyze({ inputs: ["fixtures/demo"], baseDirectory: repo });
    expect(JSON.stringify(packed.findings).replaceAll("inputs/demo.tgz!/demo", "fixtures/demo")).toEqual(JSON.stringify(plain.findings));
  });
});

describe("the same host given twice", () => {
  it("is merged into one host with a note", async () => {
    const bundle = (conf: string) => tarGzBytes([{ name: "sosreport-a/hostname", data: "ctl1\n" }, { name: "sosreport-a/etc/swift/proxy-server.conf", data: conf }]);
    write("first.tar.gz", bundle(PROXY));
    write("second.tar.gz", bundle(PROXY));
    const result = await analyzeCase(["inputs"]);
    expect(result.deployment.hosts.map((h) => [h.id, h.name])).toEqual([["inputs/first.tar.gz!/sosreport-a", "ctl1"]]);
    expect(result.diagnostics.map((d) => [d.code, d.file])).toEqual([["host-merged", "inputs/second.tar.gz!/sosreport-a"]]);
    // The file both bundles hold is read once, so nothing is reported twice.
    expect(result.files.analyzed.map((f) => [f.path, f.hostId])).toEqual([["inputs/first.tar.gz!/sosreport-a/etc/swift/proxy-server.conf", "inputs/first.tar.gz!/sosreport-a"]]);
    const single = await analyzeCase(["inputs/first.tar.gz"]);
    expect(result.findings.map((f) => [f.ruleId, f.location.file])).toEqual(single.findings.map((f) => [f.ruleId, f.location.file]));
    expect(result.findings.length).toBeGreaterThan(0);
  });
});

describe("archive member paths in reports", () => {
  it("are valid SARIF uris (schema and the multitool with GitHub's rules)", async () => {
    write("case 1/demo bundle.tgz", tarGzBytes(folderMembers(path.join(repo, "fixtures", "demo"), "demo")));
    const result = await analyzeCase(["inputs"]);
    const text = render(result, "sarif", { color: false });
    const log = JSON.parse(text) as { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    const uris = log.runs[0]!.results.map((r) => r.locations[0]!.physicalLocation.artifactLocation.uri);
    expect(uris).toContain("inputs/case%201/demo%20bundle.tgz!/demo/proxy1/etc/swift/proxy-server.conf");
    expect(validateSarifSchema(log)).toEqual([]);
    const file = path.join(work, "archive.sarif");
    writeFileSync(file, text);
    const report = await runMultitool(file);
    expect(report.errors).toBe(0);
    expect(report.warnings).toBe(0);
  }, 60_000);
});
