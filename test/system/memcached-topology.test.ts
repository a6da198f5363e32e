import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze.js";
import { parseMemcachedConf } from "../../src/parsers/memcached-conf.js";
import { parseMemcachedArgs } from "../../src/parsers/memcached-args.js";
import { parseSocketTable } from "../../src/parsers/sockets.js";
import { freePort } from "./drivers/loopback.js";

/**
 * Debian's memcached (installed by .ci/run) as the oracle: started on loopback with several flag
 * sets, its `ss -ltnp` listeners and its own `stats settings` must be what stacklint's parsers
 * and instance model say for the same command line.
 */
const MEMCACHED = "/usr/bin/memcached";
const FLAG_SETS: readonly (readonly string[])[] = [
  [],
  ["-c", "2048", "-b", "512", "-m", "128", "-t", "2"],
  ["--conn-limit=4096", "--listen-backlog=2048", "--memory-limit=256", "--threads=8", "-U", "0"],
];

interface Started {
  readonly flags: readonly string[];
  readonly port: number;
  readonly argv: string[];
  readonly child: ChildProcess;
}

const started: Started[] = [];
const scratch = mkdtempSync(path.join(tmpdir(), "stacklint-memcached-"));

/** One request over loopback, bounded by a timeout; memcached ends every answer with END. */
async function ask(port: number, command: string): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to '${command}' on ${port}`));
    }, 5000);
    socket.on("data", (chunk) => {
      text += chunk.toString("utf8");
      if (text.includes("END\r\n")) {
        clearTimeout(timer);
        socket.end();
        resolve(new Map(text.split("\r\n").filter((l) => l.startsWith("STAT ")).map((l) => { const [, k, ...v] = l.split(" "); return [k!, v.join(" ")]; })));
      }
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.write(`${command}\r\n`);
  });
}

async function waitListening(port: number): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await ask(port, "stats");
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`memcached did not listen on ${port}`);
}

beforeAll(async () => {
  for (const flags of FLAG_SETS) {
    const port = await freePort();
    const argv = ["-u", "nobody", "-l", "127.0.0.1", "-p", String(port), ...flags];
    const child = spawn(MEMCACHED, argv, { stdio: "ignore" });
    started.push({ flags, port, argv, child });
    await waitListening(port);
  }
}, 30_000);

afterAll(async () => {
  // memcached handles SIGTERM in its event loop: wait (bounded) for it, then SIGKILL.
  await Promise.all(
    started.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
          const timer = setTimeout(() => {
            s.child.kill("SIGKILL");
            resolve();
          }, 5000);
          s.child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          s.child.kill("SIGTERM");
        }),
    ),
  );
  rmSync(scratch, { recursive: true, force: true });
}, 15_000);

const somaxconn = Number(readFileSync("/proc/sys/net/core/somaxconn", "utf8").trim());
const item = (text: string) => ({ text, location: { file: "argv", line: 1, column: 1, endLine: 1, endColumn: 2 } });

describe("memcached as the oracle", () => {
  it("ss -ltnp: stacklint reads the listener, the process and the backlog memcached asked for", () => {
    const capture = execFileSync("ss", ["-ltnp"], { encoding: "utf8" });
    const table = parseSocketTable("ss_-ltnp", capture);
    expect(table.diagnostics).toEqual([]);
    for (const s of started) {
      const listener = table.listening.find((l) => l.local.port === s.port);
      expect(listener, `port ${s.port}`).toBeDefined();
      expect(listener!.local.address).toBe("127.0.0.1");
      expect(listener!.processes.map((p) => [p.name, p.pid])).toEqual([["memcached", s.child.pid]]);
      const backlog = parseMemcachedArgs(s.argv.map(item)).effective.listenBacklog.value!;
      expect(listener!.acceptBacklog).toBe(Math.min(backlog, somaxconn));
    }
  });

  it.each(FLAG_SETS.map((flags, index) => [index, flags.join(" ") || "(defaults)"] as const))("stats settings agree with the instance model: flag set %i %s", async (index) => {
    const s = started[index]!;
    const settings = await ask(s.port, "stats settings");
    // The same command line as Debian's /etc/memcached.conf, analyzed as a host bundle.
    const root = path.join(scratch, `host${index}`);
    mkdirSync(path.join(root, "etc"), { recursive: true });
    mkdirSync(path.join(root, "sos_commands", "networking"), { recursive: true });
    const conf = ["# written by the system test", "-d", ...pairs(s.argv)].join("\n");
    writeFileSync(path.join(root, "etc", "memcached.conf"), `${conf}\n`);
    writeFileSync(path.join(root, "sos_commands", "networking", "ss_-ltnp"), execFileSync("ss", ["-ltnp"], { encoding: "utf8" }));
    expect(parseMemcachedConf("memcached.conf", conf).diagnostics).toEqual([]);
    const result = await analyze({ inputs: [root], baseDirectory: scratch, rules: [] });
    const instance = result.deployment.memcachedInstances.find((i) => i.source === "memcached.conf")!;
    expect(instance.maxConnections.value).toBe(Number(settings.get("maxconns")));
    expect(instance.listenBacklog.value).toBe(Number(settings.get("tcp_backlog")));
    expect(instance.memoryLimitMb.value! * 1024 * 1024).toBe(Number(settings.get("maxbytes")));
    expect(instance.threads.value).toBe(Number(settings.get("num_threads")));
    expect(instance.port.value).toBe(Number(settings.get("tcpport")));
    expect(instance.udpPort.value).toBe(Number(settings.get("udpport")));
    expect(instance.observedListeners.map((l) => [l.address, l.port])).toEqual([["127.0.0.1", s.port]]);
    const route = result.deployment.hostKernels.find((k) => k.hostId === instance.hostId);
    expect(route === undefined || route.somaxconn.value === null).toBe(true);
  });
});

describe("ESTABLISHED connections: ss -tanp against memcached's own `stats conns`", () => {
  it("counts per client what memcached says it has open, and SL202 compares them with -c", async () => {
    const s = started[1]!; // -c 2048
    const sockets: net.Socket[] = [];
    try {
      for (let k = 0; k < 7; k++) {
        sockets.push(
          await new Promise<net.Socket>((resolve, reject) => {
            const socket = net.connect({ host: "127.0.0.1", port: s.port }, () => resolve(socket));
            socket.once("error", reject);
          }),
        );
      }
      // memcached accepts in its event loop: wait (bounded) until it reports all seven.
      let open = 0;
      for (let attempt = 0; attempt < 50; attempt++) {
        const conns = await ask(s.port, "stats conns");
        const states = [...conns].filter(([k]) => k.endsWith(":state")).map(([, v]) => v);
        // Not the listener, not the connection asking.
        open = states.filter((v) => v !== "conn_listening").length - 1;
        if (open === sockets.length) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(open).toBe(7);
      const capture = (await promisify(execFile)("ss", ["-tanp"], { encoding: "utf8" })).stdout;
      const root = path.join(scratch, "established");
      mkdirSync(path.join(root, "etc"), { recursive: true });
      mkdirSync(path.join(root, "sos_commands", "networking"), { recursive: true });
      writeFileSync(path.join(root, "etc", "memcached.conf"), `${pairs(s.argv).join("\n")}\n`);
      writeFileSync(path.join(root, "sos_commands", "networking", "ss_-tanp"), capture);
      const result = await analyze({ inputs: [root], baseDirectory: scratch, settings: { maxConnectionsFloor: 1 } });
      const instance = result.deployment.memcachedInstances.find((i) => i.source === "memcached.conf")!;
      const demand = result.deployment.connectionDemand.find((d) => d.instanceId === instance.id)!;
      // The capture may also hold the stats connection closing: only ESTABLISHED ones count.
      expect(demand).toMatchObject({ seenFrom: "server", port: s.port });
      expect(demand.clients.map((c) => [c.address, c.connections])).toEqual([["127.0.0.1", open]]);
      expect(result.findings.filter((f) => f.ruleId === "SL202")).toEqual([]);
      // The same capture against a limit below the demand: SL202 shows the arithmetic.
      writeFileSync(path.join(root, "etc", "memcached.conf"), `${pairs(s.argv).join("\n").replace("-c 2048", "-c 8")}\n`);
      const low = await analyze({ inputs: [root], baseDirectory: scratch, settings: { maxConnectionsFloor: 1 } });
      const finding = low.findings.find((f) => f.ruleId === "SL202")!;
      expect(finding.message).toContain(`-c 8 (written) but ${open} connections to it were ESTABLISHED`);
      expect(finding.message).toContain(`127.0.0.1 (established) ${open} = ${open}`);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });
});

/** argv as memcached.conf lines: one option (with its argument) per line. */
function pairs(argv: readonly string[]): string[] {
  const lines: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const word = argv[k]!;
    if (word.startsWith("-") && !word.includes("=") && argv[k + 1] !== undefined && !argv[k + 1]!.startsWith("-")) {
      lines.push(`${word} ${argv[k + 1]}`);
      k++;
    } else lines.push(word);
  }
  return lines;
}
