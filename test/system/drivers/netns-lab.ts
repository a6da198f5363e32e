import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { LAB_DESTINATIONS, LAB_DESTINATIONS6, LAB_SERVER_IF, LAB_SOURCES, LAB_SOURCES6 } from "../../helpers/firewall-gen.js";

/**
 * A firewall lab made of network namespace pairs: in each, a server namespace (veth `vsrv0` with
 * 10.200.1.1/24 and 10.200.2.1/24, a TCP listener on the lab's ports) and a client namespace
 * (veth `vcli0` with the LAB_SOURCES addresses, a prober that connects from a chosen source
 * address and watches, on a packet socket, what answers the SYN). Nothing leaves the namespaces: the addresses exist only inside them, and the root
 * namespace gets no interface. Every child process is async and bounded.
 */

const here = path.dirname(fileURLToPath(import.meta.url));

/** Debian's python3 (raw sockets for the prober); .ci/run installs it. */
export const PYTHON = "/usr/bin/python3";

export type LoadKind = "iptables" | "iptables-legacy" | "ip6tables" | "ip6tables-legacy" | "nft" | "nft-json";
export type DumpKind = "iptables-nft-save" | "iptables-legacy-save" | "ip6tables-nft-save" | "ip6tables-legacy-save" | "nft-text" | "nft-json";
export type KernelOutcome = "connected" | "error" | "timeout";

export interface Probe {
  readonly src: string;
  readonly dst: string;
  readonly port: number;
}

export interface ProbeResult {
  readonly outcome: KernelOutcome;
  readonly code: string | null;
  readonly ms: number;
}

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** An async child process with a hard time limit (SIGKILL), stdout and stderr collected. */
export function run(command: string, args: readonly string[], timeoutMs = 10_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs} ms)`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: stderr + String(error) });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function must(command: string, args: readonly string[]): Promise<string> {
  const result = await run(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

/** Where a program is, from the usual sbin/bin directories; null when it is not installed. */
export async function which(program: string): Promise<string | null> {
  const result = await run("sh", ["-c", `PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH command -v ${program}`]);
  return result.code === 0 ? result.stdout.trim() : null;
}

/** Every x_tables table empty with ACCEPT policies: a legacy ruleset cannot outlive its case. */
const EMPTY_LEGACY = ["*raw", ":PREROUTING ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", "COMMIT",
  "*mangle", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", "COMMIT",
  "*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", "COMMIT",
  "*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", "COMMIT",
  "*security", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", "COMMIT", ""].join("\n");

/** A long-running helper inside a namespace that talks JSON lines. */
class LineProcess {
  private readonly pending = new Map<number, { resolve: (value: ProbeResult) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  readonly child: ChildProcess;
  stderr = "";

  constructor(namespace: string, argv: readonly string[], onLine?: (line: string) => void) {
    this.child = spawn("ip", ["netns", "exec", namespace, ...argv], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString("utf8")));
    readline.createInterface({ input: this.child.stdout! }).on("line", (line) => {
      if (onLine) return onLine(line);
      const answer = JSON.parse(line) as { id: number } & ProbeResult;
      this.pending.get(answer.id)?.resolve({ outcome: answer.outcome, code: answer.code, ms: answer.ms });
      this.pending.delete(answer.id);
    });
    // A helper that dies fails its pending requests instead of leaving them hanging.
    this.child.once("exit", (code, signal) => {
      for (const { reject } of this.pending.values()) reject(new Error(`${argv.join(" ")} in ${namespace} exited (${code ?? signal}): ${this.stderr.trim()}`));
      this.pending.clear();
    });
  }

  /** One request; it fails after `limitMs` without an answer. */
  request(body: object, limitMs = 10_000): Promise<ProbeResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to ${JSON.stringify(body)} within ${limitMs} ms: ${this.stderr.trim()}`));
      }, limitMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.stdin!.write(JSON.stringify({ id, ...body }) + "\n");
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.child.kill("SIGKILL");
        resolve();
      }, 2000);
      this.child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.stdin!.end();
    });
  }
}

export class LabPair {
  private legacyUsed = false;
  private legacy6Used = false;
  private prober: LineProcess | null = null;
  private listener: LineProcess | null = null;

  constructor(
    readonly server: string,
    readonly client: string,
    private readonly scratch: string,
  ) {}

  async setUp(ports: readonly number[]): Promise<void> {
    await must("ip", ["netns", "add", this.server]);
    await must("ip", ["netns", "add", this.client]);
    // Both ends are created directly inside their namespaces: the root namespace never sees them.
    await must("ip", ["link", "add", LAB_SERVER_IF, "netns", this.server, "type", "veth", "peer", "name", "vcli0", "netns", this.client]);
    const inServer = (...args: string[]) => must("ip", ["netns", "exec", this.server, ...args]);
    const inClient = (...args: string[]) => must("ip", ["netns", "exec", this.client, ...args]);
    await inServer("ip", "link", "set", "lo", "up");
    await inClient("ip", "link", "set", "lo", "up");
    for (const address of LAB_DESTINATIONS) await inServer("ip", "addr", "add", `${address}/24`, "dev", LAB_SERVER_IF);
    for (const address of LAB_SOURCES) await inClient("ip", "addr", "add", `${address}/24`, "dev", "vcli0");
    // IPv6 images of the same addresses; nodad: usable at once, no duplicate-address detection wait.
    for (const address of LAB_DESTINATIONS6) await inServer("ip", "addr", "add", `${address}/64`, "dev", LAB_SERVER_IF, "nodad");
    for (const address of LAB_SOURCES6) await inClient("ip", "addr", "add", `${address}/64`, "dev", "vcli0", "nodad");
    // Fixed MAC addresses and permanent IPv6 neighbours: a ruleset that drops ICMPv6 (policy drop
    // without an ND exception) must not decide the probe by breaking neighbour discovery, which
    // the evaluator does not model (the probe is about the SYN). ARP is not filtered by ip/inet.
    await inServer("ip", "link", "set", LAB_SERVER_IF, "address", "02:00:00:00:00:01");
    await inClient("ip", "link", "set", "vcli0", "address", "02:00:00:00:00:02");
    for (const address of LAB_SOURCES6) await inServer("ip", "-6", "neigh", "add", address, "lladdr", "02:00:00:00:00:02", "dev", LAB_SERVER_IF, "nud", "permanent");
    for (const address of LAB_DESTINATIONS6) await inClient("ip", "-6", "neigh", "add", address, "lladdr", "02:00:00:00:00:01", "dev", "vcli0", "nud", "permanent");
    await inServer("ip", "link", "set", LAB_SERVER_IF, "up");
    await inClient("ip", "link", "set", "vcli0", "up");
    // REJECT answers with ICMP: the per-peer and global ICMP rate limits would turn a burst of
    // rejects into apparent drops, so they are lifted inside the server namespace (only there).
    await inServer("sysctl", "-q", "-w", "net.ipv4.icmp_ratelimit=0", "net.ipv4.icmp_msgs_per_sec=1000000", "net.ipv4.icmp_msgs_burst=1000000", "net.ipv6.icmp.ratelimit=0");
    // No duplicate-address detection delay is involved (IPv4 only); wait for the link to be up.
    this.listener = await new Promise<LineProcess>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`listener in ${this.server} did not start`)), 10_000);
      const listener: LineProcess = new LineProcess(this.server, [process.execPath, path.join(here, "netns-listener.mjs"), ...ports.map(String)], (line) => {
        if (line === "ready") {
          clearTimeout(timer);
          resolve(listener);
        }
      });
      listener.child.once("exit", (code) => reject(new Error(`listener exited (${code}): ${listener.stderr}`)));
    });
    this.prober = new LineProcess(this.client, [PYTHON, path.join(here, "netns_prober.py"), "vcli0"]);
  }

  /** Empties every table (nft and both iptables backends), then loads the ruleset. */
  async load(kind: LoadKind, text: string): Promise<RunResult> {
    const file = path.join(this.scratch, `${this.server}.rules`);
    writeFileSync(file, text);
    const reset = ["nft flush ruleset"];
    this.legacyUsed ||= kind === "iptables-legacy";
    this.legacy6Used ||= kind === "ip6tables-legacy";
    if (this.legacyUsed) reset.push(`iptables-legacy-restore ${path.join(this.scratch, "empty-legacy")}`);
    if (this.legacy6Used) reset.push(`ip6tables-legacy-restore ${path.join(this.scratch, "empty-legacy")}`);
    const load = {
      iptables: `iptables-nft-restore ${file}`,
      "iptables-legacy": `iptables-legacy-restore ${file}`,
      ip6tables: `ip6tables-nft-restore ${file}`,
      "ip6tables-legacy": `ip6tables-legacy-restore ${file}`,
      nft: `nft -f ${file}`,
      "nft-json": `nft -j -f ${file}`,
    }[kind];
    return run("ip", ["netns", "exec", this.server, "sh", "-c", `PATH=/usr/sbin:/usr/bin:/sbin:/bin; ${reset.join(" && ")} && ${load}`]);
  }

  /** The kernel's ruleset as its own tools print it. */
  async dump(kind: DumpKind): Promise<string> {
    const command = kind === "nft-text" ? "nft list ruleset" : kind === "nft-json" ? "nft -j list ruleset" : kind;
    const result = await run("ip", ["netns", "exec", this.server, "sh", "-c", `PATH=/usr/sbin:/usr/bin:/sbin:/bin; ${command}`]);
    if (result.code !== 0) throw new Error(`${command} in ${this.server} failed: ${result.stderr}`);
    return result.stdout;
  }

  async debug(): Promise<string> {
    const server = await run("ip", ["netns", "exec", this.server, "sh", "-c", "PATH=/usr/sbin:/usr/bin:/sbin:/bin; nft list ruleset | head -12 | tr '\\n' '|'; ip -s link show vsrv0 | tr '\\n' ' '; nstat -a | grep -E -i 'drop|fail|reject|overflow|paws|InSegs|OutSegs|InReceives|Discard|Syncookies|Retrans|Attempt|Passive|Active'  | tr -s ' ' | tr '\\n' ';'; ss -ltn | head -3 | tr '\\n' ';'; ss -tan | awk '{print $1}' | sort | uniq -c | tr '\\n' ';'; ip neigh | tr '\\n' ';'"]);
    const client = await run("ip", ["netns", "exec", this.client, "sh", "-c", "PATH=/usr/sbin:/usr/bin:/sbin:/bin; ss -tan | awk '{print $1}' | sort | uniq -c | tr '\\n' ';'; ip neigh | tr '\\n' ';'"]);
    const prober = await this.prober!.request({ stats: true });
    return `server: ${server.stdout} client: ${client.stdout} prober: ${prober.code}`;
  }

  probe(probe: Probe, timeoutMs: number): Promise<ProbeResult> {
    return this.prober!.request({ ...probe, timeoutMs }, timeoutMs + 10_000);
  }

  async tearDown(): Promise<void> {
    await Promise.all([this.prober?.stop(), this.listener?.stop()]);
    await run("ip", ["netns", "del", this.server]);
    await run("ip", ["netns", "del", this.client]);
  }
}

export class Lab {
  readonly pairs: LabPair[] = [];
  readonly scratch = mkdtempSync(path.join(tmpdir(), "stacklint-fwlab-"));

  /** Namespace names carry the pid, so parallel runs and leftovers of a killed run never clash. */
  async setUp(count: number, ports: readonly number[]): Promise<void> {
    // Written once: rewriting a file that other pairs' restores are reading would hand them an
    // empty file, and an empty restore succeeds without resetting anything.
    writeFileSync(path.join(this.scratch, "empty-legacy"), EMPTY_LEGACY);
    for (let i = 0; i < count; i++) this.pairs.push(new LabPair(`slfw${process.pid}s${i}`, `slfw${process.pid}c${i}`, this.scratch));
    await Promise.all(this.pairs.map((p) => p.setUp(ports)));
  }

  async tearDown(): Promise<void> {
    await Promise.all(this.pairs.map((p) => p.tearDown()));
    rmSync(this.scratch, { recursive: true, force: true });
  }
}
