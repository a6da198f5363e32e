// npm run bench:resources: analyzes the real corpus (fixtures/fuzz-seeds, a copy of
// ../shared/corpus) plus the adversarial set — the committed broken-bytes bundle and a generated
// one: a 200 MB single-line log, a 200 MB config, 40,000-deep YAML, alias bombs, journald
// entries with a 100,000-deep value, a 5 MB message and a 300,000-byte array — in one child
// process, and prints its peak RSS (process.resourceUsage, worker threads included; cross-checked
// with GNU time's "Maximum resident set size" where /usr/bin/time exists). Exit 1 above 256 MB.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const LIMIT_MB = 256;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const scratch = mkdtempSync(path.join(os.tmpdir(), "stacklint-resources-"));
const at = (relative, content) => {
  mkdirSync(path.dirname(path.join(scratch, relative)), { recursive: true });
  writeFileSync(path.join(scratch, relative), content);
  return path.join(scratch, relative);
};

async function generate() {
  const lineBytes = 200 * 1024 * 1024;
  const log = at("big/var/log/swift/proxy.log", "");
  await new Promise((resolve, reject) => {
    const out = createWriteStream(log);
    out.on("error", reject);
    const chunk = Buffer.alloc(4 * 1024 * 1024, "memcache x=y: ");
    let written = 0;
    const write = () => {
      while (written < lineBytes) {
        written += chunk.length;
        if (!out.write(chunk)) return out.once("drain", write);
      }
      out.end("\nMay  1 00:00:09 proxy1 proxy-server: Error connecting to memcached: 10.0.0.11:11211: [Errno 111] ECONNREFUSED (txn: tx99)\n", resolve);
    };
    write();
  });
  truncateSync(at("big/etc/swift/proxy-server.conf", ""), lineBytes);
  at("deep/docker-compose.yml", `services:\n  memcached:\n    command: ${"[".repeat(40_000)}\n`);
  at("deep/etc/kolla/globals.yml", `network_interface: ${"- ".repeat(40_000)}eth0\n`);
  const laughs = ['x-lol0: &l0 "lol"', ...Array.from({ length: 9 }, (_, i) => `x-lol${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(", ")}]`)].join("\n");
  at("bomb/docker-compose.yml", `services:\n  memcached:\n    image: memcached:1.6\n    ports:\n      - "11211:11211"\n${laughs}\n`);
  at("bomb/etc/kolla/globals.yml", `${laughs}\nnetwork_interface: *l9\n`);
  const nested = `{"__REALTIME_TIMESTAMP":"1714521601000000","MESSAGE":${"[".repeat(100_000)}"Error connecting to memcached: 10.0.0.11:11211: [Errno 111] ECONNREFUSED"${"]".repeat(100_000)}}`;
  const huge = JSON.stringify({ __REALTIME_TIMESTAMP: "1714521602000000", MESSAGE: `Error connecting to memcached: ${"A".repeat(5 * 1024 * 1024)}` });
  const wide = JSON.stringify({ __REALTIME_TIMESTAMP: "1714521603000000", MESSAGE: Array.from({ length: 300_000 }, () => 65) });
  at("journal/sos_commands/logs/journal.json", `${nested}\n${huge}\n${wide}\n`);
}

/**
 * The corpus files are named after their source; each goes to its own host folder under the
 * path stacklint looks for (templates included, suffix dropped: the parsers then meet raw
 * Jinja/ERB/Helm text).
 */
const CANONICAL = {
  "swift-proxy": "etc/swift/proxy-server.conf",
  "memcache-conf": "etc/swift/memcache.conf",
  "openstack-ini": "etc/nova/nova.conf",
  "memcached-sysconfig": "etc/sysconfig/memcached",
  "memcached-unit": "etc/systemd/system/memcached.service",
  compose: "docker-compose.yml",
  kolla: "etc/kolla/globals.yml",
  sysctl: "etc/sysctl.conf",
  journald: "sos_commands/logs/journal.json",
  "docker-logs": "var/lib/docker/containers/c0ffee/c0ffee-json.log",
  firewall: "etc/sysconfig/iptables",
  "swift-logs": "etc/rsyslog.d/10-swift.conf",
};

function layOutCorpus() {
  const corpus = path.join(root, "fixtures/fuzz-seeds");
  let placed = 0;
  for (const dir of Object.keys(CANONICAL).sort()) {
    if (!existsSync(path.join(corpus, dir))) continue;
    for (const name of readdirSync(path.join(corpus, dir)).sort()) {
      let target = CANONICAL[dir];
      if (dir === "memcached-unit" && name.endsWith(".conf")) target = "etc/systemd/system/memcached.service.d/override.conf";
      if (dir === "journald" && name.endsWith(".export")) target = "sos_commands/logs/journal.export";
      if (dir === "sysctl" && name.includes("sysctl_-a")) target = "sos_commands/kernel/sysctl_-a";
      at(`corpus/${dir}-${name}/${target}`, readFileSync(path.join(corpus, dir, name)));
      placed++;
    }
  }
  return placed;
}

/** Runs the child, under GNU time when it exists; resolves with its report and GNU time's figure. */
function measure(inputs) {
  const child = path.join(root, "bench/resources-child.mjs");
  const gnuTime = existsSync("/usr/bin/time");
  const [command, args] = gnuTime ? ["/usr/bin/time", ["-v", process.execPath, child, ...inputs]] : [process.execPath, [child, ...inputs]];
  return new Promise((resolve, reject) => {
    const run = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    run.stdout.on("data", (d) => (stdout += d));
    run.stderr.on("data", (d) => (stderr += d));
    run.on("close", (code) => {
      if (code !== 0) return reject(new Error(`analysis failed (${code}): ${stderr.slice(-2000)}`));
      const gnu = /Maximum resident set size \(kbytes\): (\d+)/u.exec(stderr);
      resolve({ ...JSON.parse(stdout), gnuTimeMB: gnu ? Number(gnu[1]) / 1024 : null });
    });
  });
}

try {
  await generate();
  const placed = layOutCorpus();
  const inputs = [path.join(root, "fixtures/adversarial/bundle"), scratch];
  const r = await measure(inputs);
  const peak = Math.max(r.maxRssMB, r.gnuTimeMB ?? 0);
  console.log(
    `corpus (${placed} files) + adversarial set: ${r.files} files analyzed, ${r.findings} findings, ${r.diagnostics} diagnostics in ${r.wallSeconds.toFixed(1)} s; ` +
      `peak RSS ${r.maxRssMB.toFixed(0)} MB (process.resourceUsage)${r.gnuTimeMB === null ? "" : `, ${r.gnuTimeMB.toFixed(0)} MB (GNU time)`}; ` +
      `limit ${LIMIT_MB} MB: ${peak <= LIMIT_MB ? "met" : "NOT met"}`,
  );
  process.exitCode = peak <= LIMIT_MB ? 0 : 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
