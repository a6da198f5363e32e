import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import type { AnalysisResult } from "../../src/engine/result.js";
import { formatters, render, type FormatName } from "../../src/reporters/index.js";

/** One bundle of broken files next to one good file: each problem is a diagnostic, the run goes on. */
let root: string;
let result: AnalysisResult;

const PROXY = `[pipeline:main]
pipeline = catch_errors cache proxy-server

[app:proxy-server]
use = egg:swift#proxy

[filter:cache]
use = egg:swift#memcache
memcache_servers = 10.0.0.11:11211
`;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "stacklint-bad-"));
  const at = (relative: string, content: string | Buffer) => {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), content);
  };
  at("good/etc/swift/proxy-server.conf", PROXY);
  at("binary/etc/swift/proxy-server.conf", Buffer.from([0x5b, 0x00, 0x01, 0x02, 0xff]));
  at("latin1/etc/nova/nova.conf", Buffer.concat([Buffer.from("[keystone_authtoken]\nmemcached_servers = 10.0.0.11:11211\n# caf"), Buffer.from([0xe9]), Buffer.from("\n")]));
  at("nosections/etc/swift/proxy-server.conf", "memcache_servers = 10.0.0.11:11211\n");
  at("longline/etc/swift/proxy-server.conf", `${PROXY}# ${"x".repeat(10 * 1024 * 1024)}\n`);
  at("bom/etc/swift/proxy-server.conf", `\uFEFF${PROXY}`);
  at("utf16/etc/swift/memcache.conf", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("[memcache]\nmemcache_servers = 10.0.0.1:11211\n", "utf16le")]));
  at("broken/etc/swift/proxy-server.conf", "[filter:cache\nnonsense line\n");
  symlinkSync("/etc/passwd", path.join(root, "good/etc/swift/link.conf"));
  execFileSync("mkfifo", [path.join(root, "good/etc/swift/fifo.conf")]);
  result = await analyze({ inputs: [root], baseDirectory: root });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("bad input never stops the run", () => {
  it("gives a diagnostic with its file (and line where there is one) for each problem", () => {
    const seen = result.diagnostics.map((d) => [d.file, d.code, d.line ?? null]);
    expect(seen).toEqual(
      expect.arrayContaining([
        ["binary/etc/swift/proxy-server.conf", "binary-file", null],
        ["latin1/etc/nova/nova.conf", "invalid-encoding", 3],
        ["nosections/etc/swift/proxy-server.conf", "ini-no-sections", 1],
        ["longline/etc/swift/proxy-server.conf", "line-too-long", 10],
        ["bom/etc/swift/proxy-server.conf", "invalid-encoding", 1],
        ["utf16/etc/swift/memcache.conf", "invalid-encoding", 1],
        ["broken/etc/swift/proxy-server.conf", "ini-syntax", 2],
        ["good/etc/swift/link.conf", "symlink", null],
        ["good/etc/swift/fifo.conf", "special-file", null],
      ]),
    );
    for (const d of result.diagnostics) expect(d.file).not.toMatch(/^\/|stacklint-bad-/u);
  });

  it("still analyzes the good files (and what could be read of the others)", () => {
    const singles = result.findings.filter((f) => f.ruleId === "SL101").map((f) => f.location.file);
    expect(singles).toEqual(expect.arrayContaining(["good/etc/swift/proxy-server.conf", "longline/etc/swift/proxy-server.conf", "latin1/etc/nova/nova.conf"]));
  });

  it("renders every format without throwing", () => {
    for (const format of Object.keys(formatters) as FormatName[]) expect(render(result, format).length).toBeGreaterThan(0);
  });
});
