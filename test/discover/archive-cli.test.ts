import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { TerminalProgress } from "../../src/progress.js";
import { repoRoot } from "../helpers/rule-harness.js";
import { tarGzBytes } from "../helpers/tar-writer.js";

/** The built CLI (npm test builds dist/ first), run asynchronously; stderr is a pipe, not a terminal. */
function stacklint(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, "dist/src/cli.js"), ...args], { cwd, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const scratch = mkdtempSync(path.join(tmpdir(), "stacklint-archive-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
writeFileSync(
  path.join(scratch, "bundle.tar.gz"),
  tarGzBytes([
    { name: "host1/etc/swift/proxy-server.conf", data: "[pipeline:main]\npipeline = cache proxy-server\n[filter:cache]\nuse = egg:swift#memcache\nmemcache_servers = 192.0.2.1:11211\n[app:proxy-server]\nuse = egg:swift#proxy\n" },
    { name: "host1/var/log/swift/proxy.log", data: Buffer.from("a".repeat(99).concat("\n").repeat(21_000)) },
  ]),
);

describe("archive flags", () => {
  it("--max-archive-bytes stops the archive with a diagnostic naming the flag; stderr stays silent off a terminal", async () => {
    const run = await stacklint(scratch, "bundle.tar.gz", "--max-archive-bytes", "1M", "--format", "json", "--fail-on", "never");
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const diagnostics = (JSON.parse(run.stdout) as { diagnostics: { code: string; message: string; file: string }[] }).diagnostics;
    expect(diagnostics.map((d) => [d.code, d.file])).toEqual([["archive-limit", "bundle.tar.gz"]]);
    expect(diagnostics[0]!.message).toContain("more than 1 MiB (--max-archive-bytes)");
  });

  it("without the flag the same archive is read whole", async () => {
    const run = await stacklint(scratch, "bundle.tar.gz", "--format", "json", "--fail-on", "never", "--quiet");
    expect(run.stderr).toBe("");
    expect((JSON.parse(run.stdout) as { diagnostics: unknown[] }).diagnostics).toEqual([]);
  });

  it.each([
    [["--max-archive-bytes", "lots"], /--max-archive-bytes takes a size such as 16G/u],
    [["--max-archive-ratio", "0"], /--max-archive-ratio takes a positive number/u],
    [["--max-archive-ratio", "-5"], /--max-archive-ratio takes a positive number|ambiguous|argument/u],
  ] as [string[], RegExp][])("%j is a usage error", async (args, message) => {
    const run = await stacklint(scratch, "bundle.tar.gz", ...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe("TerminalProgress", () => {
  afterEach(() => vi.useRealTimers());

  it("is silent for short runs, then redraws one line and clears it at the end", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2024-05-01T00:00:00Z"));
    const written: string[] = [];
    const stream = { columns: 200, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
    const progress = new TerminalProgress(stream);
    progress.update({ archive: "case/a.tar.xz", bytes: 8 * 1024 * 1024, members: 10, current: "sosreport-ctl1" });
    expect(written).toEqual([]);
    vi.setSystemTime(new Date("2024-05-01T00:00:02Z"));
    progress.update({ archive: "case/a.tar.xz", bytes: 64 * 1024 * 1024, members: 120, current: "sosreport-ctl1" });
    expect(written).toEqual(["\r\u001b[2Kstacklint: 1 archive(s), 64 MiB and 120 files read; now sosreport-ctl1"]);
    progress.finish();
    expect(written[written.length - 1]).toBe("\r\u001b[2K");
  });

  it("writes nothing at the end when it never drew", () => {
    const written: string[] = [];
    const progress = new TerminalProgress({ write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream);
    progress.finish();
    expect(written).toEqual([]);
  });
});
