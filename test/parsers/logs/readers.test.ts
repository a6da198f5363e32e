import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import type { Diagnostic } from "../../../src/model/diagnostic.js";
import { ByteFilter } from "../../../src/parsers/logs/byte-filter.js";
import { readDockerJson } from "../../../src/parsers/logs/docker-json.js";
import { readJournalExport } from "../../../src/parsers/logs/journal-export.js";
import { readJournalJson } from "../../../src/parsers/logs/journal-json.js";
import { chunksOf, readLines } from "../../../src/parsers/logs/line-reader.js";
import { readLog, sniffLogFormat } from "../../../src/parsers/logs/read-log.js";
import type { LogReadOptions, LogRecord, YearHint } from "../../../src/parsers/logs/record.js";
import { readTextLog } from "../../../src/parsers/logs/text-log.js";
import { corpusRoot, repoRoot } from "../../helpers/rule-harness.js";

const fixtures = path.join(repoRoot, "fixtures", "parsers", "logs");
const fixture = (name: string) => path.join(fixtures, name);

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function read(file: string, options: Partial<LogReadOptions> & { format?: Parameters<typeof readLog>[1]["format"] } = {}) {
  const diagnostics: Diagnostic[] = [];
  const records = await collect(readLog(file, { file: path.basename(file), onDiagnostic: (d) => diagnostics.push(d), ...options }));
  return { records, diagnostics };
}

/** Splits bytes into chunks of `size` to exercise every boundary case of the line splitter. */
function chunked(bytes: Buffer, size: number): AsyncIterable<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return chunksOf(...parts);
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe("the corpus fixtures are the corpus files", () => {
  it.each([
    ["beats-corner-cases.json", "journald"],
    ["beats-journal1.export", "journald"],
    ["beats-sample-journal-event.json", "journald"],
    ["beats-docker_corrupted.log", "docker-logs"],
    ["plaso-container-json.log", "docker-logs"],
  ])("%s", (name, folder) => {
    expect(readFileSync(fixture(name)).equals(readFileSync(path.join(corpusRoot, folder, name)))).toBe(true);
  });
});

describe("journald JSON (real exports)", () => {
  it("reads json-pretty arrays: MESSAGE as a byte array, null values, multi-line messages", async () => {
    const { records, diagnostics } = await read(fixture("beats-corner-cases.json"));
    expect(diagnostics).toEqual([]);
    expect(records).toHaveLength(2);
    const [coredump, pulse] = records as [LogRecord, LogRecord];
    expect(coredump).toMatchObject({
      line: 2,
      syntax: "journal-json",
      host: "millennium-falcon",
      program: "systemd-coredump",
      unit: "systemd-coredump@0-3732-0.service",
      pid: 3740,
      level: "crit",
      timestampSource: "record",
    });
    expect(coredump.timestamp).toBeCloseTo(1719834246841.951, 3);
    expect(coredump.message.split("\n")[0]).toBe("Process 3717 (kdeconnectd) of user 1000 dumped core.");
    // The byte array decodes to the text with its carriage return kept.
    expect(pulse.message).toBe("Unable to parse indicator of AT+BIA command: AT+BIA=1,1,0,0,0\rAT+BCS=2");
    expect(pulse).toMatchObject({ program: "pulseaudio", unit: "user@1000.service", pid: 3728 });
    expect(pulse.line).toBeGreaterThan(coredump.line);
  });

  it("reads a single pretty object", async () => {
    const { records } = await read(fixture("beats-sample-journal-event.json"));
    expect(records).toEqual([
      expect.objectContaining({ line: 1, message: "Count: 0000000001", program: "TestRestartsJournalctlOnError", level: "info", unit: "session-2.scope", pid: 235728 }),
    ]);
    expect(iso(records[0]!.timestamp)).toBe("2024-08-19T15:20:55.230Z");
  });

  it("finds a byte-array MESSAGE through the byte filter (its text is invisible to a byte search)", async () => {
    const filter = new ByteFilter(["AT+BIA"]);
    const { records } = await read(fixture("beats-corner-cases.json"), { filter });
    expect(records.map((r) => r.program)).toEqual(["pulseaudio"]);
    const lines = await read(fixture("proxy-journal.json"), { filter: new ByteFilter(["Timeout connecting"]) });
    expect(lines.records.map((r) => [r.line, r.message])).toEqual([[5, "Timeout connecting to memcached: 192.0.2.12:11211 (txn: tx5b7d9f1a3c5e7a9b1d3f5-00663268e4)"]]);
  });

  it("reads `-o json` lines; a null MESSAGE is flagged, a bad line is a diagnostic", async () => {
    const text = [
      '{"__REALTIME_TIMESTAMP":"1714579683001000","_HOSTNAME":"proxy1","SYSLOG_IDENTIFIER":"proxy-server","MESSAGE":"a"}',
      '{"__REALTIME_TIMESTAMP":"1714579683002000","MESSAGE":null,"_PID":"7"}',
      "not json",
      '{"__REALTIME_TIMESTAMP":"1714579683003000","MESSAGE":["first","second"],"CONTAINER_NAME":"memcached","UNIT":"memcached.service"}',
      "",
    ].join("\n");
    const diagnostics: Diagnostic[] = [];
    const records = await collect(readJournalJson(chunked(Buffer.from(text), 7), { file: "j.json", onDiagnostic: (d) => diagnostics.push(d) }));
    expect(records.map((r) => [r.line, r.message, r.messageOmitted ?? false])).toEqual([
      [1, "a", false],
      [2, "", true],
      [4, "first", false],
    ]);
    expect(records[2]).toMatchObject({ containerName: "memcached", subjectUnit: "memcached.service" });
    expect(diagnostics).toMatchObject([{ code: "journal-json-invalid", line: 3 }]);
  });
});

describe("journald export format", () => {
  it("reads the real export: 10 entries, field order varying, fields missing", async () => {
    const { records, diagnostics } = await read(fixture("beats-journal1.export"));
    expect(diagnostics).toEqual([]);
    expect(records.map((r) => r.message)).toEqual(Array.from({ length: 10 }, (_, i) => `[${String(i + 1).padStart(2, " ")}] log entry`));
    expect(records[0]).toMatchObject({ line: 1, syntax: "journal-export", host: "archlinux", program: "journald-test-1", pid: 7136, level: "info" });
    expect(records[0]!.timestamp).toBeCloseTo(1758137056706.827, 3);
    expect(records[1]!.line).toBe(19);
  });

  function binaryField(name: string, value: Buffer): Buffer {
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(value.length));
    return Buffer.concat([Buffer.from(`${name}\n`), length, value, Buffer.from("\n")]);
  }

  it("reads binary-safe fields (length-prefixed, newlines inside) and counts their newlines", async () => {
    const export_ = Buffer.concat([
      Buffer.from("__REALTIME_TIMESTAMP=1714579683001000\n_HOSTNAME=proxy1\nSYSLOG_IDENTIFIER=proxy-server\n"),
      binaryField("MESSAGE", Buffer.from("Error talking to memcached: 192.0.2.11:11211: incomplete read\nsecond line")),
      binaryField("COREDUMP", Buffer.alloc(5000, 0x0a)),
      Buffer.from("_PID=42\n\n"),
      Buffer.from("__REALTIME_TIMESTAMP=1714579684000000\nMESSAGE=next\n\n"),
    ]);
    for (const size of [1, 3, 64, 100_000]) {
      const records = await collect(readJournalExport(chunked(export_, size), { file: "e.export" }));
      expect(records.map((r) => [r.line, r.message, r.pid ?? null])).toEqual([
        [1, "Error talking to memcached: 192.0.2.11:11211: incomplete read\nsecond line", 42],
        // 3 text lines + MESSAGE name line + 1 newline inside it + its terminator, COREDUMP: name,
        // 5000 newlines inside, terminator; _PID; blank → the next entry starts at line 5011.
        [5011, "next", null],
      ]);
    }
  });

  it("skips an entry with a malformed field and goes on", async () => {
    const diagnostics: Diagnostic[] = [];
    const text = "MESSAGE=one\nnot a field\n\nMESSAGE=two\n";
    const records = await collect(readJournalExport(chunksOf(Buffer.from(text)), { file: "e", onDiagnostic: (d) => diagnostics.push(d) }));
    expect(records.map((r) => r.message)).toEqual(["two"]);
    expect(diagnostics).toMatchObject([{ code: "journal-export-invalid", line: 2 }]);
  });

  it("filters on the message and unit fields", async () => {
    const text = "MESSAGE=noise\n\nMESSAGE=Started memcached.service - memcached daemon.\nUNIT=memcached.service\n\nMESSAGE=x\n_SYSTEMD_UNIT=memcached.service\n\n";
    const records = await collect(readJournalExport(chunksOf(Buffer.from(text)), { file: "e", filter: new ByteFilter(["emcache"]) }));
    expect(records.map((r) => r.line)).toEqual([3, 6]);
  });
});

describe("docker json-file", () => {
  it("reads the real corrupted log: line 7 is a diagnostic, the rest is read", async () => {
    const { records, diagnostics } = await read(fixture("beats-docker_corrupted.log"));
    expect(records).toHaveLength(20);
    expect(records.map((r) => r.line)).not.toContain(7);
    expect(diagnostics).toEqual([expect.objectContaining({ code: "docker-json-invalid", line: 7, severity: "warning" })]);
    expect(records[0]).toMatchObject({ line: 1, message: "Fetching main repository github.com/elastic/beats...", stream: "stdout", syntax: "docker-json" });
    expect(iso(records[0]!.timestamp)).toBe("2016-03-02T22:58:51.338Z");
    expect(records[0]!.timestamp! % 1).toBeCloseTo(0.462311, 3);
  });

  it("reads fractional seconds of 1 to 9 digits, with and without Z", async () => {
    const { records, diagnostics } = await read(fixture("plaso-container-json.log"));
    expect(diagnostics).toEqual([]);
    const base = Date.UTC(2016, 0, 7, 16, 49, 10);
    // Epoch ms in a double keep about 0.25 µs: every digit down to the microsecond survives.
    const offsets = records.map((r) => r.timestamp! - base);
    const expected = [0, 200, 230, 237, 237.2, 237.22, 237.222, 237.2227, 237.22272, 237.222729];
    offsets.forEach((offset, i) => expect(offset).toBeCloseTo(expected[i]!, 3));
    expect(records[0]!.message).toBe("\u001b]0;root@e7d0b7ea5ccf: /home/plaso\u0007root@e7d0b7ea5ccf:/home/plaso# ls");
  });

  it("names the container from config.v2.json beside the log", async () => {
    const logPath = fixture("docker-memcached/4c1d9e2f7a3b5c6d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d-json.log");
    const { records, diagnostics } = await read(logPath);
    expect(records.map((r) => [r.line, r.containerName, r.stream, r.message])).toEqual([
      [1, "memcached", "stderr", "accept4(): Too many open files"],
      [2, "memcached", "stderr", "Too many open connections"],
      [4, "memcached", "stderr", "Too many open connections"],
    ]);
    expect(diagnostics).toMatchObject([{ code: "docker-json-invalid", line: 3 }]);
    expect(iso(records[2]!.timestamp)).toBe("2024-05-01T16:08:05.000Z");
  });

  it("joins a message the daemon split over several entries", async () => {
    const lines = [
      JSON.stringify({ log: "Error talking to memcached: ", stream: "stdout", time: "2024-05-01T16:08:03.1Z" }),
      JSON.stringify({ log: "192.0.2.11:11211: incomplete read\n", stream: "stdout", time: "2024-05-01T16:08:03.2Z" }),
      JSON.stringify({ log: "next\n", stream: "stdout", time: "2024-05-01T16:08:04Z" }),
    ];
    const records = await collect(readDockerJson(chunksOf(Buffer.from(`${lines.join("\n")}\n`)), { file: "x-json.log" }));
    expect(records.map((r) => [r.line, r.message])).toEqual([
      [1, "Error talking to memcached: 192.0.2.11:11211: incomplete read"],
      [3, "next"],
    ]);
  });

  it("reads `docker logs` text with and without --timestamps", async () => {
    const text = "2024-05-01T16:08:02.912345678Z Too many open connections\nToo many open connections\n";
    const records = await collect(readTextLog(chunksOf(Buffer.from(text)), { file: "logs.txt" }, "docker-text"));
    expect(records.map((r) => [r.syntax, iso(r.timestamp), r.message])).toEqual([
      ["docker-timestamp", "2024-05-01T16:08:02.912Z", "Too many open connections"],
      ["plain", null, "Too many open connections"],
    ]);
  });
});

describe("text logs: one syntax per line", () => {
  const year: YearHint = { year: 2024, source: "bundle-year" };
  async function parse(text: string, hint: YearHint | undefined = year) {
    return collect(readTextLog(chunksOf(Buffer.from(text)), { file: "t.log", ...(hint ? { year: hint } : {}) }));
  }

  it.each([
    ["RFC 3164 (space-padded day)", "May  1 16:08:03 proxy1 proxy-server: hello", "rfc3164", "2024-05-01T16:08:03.000Z", "proxy1", "proxy-server", undefined, "hello", "bundle-year"],
    ["journalctl short (zero-padded day)", "May 01 16:08:03 mc1 memcached[4242]: hi", "rfc3164", "2024-05-01T16:08:03.000Z", "mc1", "memcached", 4242, "hi", "bundle-year"],
    ["journalctl short-precise", "May 01 16:08:03.123456 mc1 systemd[1]: x", "rfc3164", "2024-05-01T16:08:03.123Z", "mc1", "systemd", 1, "x", "bundle-year"],
    ["PRI prefix", "<11>May  1 16:08:03 proxy1 proxy-server: e", "rfc3164", "2024-05-01T16:08:03.000Z", "proxy1", "proxy-server", undefined, "e", "bundle-year"],
    ["journalctl short-iso", "2024-05-01T18:08:03+0200 mc1 kernel: k", "rfc3339-syslog", "2024-05-01T16:08:03.000Z", "mc1", "kernel", undefined, "k", "record"],
    ["journalctl short-iso-precise / rsyslog", "2024-05-01T16:08:03.500000+00:00 mc1 kernel: k", "rfc3339-syslog", "2024-05-01T16:08:03.500Z", "mc1", "kernel", undefined, "k", "record"],
    ["journalctl short-full", "Wed 2024-05-01 16:08:03 UTC mc1 systemd[1]: s", "journal-short-full", "2024-05-01T16:08:03.000Z", "mc1", "systemd", 1, "s", "record"],
    ["journalctl short-unix", "1714579683.250000 mc1 systemd[1]: u", "journal-short-unix", "2024-05-01T16:08:03.250Z", "mc1", "systemd", 1, "u", "record"],
    ["RFC 5424", '<11>1 2024-05-01T16:08:03.123Z proxy1 proxy-server 2817 - [meta x="a\\]b"] Timeout connecting to memcached: 192.0.2.12:11211', "rfc5424", "2024-05-01T16:08:03.123Z", "proxy1", "proxy-server", 2817, "Timeout connecting to memcached: 192.0.2.12:11211", "record"],
    ["RFC 5424 nil SD and BOM", "<14>1 2024-05-01T16:08:03Z h app - - - \uFEFFmsg", "rfc5424", "2024-05-01T16:08:03.000Z", "h", "app", undefined, "msg", "record"],
    ["docker --timestamps in a text file", "2024-05-01T16:08:03.123456789Z Error connecting to memcached: 192.0.2.11:11211: [Errno 111] ECONNREFUSED", "docker-timestamp", "2024-05-01T16:08:03.123Z", undefined, undefined, undefined, "Error connecting to memcached: 192.0.2.11:11211: [Errno 111] ECONNREFUSED", "record"],
    ["no timestamp", "Too many open connections", "plain", null, undefined, undefined, undefined, "Too many open connections", "none"],
  ])("%s", async (_name, line, syntax, time, host, program, pid, message, source) => {
    const [record] = await parse(`${line}\n`);
    expect(record).toMatchObject({ syntax, message, timestampSource: source, line: 1 });
    expect(iso(record!.timestamp)).toBe(time);
    expect(record!.host).toBe(host);
    expect(record!.program).toBe(program);
    expect(record!.pid).toBe(pid);
  });

  it("reads oslo.log lines: pid, level, logger, context dropped from the message", async () => {
    const [record] = await parse(
      "2017-09-17 20:40:09.782 20640 WARNING keystonemiddleware.auth_token [-] Using the in-process token cache is deprecated as of the 4.2.0 release\n",
    );
    expect(record).toMatchObject({
      syntax: "oslo",
      pid: 20640,
      level: "WARNING",
      logger: "keystonemiddleware.auth_token",
      message: "Using the in-process token cache is deprecated as of the 4.2.0 release",
      zoneAssumed: true,
    });
    expect(iso(record!.timestamp)).toBe("2017-09-17T20:40:09.782Z");
    const [withContext] = await parse("2024-05-01 16:08:03.123 1234 ERROR oslo_cache.core [req-1 u p - - -] boom\n");
    expect(withContext!.message).toBe("boom");
  });

  it("applies the caller's UTC offset to zone-less stamps", async () => {
    const records = await collect(
      readTextLog(chunksOf(Buffer.from("May  1 18:08:03 h p: m\n2024-05-01 18:08:03.000 1 INFO x [-] m\n")), { file: "t", year, utcOffsetMinutes: 120 }),
    );
    expect(records.map((r) => iso(r.timestamp))).toEqual(["2024-05-01T16:08:03.000Z", "2024-05-01T16:08:03.000Z"]);
  });

  it("moves to the next year when December is followed by January", async () => {
    const records = await parse("Dec 31 23:59:59 h p: a\nJan  1 00:00:01 h p: b\nDec 31 23:59:58 h p: straggler\nJan  1 00:00:02 h p: c\n", {
      year: 2023,
      source: "assumed-year",
    });
    expect(records.map((r) => [iso(r.timestamp), r.timestampSource])).toEqual([
      ["2023-12-31T23:59:59.000Z", "assumed-year"],
      ["2024-01-01T00:00:01.000Z", "assumed-year"],
      ["2023-12-31T23:59:58.000Z", "assumed-year"],
      ["2024-01-01T00:00:02.000Z", "assumed-year"],
    ]);
  });

  it("with a reference time, gives each stamp the latest year not after it", async () => {
    const records = await parse("Dec 31 23:59:59 h p: a\nJan  1 00:00:01 h p: b\n", {
      year: 2024,
      source: "bundle-year",
      referenceTime: Date.UTC(2024, 0, 2),
    });
    expect(records.map((r) => iso(r.timestamp))).toEqual(["2023-12-31T23:59:59.000Z", "2024-01-01T00:00:01.000Z"]);
  });

  it("leaves year-less stamps empty without a year, and says so once", async () => {
    const diagnostics: Diagnostic[] = [];
    const records = await collect(readTextLog(chunksOf(Buffer.from("May  1 16:08:03 h p: a\nMay  1 16:08:04 h p: b\n")), { file: "t", onDiagnostic: (d) => diagnostics.push(d) }));
    expect(records.map((r) => [r.timestamp, r.timestampSource])).toEqual([
      [null, "none"],
      [null, "none"],
    ]);
    expect(diagnostics).toMatchObject([{ code: "log-year-unknown", line: 1 }]);
  });

  it("gives journalctl continuation lines their header's time, host and tag", async () => {
    const text = "May 01 16:08:03 mc1 app[7]: first line\n                            second line\nMay 01 16:08:04 mc1 app[7]: next\n";
    const records = await parse(text);
    expect(records.map((r) => [r.line, r.syntax, r.program, iso(r.timestamp), r.message])).toEqual([
      [1, "rfc3164", "app", "2024-05-01T16:08:03.000Z", "first line"],
      [2, "journal-continuation", "app", "2024-05-01T16:08:03.000Z", "second line"],
      [3, "rfc3164", "app", "2024-05-01T16:08:04.000Z", "next"],
    ]);
    // The filter skipped the header, yet the continuation still gets it.
    const filtered = await collect(readTextLog(chunksOf(Buffer.from(text)), { file: "t", year, filter: new ByteFilter(["second"]) }));
    expect(filtered.map((r) => [r.line, r.program, iso(r.timestamp)])).toEqual([[2, "app", "2024-05-01T16:08:03.000Z"]]);
  });
});

describe("sosreport journalctl --no-pager", () => {
  it("takes the year from the file's own span header over the bundle's, across New Year", async () => {
    const { records } = await read(fixture("journalctl_--no-pager"), { year: { year: 2030, source: "bundle-year" } });
    expect(records[0]).toMatchObject({ line: 2, host: "mc1", program: "systemd", pid: 1, timestampSource: "file-year" });
    expect(iso(records[0]!.timestamp)).toBe("2023-12-31T23:58:10.000Z");
    const accept = records.find((r) => r.message.startsWith("accept4"));
    expect(accept).toMatchObject({ line: 7, program: "memcached", pid: 4242 });
    expect(iso(accept!.timestamp)).toBe("2024-01-01T00:00:02.000Z");
    expect(records.some((r) => r.message.includes("Reboot"))).toBe(false);
    expect(records).toHaveLength(12);
  });

  it("lets the user's --year flag win over the header", async () => {
    const { records } = await read(fixture("journalctl_--no-pager"), { year: { year: 2019, source: "flag-year" } });
    expect(records[0]!.timestampSource).toBe("flag-year");
    expect(iso(records[0]!.timestamp)).toBe("2019-12-31T23:58:10.000Z");
    expect(iso(records[records.length - 1]!.timestamp)).toBe("2020-01-01T00:06:00.000Z");
  });
});

describe("files: sniffing, gzip, rotation, bad inputs", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "stacklint-logs-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ["x-json.log", '{"log":"a\\n","stream":"stdout","time":"2024-05-01T16:08:03Z"}\n', "docker-json"],
    ["c.log", '{"log":"a\\n","stream":"stdout","time":"2024-05-01T16:08:03Z"}\n', "docker-json"],
    ["j.json", '{"__CURSOR":"s=1","MESSAGE":"a"}\n', "journal-json"],
    ["j.json", "[\n{\n", "journal-json"],
    ["j.export", "__CURSOR=s=1\n__REALTIME_TIMESTAMP=1\nMESSAGE=a\n\n", "journal-export"],
    ["messages", "May  1 16:08:03 h p: m\n", "text"],
    ["env", "PATH=/usr/bin\n", "text"],
  ] as const)("%s → %s", (name, content, format) => {
    expect(sniffLogFormat(Buffer.from(content), `var/log/${name}`)).toBe(format);
  });

  it("reads rotated .gz (whatever the name) and .1 files the same as the live file", async () => {
    const original = readFileSync(fixture("proxy-server.log"));
    writeFileSync(path.join(dir, "proxy-server.log.2.gz"), gzipSync(original));
    writeFileSync(path.join(dir, "proxy-server.log.1"), original);
    writeFileSync(path.join(dir, "renamed"), gzipSync(original));
    const options = { year: { year: 2024, source: "bundle-year" as const } };
    const live = await read(fixture("proxy-server.log"), options);
    for (const name of ["proxy-server.log.2.gz", "proxy-server.log.1", "renamed"]) {
      const rotated = await read(path.join(dir, name), options);
      expect(rotated.diagnostics).toEqual([]);
      expect(rotated.records.map(({ file: _file, ...rest }) => rest)).toEqual(live.records.map(({ file: _file, ...rest }) => rest));
    }
  });

  it("reports a truncated gzip and keeps what it read", async () => {
    const big = Buffer.from("May  1 16:08:03 h p: line\n".repeat(20_000));
    const gz = gzipSync(big);
    writeFileSync(path.join(dir, "cut.gz"), gz.subarray(0, Math.floor(gz.length / 2)));
    const { records, diagnostics } = await read(path.join(dir, "cut.gz"), { year: { year: 2024, source: "bundle-year" } });
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThan(20_000);
    expect(diagnostics.map((d) => d.code)).toContain("log-read-error");
  });

  it("reports a missing file instead of throwing", async () => {
    const { records, diagnostics } = await read(path.join(dir, "nope.log"));
    expect(records).toEqual([]);
    expect(diagnostics).toMatchObject([{ code: "log-unreadable", severity: "warning" }]);
  });

  it("skips over-long lines with a diagnostic and keeps counting lines", async () => {
    const text = `a\n${"x".repeat(5000)}\nb\n${"y".repeat(5000)}`;
    const diagnostics: Diagnostic[] = [];
    const records = await collect(readTextLog(chunked(Buffer.from(text), 300), { file: "t", maxLineBytes: 1000, onDiagnostic: (d) => diagnostics.push(d) }));
    expect(records.map((r) => [r.line, r.message])).toEqual([
      [1, "a"],
      [3, "b"],
    ]);
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([
      ["log-line-too-long", 2],
      ["log-line-too-long", 4],
    ]);
  });

  it("caps repeated diagnostics per file and summarises the rest", async () => {
    const diagnostics: Diagnostic[] = [];
    await collect(readDockerJson(chunksOf(Buffer.from("garbage\n".repeat(100))), { file: "d", onDiagnostic: (d) => diagnostics.push(d) }));
    expect(diagnostics).toHaveLength(21);
    expect(diagnostics[20]).toMatchObject({ severity: "note", message: expect.stringContaining("80 more") });
  });
});

describe("the line splitter", () => {
  const text = "alpha\r\nbeta needle\n\ngamma\nneedle at the end";
  it.each([1, 2, 3, 5, 7, 64])("gives the same lines and numbers for chunks of %i bytes", async (size) => {
    const lines = await collect(readLines(chunked(Buffer.from(text), size), { maxLineBytes: 1000 }));
    expect(lines.map((l) => [l.line, l.bytes.toString()])).toEqual([
      [1, "alpha"],
      [2, "beta needle"],
      [3, ""],
      [4, "gamma"],
      [5, "needle at the end"],
    ]);
    const filtered = await collect(readLines(chunked(Buffer.from(text), size), { maxLineBytes: 1000, filter: new ByteFilter(["needle"]) }));
    expect(filtered.map((l) => l.line)).toEqual([2, 5]);
  });

  it("finds a needle that straddles a chunk boundary", async () => {
    const bytes = Buffer.from("xxxx\nyy memcached zz\n");
    for (let cut = 1; cut < bytes.length; cut++) {
      const lines = await collect(
        readLines(chunksOf(bytes.subarray(0, cut), bytes.subarray(cut)), { maxLineBytes: 100, filter: new ByteFilter(["emcache"]) }),
      );
      expect(lines.map((l) => l.line)).toEqual([2]);
    }
  });
});
