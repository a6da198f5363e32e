import { execFile, spawn } from "node:child_process";
import { chmodSync, createWriteStream, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import type { AnalysisResult } from "../../src/engine/result.js";
import type { Diagnostic } from "../../src/model/diagnostic.js";
import { evaluate } from "../../src/model/firewall/evaluate.js";
import type { Packet } from "../../src/model/firewall/packet.js";
import { parseFirewall } from "../../src/parsers/firewall/index.js";
import { formatters, render, type FormatName } from "../../src/reporters/index.js";
import { repoRoot } from "../helpers/rule-harness.js";

/**
 * Hostile inputs, each with the diagnostic it must produce and proof that the run went on:
 * broken bytes in every file kind (the committed bundle), then the large and special inputs
 * generated here (200 MB line, deep YAML, alias bombs, journald monsters, symlink loops, FIFOs,
 * devices), analyzed in a child process so that its peak RSS can be measured.
 */
const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

const PROXY = "[pipeline:main]\npipeline = catch_errors cache proxy-server\n\n[app:proxy-server]\nuse = egg:swift#proxy\n\n[filter:cache]\nuse = egg:swift#memcache\nmemcache_servers = 10.0.0.11:11211\n";
const COMPOSE = 'services:\n  memcached:\n    image: memcached:1.6\n    command: ["-m", "64"]\n    ports:\n      - "11211:11211"\n';
const ERROR_LINE = "May  1 00:00:09 proxy1 proxy-server: Error connecting to memcached: 10.0.0.11:11211: [Errno 111] ECONNREFUSED (txn: tx99) (client_ip: 198.51.100.7)\n";

interface ChildReport {
  wallMs: number;
  maxRssMB: number;
  diagnostics: Diagnostic[];
  findings: { ruleId: string; file: string; line: number }[];
  logSources: { file: string; events: number }[];
  analyzed: string[];
  outputs: Record<string, number>;
}

/** One analysis in a fresh process (async: never blocks the vitest worker), killed after `timeoutMs`. */
function analyzeInChild(baseDirectory: string, inputs: string[], timeoutMs = 240_000): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, "test/adversarial/analyze-child.mjs"), baseDirectory, ...inputs], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`analysis ${signal === "SIGKILL" ? `hung (killed after ${timeoutMs} ms)` : `exited ${code}`}: ${stderr.slice(0, 2000)}`));
      else resolve(JSON.parse(stdout) as ChildReport);
    });
  });
}

const triples = (diagnostics: readonly Diagnostic[]) => diagnostics.map((d) => [d.file, d.code, d.line ?? null]);

describe("broken bytes in every file kind (fixtures/adversarial/bundle)", () => {
  const root = path.join(repoRoot, "fixtures/adversarial/bundle");
  let result: AnalysisResult;
  beforeAll(async () => {
    result = await analyze({ inputs: [root], baseDirectory: root });
  });

  it("reports each problem at its file and line", () => {
    expect(triples(result.diagnostics)).toEqual(
      expect.arrayContaining([
        ["nul-bytes/etc/swift/proxy-server.conf", "binary-file", null],
        ["nul-bytes/docker-compose.yml", "binary-file", null],
        ["nul-bytes/etc/kolla/globals.yml", "binary-file", null],
        ["nul-bytes/etc/sysconfig/memcached", "binary-file", null],
        ["invalid-utf8/etc/swift/proxy-server.conf", "invalid-encoding", 10],
        ["invalid-utf8/etc/sysconfig/memcached", "invalid-encoding", 6],
        ["invalid-utf8/docker-compose.yml", "invalid-encoding", 7],
        ["invalid-utf8/etc/kolla/globals.yml", "invalid-encoding", 4],
        ["utf16le-bom/etc/swift/proxy-server.conf", "invalid-encoding", 1],
        ["utf16be-bom/etc/swift/proxy-server.conf", "invalid-encoding", 1],
        ["utf16le-bom/docker-compose.yml", "invalid-encoding", 1],
        ["utf16be-bom/etc/kolla/globals.yml", "invalid-encoding", 1],
        ["utf16le-bom/var/log/swift/proxy.log", "invalid-encoding", 1],
        ["utf16be-bom/var/log/swift/proxy.log", "invalid-encoding", 1],
        ["cr-only/var/log/swift/proxy.log", "invalid-encoding", 1],
        ["one-byte/etc/swift/proxy-server.conf", "ini-no-sections", 1],
        ["one-byte/docker-compose.yml", "yaml-syntax", 1],
        ["one-byte/etc/sysconfig/memcached", "env-file-no-assignment", 1],
      ]),
    );
  });

  it("reads what can be read: CRLF and CR-only configs, mis-encoded ones, logs with NULs", () => {
    const found = result.findings.map((f) => `${f.ruleId} ${f.location.file}:${f.location.line}`);
    for (const host of ["crlf", "cr-only", "invalid-utf8", "utf16le-bom", "utf16be-bom"]) {
      expect(found).toContain(`SL101 ${host}/etc/swift/proxy-server.conf:9`);
      expect(found).toContain(`SL202 ${host}/docker-compose.yml:2`);
      expect(found).toContain(`SL206 ${host}/etc/sysconfig/memcached:5`);
    }
    const events = Object.fromEntries(result.deployment.runtime.logSources.map((s) => [s.file, s.events]));
    expect(events).toMatchObject({ "crlf/var/log/swift/proxy.log": 2, "invalid-utf8/var/log/swift/proxy.log": 2, "nul-bytes/var/log/swift/proxy.log": 2, "empty/var/log/swift/proxy.log": 0 });
  });

  it("takes empty and one-byte files as files, without an error", () => {
    expect(result.files.analyzed.map((f) => f.path)).toEqual(expect.arrayContaining(["empty/etc/swift/proxy-server.conf", "empty/docker-compose.yml", "empty/etc/kolla/globals.yml", "empty/etc/sysconfig/memcached", "one-byte/etc/kolla/globals.yml"]));
    expect(result.diagnostics.filter((d) => d.file.startsWith("empty/"))).toEqual([]);
    expect(result.diagnostics.filter((d) => d.code === "internal-error")).toEqual([]);
  });

  it.each(Object.keys(formatters) as FormatName[])("renders %s", (format) => {
    expect(render(result, format).length).toBeGreaterThan(0);
  });
});

describe("large and special inputs, in a child process", () => {
  const root = mkdtempSync(path.join(tmpdir(), "stacklint-hostile-"));
  const at = (relative: string, content: string | Buffer) => {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), content);
    return path.join(root, relative);
  };
  let report: ChildReport;
  let deviceMade = false;
  const LINE_BYTES = 200 * 1024 * 1024;

  beforeAll(async () => {
    at("good/etc/swift/proxy-server.conf", PROXY);
    // A 200 MB line (streamed to disk; stacklint must stream it too), then a real error line.
    const log = at("big/var/log/swift/proxy.log", "");
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(log);
      out.on("error", reject);
      const chunk = Buffer.alloc(4 * 1024 * 1024, "memcache x=y: ");
      let written = 0;
      const write = () => {
        while (written < LINE_BYTES) {
          written += chunk.length;
          if (!out.write(chunk)) return out.once("drain", write);
        }
        out.end(`\n${ERROR_LINE}`, () => resolve());
      };
      write();
    });
    // A 200 MB config file is refused by its size, never read.
    truncateSync(at("big/etc/swift/proxy-server.conf", ""), LINE_BYTES);
    // Deep YAML: 40,000 levels aborted the process inside the yaml package before the bound.
    at("deep/docker-compose.yml", `services:\n  memcached:\n    command: ${"[".repeat(40_000)}\n`);
    at("deep/etc/kolla/globals.yml", `network_interface: ${"- ".repeat(40_000)}eth0\n`);
    // Alias bombs ("billion laughs"): nine levels of nine aliases each; stacklint never expands them.
    const laughs = ['x-lol0: &l0 "lol"', ...Array.from({ length: 9 }, (_, i) => `x-lol${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(", ")}]`)].join("\n");
    at("bomb/docker-compose.yml", `${COMPOSE}${laughs}\n`);
    at("bomb/etc/kolla/globals.yml", `${laughs}\nnetwork_interface: *l9\nkolla_internal_vip_address: "10.0.0.250"\n`);
    // journald JSON: a value nested 100,000 deep, a 5 MB message, a 300,000-byte array, then a real entry.
    const nested = `{"__REALTIME_TIMESTAMP":"1714521601000000","MESSAGE":${"[".repeat(100_000)}"Error connecting to memcached: 10.0.0.11:11211: [Errno 111] ECONNREFUSED"${"]".repeat(100_000)}}`;
    const huge = JSON.stringify({ __REALTIME_TIMESTAMP: "1714521602000000", MESSAGE: `Error connecting to memcached: ${"A".repeat(5 * 1024 * 1024)}` });
    const wide = JSON.stringify({ __REALTIME_TIMESTAMP: "1714521603000000", MESSAGE: Array.from({ length: 300_000 }, () => 65) });
    const ok = JSON.stringify({ __REALTIME_TIMESTAMP: "1714521604000000", _HOSTNAME: "proxy1", SYSLOG_IDENTIFIER: "proxy-server", MESSAGE: "Error connecting to memcached: 10.0.0.11:11211: [Errno 111] ECONNREFUSED (txn: tx9)" });
    at("journal/sos_commands/logs/journal.json", `${nested}\n${huge}\n${wide}\n${ok}\n`);
    // Symlink loops inside an input folder.
    mkdirSync(path.join(root, "loops/etc/swift"), { recursive: true });
    symlinkSync(".", path.join(root, "loops/etc/swift/self"));
    symlinkSync("b.conf", path.join(root, "loops/etc/swift/a.conf"));
    symlinkSync("a.conf", path.join(root, "loops/etc/swift/b.conf"));
    // A FIFO where a log belongs (open() would wait forever for a writer) and a device file.
    mkdirSync(path.join(root, "special/var/log/swift"), { recursive: true });
    mkdirSync(path.join(root, "special/etc/swift"), { recursive: true });
    await run("mkfifo", [path.join(root, "special/var/log/swift/proxy.log")]);
    try {
      await run("mknod", [path.join(root, "special/etc/swift/proxy-server.conf"), "c", "1", "3"]);
      deviceMade = true;
    } catch {
      // Not root (or no CAP_MKNOD): the device case is skipped below, with its reason.
    }
    report = await analyzeInChild(root, [root]);
  }, 300_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("streams a 200 MB line: one diagnostic, the next line still read, peak RSS ≤ 256 MB", () => {
    expect(triples(report.diagnostics)).toContainEqual(["big/var/log/swift/proxy.log", "log-line-too-long", 1]);
    expect(report.logSources).toContainEqual({ file: "big/var/log/swift/proxy.log", events: 1 });
    expect(report.findings).toContainEqual(expect.objectContaining({ file: "big/var/log/swift/proxy.log", line: 2 }));
    expect(triples(report.diagnostics)).toContainEqual(["big/etc/swift/proxy-server.conf", "file-too-large", null]);
    console.log(`hostile bundle: peak RSS ${report.maxRssMB.toFixed(0)} MB, ${(report.wallMs / 1000).toFixed(1)} s`);
    expect(report.maxRssMB).toBeLessThanOrEqual(256);
  });

  it("bounds deep YAML before parsing it", () => {
    expect(triples(report.diagnostics)).toEqual(expect.arrayContaining([["deep/docker-compose.yml", "yaml-too-complex", 3], ["deep/etc/kolla/globals.yml", "yaml-too-complex", 1]]));
  });

  it("never expands YAML aliases: alias bombs parse quickly and the rest of the file is used", () => {
    expect(triples(report.diagnostics.filter((d) => d.file.startsWith("bomb/")))).toEqual([
      ["bomb/docker-compose.yml", "yaml-alias-not-followed", 8],
      ["bomb/etc/kolla/globals.yml", "yaml-alias-not-followed", 2],
    ]);
    expect(report.findings).toContainEqual({ ruleId: "SL202", file: "bomb/docker-compose.yml", line: 2 });
    expect(report.analyzed).toContain("bomb/etc/kolla/globals.yml");
  });

  it("reads journald JSON past a 100,000-deep value, a 5 MB message and a 300,000-byte array", () => {
    const journal = report.diagnostics.filter((d) => d.file === "journal/sos_commands/logs/journal.json");
    expect(triples(journal)).toEqual([["journal/sos_commands/logs/journal.json", "log-line-too-long", 2]]);
    expect(report.logSources).toContainEqual({ file: "journal/sos_commands/logs/journal.json", events: 2 });
  });

  it("does not follow symlink loops, and says so", () => {
    expect(triples(report.diagnostics)).toEqual(expect.arrayContaining(["a.conf", "b.conf", "self"].map((name) => [`loops/etc/swift/${name}`, "symlink", null])));
  });

  it("skips a FIFO with a note instead of waiting for a writer", () => {
    expect(triples(report.diagnostics)).toContainEqual(["special/var/log/swift/proxy.log", "special-file", null]);
  });

  it.skipIf(!isRoot)("skips a device file with a note (needs root to mknod)", () => {
    expect(deviceMade).toBe(true);
    expect(triples(report.diagnostics)).toContainEqual(["special/etc/swift/proxy-server.conf", "special-file", null]);
  });

  it("still analyzes the good host and renders every format", () => {
    expect(report.findings).toContainEqual({ ruleId: "SL101", file: "good/etc/swift/proxy-server.conf", line: 9 });
    expect(report.diagnostics.filter((d) => d.code === "internal-error" || d.code === "log-read-error")).toEqual([]);
    for (const format of Object.keys(formatters)) expect(report.outputs[format]).toBeGreaterThan(0);
  });
});

describe("hostile paths named directly on the command line", () => {
  const root = mkdtempSync(path.join(tmpdir(), "stacklint-hostile-direct-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("a symlink loop, a link to a FIFO and a FIFO: diagnostics, no hang", async () => {
    symlinkSync("loop.conf", path.join(root, "loop.conf"));
    await run("mkfifo", [path.join(root, "fifo")]);
    symlinkSync("fifo", path.join(root, "journal.json"));
    symlinkSync("fifo", path.join(root, "proxy-server.conf"));
    writeFileSync(path.join(root, "memcache.conf"), "[memcache]\nmemcache_servers = 10.0.0.11:11211\n");
    const report = await analyzeInChild(root, ["loop.conf", "fifo", "journal.json", "proxy-server.conf", "memcache.conf"], 60_000);
    expect(triples(report.diagnostics)).toEqual(
      expect.arrayContaining([
        ["loop.conf", "unreadable-file", null],
        ["fifo", "unknown-path", null],
        ["proxy-server.conf", "special-file", null],
      ]),
    );
    expect(report.analyzed).toContain("memcache.conf");
  }, 90_000);
});

describe("unreadable files", () => {
  // chmod 000 does not stop root (CI runs as root); the test needs an ordinary user.
  it.skipIf(isRoot)("an unreadable config file and an unreadable log are diagnostics (skipped as root: root reads mode-000 files)", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "stacklint-unreadable-"));
    try {
      mkdirSync(path.join(root, "etc/swift"), { recursive: true });
      mkdirSync(path.join(root, "var/log/swift"), { recursive: true });
      writeFileSync(path.join(root, "etc/swift/proxy-server.conf"), PROXY);
      writeFileSync(path.join(root, "var/log/swift/proxy.log"), ERROR_LINE);
      chmodSync(path.join(root, "etc/swift/proxy-server.conf"), 0o000);
      chmodSync(path.join(root, "var/log/swift/proxy.log"), 0o000);
      const result = await analyze({ inputs: [root], baseDirectory: root });
      expect(triples(result.diagnostics)).toEqual(expect.arrayContaining([["etc/swift/proxy-server.conf", "unreadable-file", null], ["var/log/swift/proxy.log", "log-unreadable", null]]));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("firewall jump chains: 20,000 deep, and cycles, through the format entry point", () => {
  const syn: Packet = { family: "ipv4", saddr: "10.0.0.5", daddr: "10.0.0.10", protocol: "tcp", dport: 11211, hook: "input", iif: "eth1" };
  const cpuMs = (work: () => unknown) => {
    const start = process.cpuUsage();
    work();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };

  it("nft: a 20,000-deep jump chain is walked in bounded time and is unknown: nf_tables refuses nesting past 15", () => {
    const depth = 20_000;
    const chains = [`table inet t {`, ` chain input { type filter hook input priority 0; policy drop; jump c0; }`];
    for (let i = 0; i < depth - 1; i++) chains.push(` chain c${i} { jump c${i + 1}; }`);
    chains.push(` chain c${depth - 1} { tcp dport 11211 accept; }`, `}`);
    let result: ReturnType<typeof evaluate> | undefined;
    const ms = cpuMs(() => {
      const parsed = parseFirewall("nft", "nftables.conf", chains.join("\n"));
      expect(parsed.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      result = evaluate(parsed.ruleset, syn);
    });
    expect(result).toMatchObject({ verdict: "unknown", unknownReason: expect.stringMatching(/nests chains 16 deep; nf_tables refuses/u), unknownLocation: { line: 17 } });
    expect(ms).toBeLessThan(10_000);
  });

  it("the nesting limit is nf_tables' own: 15 levels decide, 16 do not; iptables-legacy dumps have none", () => {
    const nft = (levels: number, verb: "jump" | "goto") => {
      const lines = [`table inet t {`, ` chain input { type filter hook input priority 0; policy drop; ${verb} c1; }`];
      for (let i = 1; i < levels; i++) lines.push(` chain c${i} { ${verb} c${i + 1}; }`);
      lines.push(` chain c${levels} { tcp dport 11211 accept; }`, `}`);
      return evaluate(parseFirewall("nft", "nftables.conf", lines.join("\n")).ruleset, syn).verdict;
    };
    // Measured in a network namespace: `nft -f` loads 15 nested jumps (or gotos) and refuses 16 with "Too many links".
    expect([nft(15, "jump"), nft(16, "jump"), nft(15, "goto"), nft(16, "goto")]).toEqual(["accept", "unknown", "accept", "unknown"]);
    const save = (levels: number, header: string) => {
      const lines = [header, "*filter", ":INPUT DROP [0:0]", ...Array.from({ length: levels }, (_, i) => `:C${i + 1} - [0:0]`), "-A INPUT -j C1"];
      for (let i = 1; i < levels; i++) lines.push(`-A C${i} -j C${i + 1}`);
      lines.push(`-A C${levels} -p tcp --dport 11211 -j ACCEPT`, "COMMIT");
      return evaluate(parseFirewall("iptables-save", "rules.v4", lines.join("\n")).ruleset, syn).verdict;
    };
    // iptables-nft-restore refuses 16 ("RULE_APPEND failed (Too many links)"); iptables-legacy-restore loads 20.
    expect(save(15, "# Generated by iptables-save v1.8.9 (nf_tables) on Sat Nov 21 04:40:00 2026")).toBe("accept");
    expect(save(16, "# Generated by iptables-save v1.8.9 (nf_tables) on Sat Nov 21 04:40:00 2026")).toBe("unknown");
    expect(save(20, "# Generated by iptables-save v1.8.9 (legacy) on Sat Nov 21 04:40:00 2026")).toBe("accept");
    expect(save(20, "# a dump that does not name its backend")).toBe("accept");
  });

  it("a whole run: SL301 on a 20,000-deep chain names the deciding rule and keeps its message short; a cycle is a note", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "stacklint-deep-chain-"));
    try {
      const depth = 20_000;
      const lines = ["*filter", ":INPUT ACCEPT [0:0]", ...Array.from({ length: depth }, (_, i) => `:C${i} - [0:0]`), "-A INPUT -j C0"];
      for (let i = 0; i < depth - 1; i++) lines.push(`-A C${i} -j C${i + 1}`);
      lines.push(`-A C${depth - 1} -p tcp --dport 11211 -j DROP`, "COMMIT");
      for (const [host, ruleset] of [
        ["deep", lines.join("\n")],
        ["cycle", "*filter\n:INPUT ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n-A INPUT -j A\n-A A -j B\n-A B -j A\nCOMMIT"],
      ] as const) {
        mkdirSync(path.join(root, host, "proxy1/etc/swift"), { recursive: true });
        mkdirSync(path.join(root, host, "ctl1/etc/sysconfig"), { recursive: true });
        mkdirSync(path.join(root, host, "ctl1/sos_commands/networking"), { recursive: true });
        mkdirSync(path.join(root, host, "proxy1/sos_commands/networking"), { recursive: true });
        writeFileSync(path.join(root, host, "proxy1/etc/swift/proxy-server.conf"), PROXY);
        writeFileSync(path.join(root, host, "proxy1/sos_commands/networking/ip_-o_addr"), "2: eth0    inet 10.0.0.21/24 brd 10.0.0.255 scope global eth0\n");
        writeFileSync(path.join(root, host, "ctl1/sos_commands/networking/ip_-o_addr"), "2: eth0    inet 10.0.0.11/24 brd 10.0.0.255 scope global eth0\n");
        writeFileSync(path.join(root, host, "ctl1/etc/sysconfig/iptables"), `${ruleset}\n`);
      }
      const deep = await analyze({ inputs: ["deep"], baseDirectory: root });
      const blocked = deep.findings.filter((f) => f.ruleId === "SL301");
      expect(blocked.map((f) => [f.level, f.location.file, f.location.line])).toEqual([["error", "deep/proxy1/etc/swift/proxy-server.conf", 9]]);
      expect(blocked[0]!.message).toContain("INPUT → C0 → C1 → C2 → C3 → C4 → … 19990 more … → C19995 → C19996 → C19997 → C19998 → C19999 → DROP at line 40003.");
      expect(blocked[0]!.message.length).toBeLessThan(800);
      expect(blocked[0]!.related?.map((r) => [r.location.file, r.location.line])).toEqual([["deep/ctl1/etc/sysconfig/iptables", 2 * depth + 3]]);
      expect(render(deep, "human").length).toBeLessThan(20_000);
      const cycle = await analyze({ inputs: ["cycle"], baseDirectory: root });
      expect(cycle.findings.filter((f) => f.ruleId === "SL301").map((f) => [f.level, f.message.match(/loops back/u)?.[0]])).toEqual([["note", "loops back"]]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("iptables-save and nft: a jump cycle ends as unknown with the reason and line", () => {
    const iptables = parseFirewall("iptables-save", "rules.v4", "*filter\n:INPUT DROP [0:0]\n:A - [0:0]\n:B - [0:0]\n-A INPUT -j A\n-A A -j B\n-A B -j A\nCOMMIT\n");
    expect(evaluate(iptables.ruleset, syn)).toMatchObject({ verdict: "unknown", unknownReason: expect.stringMatching(/loops back/u), unknownLocation: { file: "rules.v4", line: 7 } });
    const nft = parseFirewall("nft", "nftables.conf", "table ip t {\n chain input { type filter hook input priority 0; jump a }\n chain a { jump b }\n chain b { jump a }\n}\n");
    expect(evaluate(nft.ruleset, syn)).toMatchObject({ verdict: "unknown", unknownReason: expect.stringMatching(/loops back/u) });
  });
});
