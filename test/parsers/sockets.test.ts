import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  detectSocketTool,
  listenersOnPort,
  parseNetstat,
  parseNetstatEndpoint,
  parseSocketTable,
  parseSs,
  parseSsEndpoint,
} from "../../src/parsers/sockets.js";
import { repoRoot } from "../helpers/rule-harness.js";
import { FUZZ_PIECES, randomTexts } from "../helpers/random-text.js";

const fixture = (name: string) => {
  const file = `fixtures/parsers/sockets/${name}`;
  return parseSocketTable(file, readFileSync(path.join(repoRoot, file), "utf8"));
};
const summary = (table: ReturnType<typeof fixture>) =>
  table.listening.map((l) => [l.protocol, l.local.address, l.local.port, l.acceptBacklog, l.processes.map((p) => p.name).join(",")]);

describe("endpoints", () => {
  it.each([
    ["0.0.0.0:11211", { address: null, port: 11211, wildcard: true, family: "ipv4" }],
    ["127.0.0.1:11211", { address: "127.0.0.1", port: 11211, wildcard: false, family: "ipv4" }],
    ["[::1]:11211", { address: "::1", port: 11211, family: "ipv6" }],
    ["[::]:22", { address: null, wildcard: true, family: "ipv6" }],
    ["*:11211", { address: null, wildcard: true, family: "any" }],
    ["*:*", { address: null, port: null, wildcard: true }],
    ["0.0.0.0:*", { port: null, wildcard: true }],
    ["127.0.0.53%lo:53", { address: "127.0.0.53", interface: "lo", port: 53 }],
    ["[fe80::1]%eth0:22", { address: "fe80::1", interface: "eth0", family: "ipv6" }],
    ["*%breno1.71:67", { address: null, wildcard: true, interface: "breno1.71", port: 67 }],
    [":::22", { address: null, wildcard: true, family: "ipv6", port: 22 }],
    ["::1:11211", { address: "::1", family: "ipv6", port: 11211 }],
    ["[::ffff:10.0.0.1]:2380", { address: "::ffff:10.0.0.1", mappedIpv4: "10.0.0.1" }],
  ])("ss %s", (raw, expected) => {
    expect(parseSsEndpoint(raw)).toMatchObject(expected);
  });

  it.each([
    [":::22", { address: null, wildcard: true, family: "ipv6", port: 22 }],
    ["::1:323", { address: "::1", port: 323 }],
    ["0.0.0.0:*", { address: null, port: null }],
    ["172.16.1.10:2380", { address: "172.16.1.10", port: 2380, family: "ipv4" }],
  ])("netstat %s", (raw, expected) => {
    expect(parseNetstatEndpoint(raw)).toMatchObject(expected);
  });
});

describe("ss captures", () => {
  it("ss -ltnp (iproute2 5.x layout): listeners, Send-Q = accept backlog", () => {
    const table = fixture("ss_-ltnp");
    expect(table.tool).toBe("ss");
    expect(summary(table)).toEqual([
      ["tcp", "10.0.0.11", 11211, 1024, "memcached"],
      ["tcp", "127.0.0.1", 11211, 1024, "memcached"],
      ["tcp", "127.0.0.53", 53, 4096, "systemd-resolve"],
      ["tcp", null, 22, 128, "sshd"],
      ["tcp", "::1", 11211, 1024, "memcached"],
      ["tcp", null, 22, 128, "sshd"],
    ]);
    const first = table.listening[0]!;
    expect(first.processes).toEqual([{ name: "memcached", pid: 1187, fd: 26 }]);
    expect(first.recvQ).toBe(0);
    expect(first.localLocation).toEqual({ file: "fixtures/parsers/sockets/ss_-ltnp", line: 2, column: 28, endLine: 2, endColumn: 43 });
    expect(first.location).toMatchObject({ line: 2, column: 1 });
    expect(table.listening[2]?.local.interface).toBe("lo");
    expect(table.diagnostics).toEqual([]);
    expect(listenersOnPort(table, 11211).length).toBe(3);
  });

  it("older ss (RHEL 7 era): no Process header, '*' peers, ':::22'", () => {
    const table = fixture("ss_-lntp_rhel7");
    expect(summary(table)).toEqual([
      ["tcp", "10.0.0.12", 11211, 128, "memcached"],
      ["tcp", "127.0.0.1", 11211, 128, "memcached"],
      ["tcp", null, 22, 128, "sshd"],
      ["tcp", null, 22, 128, "sshd"],
    ]);
    expect(table.listening[2]?.local.family).toBe("any");
    expect(table.listening[3]?.local.family).toBe("ipv6");
  });

  it("ss -tanp: connections with peers and states", () => {
    const table = fixture("ss_-tanp");
    expect(table.listening.map((l) => l.local.port)).toEqual([11211]);
    expect(table.connections.map((c) => [c.state, c.local.port, c.peer.address, c.peer.port, c.processes.length])).toEqual([
      ["ESTABLISHED", 11211, "10.0.0.21", 51324, 1],
      ["ESTABLISHED", 11211, "10.0.0.21", 51330, 1],
      ["ESTABLISHED", 11211, "10.0.0.22", 40112, 1],
      ["TIME_WAIT", 11211, "10.0.0.23", 38800, 0],
      ["ESTABLISHED", 22, "10.0.0.1", 60022, 2],
      ["ESTABLISHED", 5000, "::ffff:10.0.0.21", 44870, 1],
    ]);
    expect(table.connections[5]?.peer.mappedIpv4).toBe("10.0.0.21");
  });

  it("ss -peaonmi as sosreport stores it: Netid column, continuation lines, UDP, v6only", () => {
    const table = fixture("ss_-peaonmi");
    expect(summary(table)).toEqual([
      ["udp", "10.0.0.11", 11211, null, "memcached"],
      ["tcp", "10.0.0.11", 11211, 128, "memcached"],
      ["tcp", "127.0.0.1", 11211, 128, "memcached"],
      ["tcp", null, 22, 128, "sshd"],
      ["tcp", null, 9100, 128, "node_exporter"],
    ]);
    expect(table.listening[2]?.recvQ).toBe(3);
    expect(table.listening.map((l) => l.v6only)).toEqual([null, null, null, true, false]);
    expect(table.listening[4]?.local.family).toBe("any");
    expect(table.connections).toHaveLength(1);
    expect(table.connections[0]).toMatchObject({ state: "ESTABLISHED", peer: { address: "10.0.0.21", port: 51324 } });
    expect(table.diagnostics).toEqual([]);
  });

  it("ss -Q (no queue columns)", () => {
    const table = parseSs("f", "State  Local Address:Port Peer Address:Port Process\nLISTEN 10.0.0.1:11211 0.0.0.0:* users:((\"memcached\",pid=1,fd=2))\n");
    expect(table.listening[0]).toMatchObject({ recvQ: null, sendQ: null, acceptBacklog: null, local: { address: "10.0.0.1", port: 11211 } });
  });

  it("older users:((name,pid,fd)) form", () => {
    const table = parseSs("f", 'LISTEN 0 128 *:11211 *:* users:(("memcached",1234,26))\n');
    expect(table.listening[0]?.processes).toEqual([{ name: "memcached", pid: 1234, fd: 26 }]);
  });
});

describe("netstat captures", () => {
  it("netstat -tlnp: listeners, no backlog (netstat's Send-Q is 0 for listeners)", () => {
    const table = fixture("netstat_-tlnp");
    expect(table.tool).toBe("netstat");
    expect(summary(table)).toEqual([
      ["tcp", "10.0.0.13", 11211, null, "memcached"],
      ["tcp", "127.0.0.1", 11211, null, "memcached"],
      ["tcp", null, 22, null, "sshd"],
      ["tcp", "::1", 11211, null, "memcached"],
      ["tcp", null, 22, null, "sshd"],
    ]);
    expect(table.listening[0]?.processes).toEqual([{ name: "memcached", pid: 1402, fd: null }]);
    expect(table.listening[0]?.localLocation).toMatchObject({ line: 3, column: 21, endColumn: 36 });
  });

  it("netstat -W -neopa as sosreport stores it: User/Inode/Timer columns, UDP rows, names with spaces", () => {
    const table = fixture("netstat_-W_-neopa");
    expect(summary(table)).toEqual([
      ["tcp", "10.0.0.13", 11211, null, "memcached"],
      ["tcp", null, 22, null, "sshd"],
      ["udp", "10.0.0.13", 11211, null, "memcached"],
      ["udp", "::1", 323, null, "chronyd"],
    ]);
    expect(table.connections.map((c) => [c.state, c.peer.address, c.processes[0]?.name])).toEqual([
      ["ESTABLISHED", "10.0.0.21", "memcached"],
      ["ESTABLISHED", "10.0.0.1", "sshd: core [pr"],
    ]);
    expect(table.diagnostics).toEqual([]);
  });
});

describe("robustness", () => {
  it("detects the tool", () => {
    expect(detectSocketTool("State Recv-Q\n")).toBe("ss");
    expect(detectSocketTool("Active Internet connections\n")).toBe("netstat");
    expect(detectSocketTool("tcp        0      0 0.0.0.0:22 0.0.0.0:* LISTEN\n")).toBe("netstat");
    expect(detectSocketTool("LISTEN 0 128 *:22 *:*\n")).toBe("ss");
    expect(detectSocketTool("hello\n")).toBeNull();
  });

  it("reports unknown input and unreadable rows without throwing", () => {
    expect(parseSocketTable("f", "hello world\n").diagnostics.map((d) => d.code)).toEqual(["sockets-unknown-format"]);
    expect(parseSocketTable("f", "").diagnostics).toEqual([]);
    expect(parseSs("f", "State Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN x y\nBOGUS 1 2 a b\n").diagnostics.map((d) => [d.code, d.line])).toEqual([
      ["sockets-unreadable-row", 2],
      ["sockets-unreadable-row", 3],
    ]);
    expect(parseNetstat("f", "tcp 0\n").diagnostics.map((d) => d.code)).toEqual(["sockets-unreadable-row"]);
  });

  it("stays linear on long lines", () => {
    const started = Date.now();
    const long = [" ".repeat(200_000), "LISTEN " + " ".repeat(200_000) + "0", 'LISTEN 0 1 a:1 b:2 users:(("' + "x".repeat(100_000), "tcp 0 0 a:1 b:2 LISTEN " + "off (".repeat(50_000) + ")", "(".repeat(100_000)];
    for (const text of long) {
      expect(() => parseSs("f", text)).not.toThrow();
      expect(() => parseNetstat("f", text)).not.toThrow();
    }
    expect(Date.now() - started).toBeLessThan(3000);
  });
});


describe("fuzz", () => {
  it("never throws on random text", () => {
    for (const text of randomTexts(1500, [...FUZZ_PIECES, ...["LISTEN", "ESTAB", "tcp", "udp6", "users:((\"", "Netid", "Proto", "Active "]])) {
      expect(() => parseSocketTable("f", text)).not.toThrow();
      expect(() => parseSs("f", text)).not.toThrow();
      expect(() => parseNetstat("f", text)).not.toThrow();
    }
  });
});
