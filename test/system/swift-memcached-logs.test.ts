import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractEvent, readLog, type LogEvent } from "../../src/parsers/logs/index.js";
import { repoRoot } from "../helpers/rule-harness.js";
import { freePort, waitForPort } from "./drivers/loopback.js";

/**
 * Real Swift (Debian python3-swift) and real memcached (Debian memcached) on loopback: Swift's
 * MemcacheRing talks to a running memcached and to a closed port, logs through Swift's own
 * SwiftLogFormatter/LogAdapter into a file, and stacklint's reader must recognize every line with
 * the right server and action. Nothing leaves 127.0.0.1; every wait is bounded.
 */
const MEMCACHED = "/usr/bin/memcached";
const PYTHON = "/usr/bin/python3";

describe("Swift's MemcacheRing against memcached on loopback (system)", () => {
  let memcached: ChildProcess | undefined;
  let dir: string;
  let running: number;
  let closed: number;
  let logFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "stacklint-swift-memcached-"));
    logFile = path.join(dir, "proxy.log");
    running = await freePort();
    closed = await freePort();
    while (closed === running) closed = await freePort();
    memcached = spawn(MEMCACHED, ["-l", "127.0.0.1", "-p", String(running), "-U", "0", "-u", "nobody", "-m", "16", "-c", "64"], { stdio: "ignore" });
    await waitForPort(running);
    const driver = spawnSync(PYTHON, [path.join(repoRoot, "test/system/drivers/swift_memcache_driver.py"), logFile, String(running), String(closed)], { encoding: "utf8", timeout: 60_000 });
    if (driver.status !== 0) throw new Error(`driver failed: ${driver.stderr}`);
  });

  afterAll(() => {
    memcached?.kill("SIGTERM");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("recognizes every line Swift printed, with the right server and action", async () => {
    const lines = readFileSync(logFile, "utf8").trim().split("\n");
    expect(lines.length).toBeGreaterThan(3);
    const events: { line: number; event: LogEvent | null }[] = [];
    for await (const record of readLog(logFile, { file: "proxy.log", year: { year: new Date().getUTCFullYear(), source: "flag-year" } })) {
      expect(record.program).toBe("proxy-server");
      expect(record.timestamp).not.toBeNull();
      events.push({ line: record.line, event: extractEvent(record) });
    }
    expect(events).toHaveLength(lines.length);
    const closedServer = `127.0.0.1:${closed}`;
    for (const { line, event } of events) {
      const text = lines[line - 1]!;
      expect(event, text).not.toBeNull();
      if (text.includes("Error connecting to memcached")) {
        expect(event).toMatchObject({ kind: "swift-memcache-error", failure: "Error", action: "connecting", errnoName: "ECONNREFUSED", server: { raw: closedServer, host: "127.0.0.1", port: closed } });
      } else if (text.includes("Error limiting server")) {
        expect(event).toMatchObject({ kind: "swift-memcache-error-limited", server: { raw: closedServer } });
      } else if (text.includes("All memcached servers error-limited")) {
        expect(event).toMatchObject({ kind: "swift-memcache-all-failing", reason: "all-error-limited" });
      } else {
        throw new Error(`a line the test does not expect: ${text}`);
      }
      // The running memcached never appears in an error.
      expect(text).not.toContain(`127.0.0.1:${running}`);
    }
    const withTxn = events.filter((e) => e.event && "txnId" in e.event && e.event.txnId === "tx0123456789abcdef01234-0066326800");
    expect(withTxn.length).toBeGreaterThan(0);
    expect(events.some((e) => e.event?.kind === "swift-memcache-error-limited")).toBe(true);
  });

  it("memcached itself is up and answers on the running port", async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port: running, timeout: 2000 }, () => socket.write("version\r\n"));
      socket.once("data", (data) => (socket.destroy(), resolve(data.toString())));
      socket.once("error", reject);
      socket.once("timeout", () => (socket.destroy(), reject(new Error("timeout"))));
    });
    expect(reply).toMatch(/^VERSION 1\./u);
  });
});
