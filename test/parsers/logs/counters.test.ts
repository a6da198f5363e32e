import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  counterValue,
  parseCounterFile,
  parseMemcachedStats,
  parseNetstatStatistics,
  parseNstat,
  parseProcNetNetstat,
  sniffCounterKind,
} from "../../../src/parsers/logs/counters.js";
import { repoRoot } from "../../helpers/rule-harness.js";

const fixtures = path.join(repoRoot, "fixtures", "parsers", "logs");
const text = (name: string) => readFileSync(path.join(fixtures, name), "utf8");

/** The value's own text at its location: every counter points at what it read. */
function textAt(source: string, location: { line: number; column: number; endColumn: number }): string {
  const line = source.split("\n")[location.line - 1]!;
  return line.slice(location.column - 1, location.endColumn - 1);
}

describe("memcached stats", () => {
  it("reads a memcached-tool table as sosreport stores it, every value located", () => {
    const name = "sos_commands/memcached/memcached-tool_127.0.0.1_11211_stats";
    const source = text("memcached-tool_127.0.0.1_11211_stats");
    const set = parseCounterFile(name, source)!;
    expect(set).toMatchObject({ kind: "memcached-stats", server: "127.0.0.1:11211", diagnostics: [] });
    expect(set.counters).toHaveLength(21);
    const rejected = counterValue(set, "rejected_connections")!;
    expect(rejected).toMatchObject({ value: "87", numeric: 87, location: { file: name, line: 17, column: 36, endColumn: 38 } });
    expect(counterValue(set, "version")).toMatchObject({ value: "1.6.18", numeric: null });
    for (const counter of set.counters) expect(textAt(source, counter.location)).toBe(counter.value);
  });

  it("reads raw `stats settings` replies (CRLF, END) and tells settings from stats", () => {
    const source = text("memcached-stats-settings.txt");
    const set = parseMemcachedStats("settings.txt", source);
    expect(set.kind).toBe("memcached-settings");
    expect(set.counters.map((c) => [c.name, c.value])).toContainEqual(["maxconns", "1024"]);
    expect(counterValue(set, "evictions")).toMatchObject({ value: "on", numeric: null, location: { line: 6, column: 16 } });
    for (const counter of set.counters) expect(textAt(source, counter.location)).toBe(counter.value);
  });

  it("reads raw `stats` with multi-word values and reports junk lines", () => {
    const set = parseMemcachedStats("s", "STAT pid 1\nSTAT libevent 2.1.12-stable\nSTAT uptime 1140\ngarbage\nEND\n");
    expect(set.kind).toBe("memcached-stats");
    expect(set.counters.map((c) => [c.name, c.value, c.location.line])).toEqual([
      ["pid", "1", 1],
      ["libevent", "2.1.12-stable", 2],
      ["uptime", "1140", 3],
    ]);
    expect(set.diagnostics).toMatchObject([{ code: "memcached-stats-syntax", line: 4 }]);
  });
});

describe("kernel listen-queue counters under their nstat names", () => {
  it("netstat -s: the two sentences, old and new wording", () => {
    const source = [
      "Tcp:",
      "    41823 active connection openings",
      "TcpExt:",
      "    3542 SYN cookies sent",
      "    9107 times the listen queue of a socket overflowed",
      "    9107 SYNs to LISTEN sockets dropped",
      "    TCPBacklogDrop: 12",
      "",
    ].join("\n");
    const set = parseNetstatStatistics("sos_commands/networking/netstat_-s", source);
    expect(counterValue(set, "TcpExtListenOverflows")).toMatchObject({ numeric: 9107, location: { line: 5, column: 5, endColumn: 9 } });
    expect(counterValue(set, "TcpExtListenDrops")).toMatchObject({ numeric: 9107, location: { line: 6 } });
    expect(counterValue(set, "TcpExtTCPBacklogDrop")).toMatchObject({ numeric: 12, location: { line: 7, column: 21 } });
    expect(counterValue(set, "Tcp: active connection openings")).toMatchObject({ numeric: 41823 });
    expect(counterValue(parseNetstatStatistics("n", "TcpExt:\n    8 SYNs to LISTEN sockets ignored\n"), "TcpExtListenDrops")?.numeric).toBe(8);
    for (const counter of set.counters) expect(textAt(source, counter.location)).toBe(counter.value);
  });

  it("nstat -zas", () => {
    const source = "#kernel\nIpInReceives                    1283746            0.0\nTcpExtListenOverflows           12                 0.0\nTcpExtListenDrops               14                 0.0\n";
    const set = parseCounterFile("sos_commands/networking/nstat_-zas", source)!;
    expect(set.kind).toBe("nstat");
    expect(counterValue(set, "TcpExtListenOverflows")).toMatchObject({ numeric: 12, location: { line: 3, column: 33 } });
    for (const counter of set.counters) expect(textAt(source, counter.location)).toBe(counter.value);
  });

  it("/proc/net/netstat header/value pairs", () => {
    const source = [
      "TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed ListenOverflows ListenDrops",
      "TcpExt: 3542 0 0 9107 9107",
      "IpExt: InNoRoutes InTruncatedPkts",
      "IpExt: 0 0",
      "",
    ].join("\n");
    const set = parseCounterFile("proc/net/netstat", source)!;
    expect(set.kind).toBe("proc-net-netstat");
    expect(counterValue(set, "TcpExtListenOverflows")).toMatchObject({ numeric: 9107, location: { line: 2, column: 18 } });
    expect(counterValue(set, "TcpExtListenDrops")).toMatchObject({ numeric: 9107, location: { line: 2, column: 23 } });
    expect(counterValue(set, "IpExtInTruncatedPkts")).toMatchObject({ numeric: 0, location: { line: 4, column: 10 } });
    for (const counter of set.counters) expect(textAt(source, counter.location)).toBe(counter.value);
  });

  it("reports a header/value mismatch in /proc/net/netstat", () => {
    const set = parseProcNetNetstat("p", "TcpExt: A B C\nTcpExt: 1 2\n");
    expect(set.diagnostics).toMatchObject([{ code: "proc-net-netstat-syntax", line: 2 }]);
    expect(set.counters.map((c) => c.name)).toEqual(["TcpExtA", "TcpExtB"]);
  });

  it.each([
    ["sos_commands/memcached/memcached-tool_127.0.0.1_11211_settings", "", "memcached-settings"],
    ["sos_commands/memcached/usr.share.memcached.scripts.memcached-tool_127.0.0.1_11211_stats", "", "memcached-stats"],
    ["sos_commands/networking/netstat_-W_-neopa", "", null],
    ["x", "STAT pid 1\n", "memcached-stats"],
    ["x", "Ip:\n    Forwarding: 1\n", "netstat-statistics"],
    ["x", "hello\n", null],
  ] as const)("sniffs %s", (name, content, kind) => {
    expect(sniffCounterKind(name, content)).toBe(kind);
  });

  it("nstat without the rate column", () => {
    expect(parseNstat("n", "TcpExtListenDrops 3\n").counters).toMatchObject([{ name: "TcpExtListenDrops", numeric: 3 }]);
  });
});
