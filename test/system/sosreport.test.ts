import { execFile, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import type { AnalysisResult } from "../../src/engine/result.js";
import { freePort, waitForPort } from "./drivers/loopback.js";

/**
 * Debian's sosreport (4.0 in bookworm; installed by .ci/run) writes a real .tar.xz of this
 * machine while a memcached listens on loopback; stacklint reads the archive sos wrote and must
 * find what the machine itself says: its hostname, its addresses (`ip -o addr`), its somaxconn,
 * the memcached listener, and the settings of Debian's /etc/memcached.conf.
 * Plugins are limited to what stacklint reads, so sos runs in seconds; sos 4.0 has no
 * firewall_tables plugin (its memcached plugin copies /etc/memcached.conf and /etc/default/memcached).
 */
const run = promisify(execFile);
const PLUGINS = "memcached,networking,kernel,logs,systemd,host,date";
const scratch = mkdtempSync(path.join(tmpdir(), "stacklint-sos-"));
const savedTmp = process.env.TMPDIR;
let memcached: ChildProcess | null = null;
let port = 0;
let archive = "";
let result: AnalysisResult;

/** sos as an async child, killed after two minutes. */
function sosReport(outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("sos", ["report", "--batch", "--tmp-dir", outDir, "-o", PLUGINS], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`sos report exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
}

beforeAll(async () => {
  port = await freePort();
  memcached = spawn("/usr/bin/memcached", ["-u", "nobody", "-l", "127.0.0.1", "-p", String(port), "-U", "0"], { stdio: "ignore" });
  await waitForPort(port);
  const outDir = path.join(scratch, "case");
  mkdirSync(outDir);
  await sosReport(outDir);
  archive = readdirSync(outDir).find((f) => f.endsWith(".tar.xz"))!;
  expect(archive).toMatch(/^sosreport-.*\.tar\.xz$/u);
  // stacklint's own temporary folder goes here, to check that it is removed.
  mkdirSync(path.join(scratch, "tmp"));
  process.env.TMPDIR = path.join(scratch, "tmp");
  result = await analyze({ inputs: [path.join("case", archive)], baseDirectory: scratch });
}, 180_000);

afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  memcached?.kill("SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
});

describe("a real sosreport archive", () => {
  it("is one host named by its hostname file, with the addresses of its own ip addr", async () => {
    expect(readdirSync(path.join(scratch, "tmp"))).toEqual([]);
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const hostname = (await run("hostname", [])).stdout.trim();
    expect(result.deployment.hosts.map((h) => h.name)).toEqual([hostname]);
    const host = result.deployment.hosts[0]!;
    expect(host.id).toBe(`case/${archive}!/${archive.replace(/\.tar\.xz$/u, "")}`);
    const ipOutput = (await run("ip", ["-o", "addr"])).stdout;
    const globalAddresses = [...ipOutput.matchAll(/\sinet6? ([0-9a-f.:]+)\/\d+ .*scope global/gu)].map((m) => m[1]!);
    expect(globalAddresses.length).toBeGreaterThan(0);
    for (const address of globalAddresses) expect(host.addresses).toContain(address);
  });

  it("reads the kernel's somaxconn from sos_commands/kernel/sysctl_-a", () => {
    const somaxconn = Number(readFileSync("/proc/sys/net/core/somaxconn", "utf8").trim());
    const kernel = result.deployment.hostKernels.find((k) => k.hostId === result.deployment.hosts[0]!.id)!;
    expect(kernel.somaxconn?.value).toBe(somaxconn);
    expect(JSON.stringify(kernel.somaxconn)).toContain("sos_commands/kernel/sysctl_-a");
  });

  it("sees the memcached listener this test started, in the socket tables sos captured", () => {
    const listeners = result.deployment.observedSockets.flatMap((s) => s.listeners);
    expect(listeners.some((l) => l.port === port && l.protocol === "tcp")).toBe(true);
  });

  it("reads Debian's /etc/memcached.conf as copied by sos's memcached plugin", () => {
    const conf = readFileSync("/etc/memcached.conf", "utf8");
    const memory = Number(/^-m\s+(\d+)/mu.exec(conf)![1]);
    const fromConf = result.deployment.memcachedInstances.find((i) => i.files.some((f) => f.endsWith("/etc/memcached.conf")));
    expect(fromConf).toBeDefined();
    expect(fromConf!.memoryLimitMb.value).toBe(memory);
    expect(fromConf!.port.value).toBe(Number(/^-p\s+(\d+)/mu.exec(conf)?.[1] ?? "11211"));
  });
});

describe("the same sosreport, unpacked or twice", () => {
  const strip = (text: string) => text.replaceAll(`case/${archive}!/`, "").replaceAll("unpacked/", "").replaceAll(`twice/copy-${archive}!/`, "").replaceAll(`twice/${archive}!/`, "");

  it("unpacked by tar, gives the same findings, hosts and analyzed files as the archive", async () => {
    const unpacked = path.join(scratch, "unpacked");
    mkdirSync(unpacked);
    await run("tar", ["-xJf", path.join(scratch, "case", archive), "-C", unpacked]);
    const plain = await analyze({ inputs: ["unpacked"], baseDirectory: scratch });
    expect(strip(JSON.stringify(result.findings))).toBe(strip(JSON.stringify(plain.findings)));
    expect(strip(JSON.stringify(result.deployment.hosts.map((h) => [h.name, h.addresses])))).toBe(strip(JSON.stringify(plain.deployment.hosts.map((h) => [h.name, h.addresses]))));
    expect(result.files.analyzed.map((f) => strip(f.path))).toEqual(plain.files.analyzed.map((f) => strip(f.path)));
  });

  it("given twice in a folder, is one host with a host-merged note", async () => {
    const twice = path.join(scratch, "twice");
    mkdirSync(twice);
    copyFileSync(path.join(scratch, "case", archive), path.join(twice, archive));
    copyFileSync(path.join(scratch, "case", archive), path.join(twice, `copy-${archive}`));
    const both = await analyze({ inputs: ["twice"], baseDirectory: scratch });
    expect(both.deployment.hosts).toHaveLength(1);
    expect(both.diagnostics.filter((d) => d.code === "host-merged")).toHaveLength(1);
    expect(strip(JSON.stringify(both.findings))).toBe(strip(JSON.stringify(result.findings)));
    expect(readdirSync(path.join(scratch, "tmp"))).toEqual([]);
  });
});
